import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdversarialContext,
  anonymous,
  asA,
  bearer,
  BY_ID,
  BY_URI,
  type Build,
  CREATE_MODEL,
  createInput,
  get,
  globalId,
  gql,
  LIST,
  nested,
  nestedJson,
  NODE,
  rawPost,
  seedAdversarialContext,
} from '../helpers/adversarial-context.ts';
import {
  countOrganizationModels,
  type HttpServer,
  INTERNALS,
  type RawResponse,
  sendRaw,
  snapshotModels,
  startHttpServer,
} from '../helpers/adversarial-http.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * The adversarial corpus: hostile requests, each sent through a real node:http server around the
 * gateway, each with the exact HTTP status and `extensions.code` it must get. For every case the
 * response must carry no stack trace, source path, SQL or secret, must come within a time budget
 * (no hangs, no event-loop stalls), and the models of both organizations must be exactly as they
 * were — except for the few positive controls, which must add exactly the rows they say.
 *
 * ADVERSARIAL_PRINT=1 prints what each case got (status, code, first message, time) as it runs.
 */
interface HostileCase {
  name: string;
  request: Build;
  status: number;
  /** `extensions.code` of the first error; null: a GraphQL response without errors; 'NOT_GRAPHQL': HTTP-level answer */
  code: string | null;
  /** path of the first error's first `extensions.issues` entry, joined with "." */
  issue?: string;
  /** what the first error's message must match */
  message?: RegExp;
  /** models this request adds to organization A (the positive controls); default 0 */
  created?: number;
  /** more assertions on the response */
  check?: (response: RawResponse, c: AdversarialContext) => void;
  /** values sent in this request that no response may contain, not even 8 characters of them */
  secrets?: (c: AdversarialContext) => string[];
  /** the response must come within this many milliseconds; default 2,000 */
  budgetMs?: number;
}

const MiB = 1024 * 1024;

/* --- small builders of request bodies ----------------------------------------------------------- */

const list = (variables: Record<string, unknown> | ((c: AdversarialContext) => Record<string, unknown>), as = asA) =>
  gql(LIST, variables, { as });
const create = (overrides: Record<string, unknown> | ((c: AdversarialContext) => Record<string, unknown>), as = asA) =>
  gql(CREATE_MODEL, (c) => ({ input: createInput(typeof overrides === 'function' ? overrides(c) : overrides) }), { as });
/** A create whose JSON body is written by hand around a raw fragment (NaN, Infinity, 1e400…). */
const rawCreate = (field: string, rawValue: string) =>
  rawPost(() => {
    const body = JSON.stringify({ query: CREATE_MODEL, variables: { input: createInput({ [field]: '__RAW__' }) } });
    return body.replace('"__RAW__"', rawValue);
  });
const rawFirst = (rawValue: string) =>
  rawPost(JSON.stringify({ query: LIST, variables: { first: '__RAW__' } }).replace('"__RAW__"', rawValue));

/* --- assertions on data ------------------------------------------------------------------------- */

const emptyList = (response: RawResponse) => {
  expect(response.json.data.models.totalCount, response.text).toBe(0);
  expect(response.json.data.models.nodes, response.text).toEqual([]);
};
const nullModel = (field = 'model') => (response: RawResponse) => {
  expect(response.json.data, response.text).toEqual({ [field]: null });
};
const createdName = (name: string) => (response: RawResponse) => {
  expect(response.json.data.createModel.model.name, response.text).toBe(name);
};

/* --- hostile query texts ------------------------------------------------------------------------ */

const aliases = (count: number, field: string) =>
  `query Aliases { ${Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(' ')} }`;
const deepType = (levels: number) => `query Deep { __type(name: "Model") { ${'fields { type { '.repeat(levels)}name${' } }'.repeat(levels)} } }`;
const deepSchema = (levels: number) => `query DeepSchema { __schema { types { ${'fields { type { '.repeat(levels)}name${' } }'.repeat(levels)} } } }`;
/** Each fragment spreads the next one `width` times; the last one selects a real field. */
const fragmentFanOut = (width: number, levels: number) => {
  const fragments = Array.from(
    { length: levels },
    (_, level) => `fragment F${level} on Query { ${Array.from({ length: width }, () => `...F${level + 1}`).join(' ')} }`,
  );
  return `query FanOut { ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { model(resourceUri: "x") { id } }`;
};
const MANY_FIELDS = 'id name resourceUri tags credentialKeys provider status createdAt updatedAt createdBy';
const costly = (count: number, first: string) =>
  `query Costly${first.startsWith('$') ? '($n: Int = 100)' : ''} { ${Array.from(
    { length: count },
    (_, index) => `m${index}: models(first: ${first}) { nodes { ${MANY_FIELDS} } edges { cursor node { ${MANY_FIELDS} } } }`,
  ).join(' ')} }`;

/* --- forged cursors ----------------------------------------------------------------------------- */

const tamper = (cursor: string) => {
  const [body = '', signature = ''] = cursor.split('.');
  const flipped = body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6);
  return `${flipped}.${signature}`;
};
/** The uuid inside a model's opaque id ("Model:<uuid>", base64url). */
const rawUuid = (id: string) => Buffer.from(id, 'base64url').toString('utf8').replace(/^Model:/, '');
const unsignedCursor = (c: AdversarialContext) =>
  Buffer.from(JSON.stringify({ o: 'CREATED_AT:DESC', v: ['2020-01-01T00:00:00.000Z'], i: rawUuid(c.bModel.id) })).toString('base64url');

const CASES: HostileCase[] = [
  /* ---- positive controls: the harness sees success when there is success ---- */
  { name: 'control: __typename without a token', request: gql('{ __typename }', undefined, { as: anonymous }), status: 200, code: null },
  {
    name: 'control: list own models',
    request: list({ first: 10 }),
    status: 200,
    code: null,
    check: (response, c) => {
      const ids = response.json.data.models.nodes.map((node: { id: string }) => node.id).sort();
      expect(ids, response.text).toEqual(c.aModels.map((model) => model.id).sort());
    },
  },
  {
    name: 'control: create a model',
    request: create({ name: 'Control Model' }),
    status: 200,
    code: null,
    created: 1,
    check: createdName('Control Model'),
  },
  {
    name: 'control: look up an own model by id and by node',
    request: gql('query Own($id: ID!) { model(id: $id) { id } node(id: $id) { id } }', (c) => ({ id: c.aModels[0]!.id })),
    status: 200,
    code: null,
    check: (response, c) => expect(response.json.data, response.text).toEqual({ model: { id: c.aModels[0]!.id }, node: { id: c.aModels[0]!.id } }),
  },
  {
    name: 'control: introspection without a token',
    request: gql('query Intro { __schema { queryType { name } mutationType { name } } }', undefined, { as: anonymous }),
    status: 200,
    code: null,
  },

  /* ---- transport: bodies, content types, methods ---- */
  { name: 'malformed JSON: truncated object', request: rawPost('{"query": "mutation { createModel'), status: 400, code: 'BAD_REQUEST' },
  { name: 'malformed JSON: trailing garbage', request: rawPost('{"query":"{ __typename }"} }}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'malformed JSON: empty body', request: rawPost(''), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'malformed JSON: single-quoted credential value is not echoed back',
    request: rawPost(
      `{"query":"mutation($input: CreateModelInput!){createModel(input:$input){model{id}}}","variables":{"input":{"name":"n","litellmModel":"m","credentials":{"api_key":'sk-live-QUOTED0123456789abcdef'}}}}`,
    ),
    status: 400,
    code: 'BAD_REQUEST',
    secrets: () => ['sk-live-QUOTED0123456789abcdef'],
    check: (response) => expect(response.json.errors[0].extensions, response.text).not.toHaveProperty('originalError'),
  },
  {
    name: 'malformed JSON: raw NUL byte inside a string',
    request: rawPost(`{"query":"{ __typename }","operationName":"a\u0000b"}`),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'malformed JSON: invalid UTF-8 bytes outside any string',
    request: rawPost(Buffer.concat([Buffer.from('{"query":"{ __typename }"'), Buffer.from([0xff, 0xfe]), Buffer.from('}')])),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'JSON body is null', request: rawPost('null'), status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON body is a string', request: rawPost('"{ __typename }"'), status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON body is a number', request: rawPost('42'), status: 400, code: 'BAD_REQUEST' },
  { name: 'batched array of operations', request: rawPost('[{"query":"{ __typename }"},{"query":"{ __typename }"}]'), status: 400, code: 'BAD_REQUEST' },
  { name: 'empty batch', request: rawPost('[]'), status: 400, code: 'BAD_REQUEST' },
  { name: 'missing query', request: rawPost('{"variables":{}}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'query is a number', request: rawPost('{"query":42}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'query is an array', request: rawPost('{"query":["{ __typename }"]}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'query is null', request: rawPost('{"query":null}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'variables is a string', request: rawPost('{"query":"{ __typename }","variables":"{}"}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'operationName is a number', request: rawPost('{"query":"{ __typename }","operationName":1}'), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'unexpected top-level parameter', request: rawPost('{"query":"{ __typename }","sql":"drop table models"}'), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'byte-order mark before the JSON',
    request: rawPost(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"query":"{ __typename }"}')])),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'undeclared variable nested 100,000 arrays deep',
    request: rawPost(`{"query":"{ __typename }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`),
    status: 200,
    code: null,
  },
  {
    name: 'gzip bomb (16 KB that would inflate to 16 MiB) is not inflated',
    request: rawPost(() => gzipSync(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(16 * MiB) } })), {
      headers: { 'content-encoding': 'gzip' },
    }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: '__proto__ as a top-level parameter', request: rawPost('{"query":"{ __typename }","__proto__":{"variables":{"x":1}}}'), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'persisted-query hash without a query',
    request: rawPost('{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'request smuggling: Content-Length and Transfer-Encoding together (refused by the HTTP parser)',
    request: (c) => {
      const body = JSON.stringify({ query: CREATE_MODEL, variables: { input: createInput({ name: 'smuggled' }) } });
      const smuggled = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${c.a.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const outer = '{"query":"{ __typename }"}';
      return {
        socket: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${outer.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      };
    },
    status: 400,
    code: 'NOT_GRAPHQL',
  },
  { name: 'content type text/plain', request: rawPost('{"query":"{ __typename }"}', { contentType: 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'content type application/xml', request: rawPost('<query>{ __typename }</query>', { contentType: 'application/xml' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  // Media types are case-insensitive (RFC 9110): read as application/json.
  { name: 'content type APPLICATION/JSON', request: rawPost('{"query":"{ __typename }"}', { contentType: 'APPLICATION/JSON' }), status: 200, code: null },
  { name: 'no content type', request: rawPost('{"query":"{ __typename }"}', { contentType: null }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  {
    name: 'form-encoded mutation (a CSRF-shaped request)',
    request: rawPost(
      (c) => new URLSearchParams({ query: `mutation { createModel(input: { name: "csrf", litellmModel: "x", credentials: { k: "v" } }) { model { id } } }`, c: c.a.projectId }).toString(),
      { contentType: 'application/x-www-form-urlencoded' },
    ),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'multipart mutation',
    request: rawPost(
      [
        '--x',
        'Content-Disposition: form-data; name="operations"',
        '',
        JSON.stringify({ query: CREATE_MODEL, variables: { input: createInput({ name: 'multipart' }) } }),
        '--x',
        'Content-Disposition: form-data; name="map"',
        '',
        '{}',
        '--x--',
        '',
      ].join('\r\n'),
      { contentType: 'multipart/form-data; boundary=x' },
    ),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'GET with a mutation',
    request: get({ query: `mutation { createModel(input: { name: "via get", litellmModel: "x", credentials: { k: "v" } }) { model { id } } }` }),
    status: 405,
    code: 'BAD_REQUEST',
  },
  {
    name: 'GET selecting the mutation of a document by operationName',
    request: get({
      query: `query Q { __typename } mutation M { createModel(input: { name: "via get", litellmModel: "x", credentials: { k: "v" } }) { model { id } } }`,
      operationName: 'M',
    }),
    status: 405,
    code: 'BAD_REQUEST',
  },
  {
    name: 'PUT',
    request: (c) => ({ ...rawPost('{"query":"{ __typename }"}')(c), method: 'PUT' }),
    status: 405,
    code: 'BAD_REQUEST',
    check: (response) => expect(response.headers.allow, response.text).toBe('GET, POST'),
  },
  {
    name: '10 MiB body with Content-Length',
    request: rawPost(() => JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(10 * MiB) } })),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    budgetMs: 15_000,
  },
  {
    name: '10 MiB body chunked, without Content-Length',
    request: (c) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asA(c) },
      chunks: [Buffer.from('{"query":"{ __typename }","variables":{"pad":"'), ...Array.from({ length: 160 }, () => Buffer.alloc(64 * 1024, 'x')), Buffer.from('"}}')],
    }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    budgetMs: 15_000,
  },
  {
    name: 'body one byte over 1 MiB',
    request: rawPost(() => {
      const head = '{"query":"{ __typename }","variables":{"pad":"';
      const tail = '"}}';
      return head + 'x'.repeat(MiB + 1 - head.length - tail.length) + tail;
    }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'GET with a 20 KiB URL (refused by the HTTP parser)',
    request: get({ query: `{ __typename ${' '.repeat(20 * 1024)}}` }),
    status: 431,
    code: 'NOT_GRAPHQL',
  },

  /* ---- query limits ---- */
  { name: '1,000 aliases (the token limit trips first)', request: gql(aliases(1000, 'model(resourceUri: "x") { id }')), status: 200, code: 'GRAPHQL_PARSE_FAILED' },
  {
    name: '16 aliased createModel mutations',
    request: gql(
      `mutation Many { ${Array.from({ length: 16 }, (_, index) => `c${index}: createModel(input: { name: "alias ${index}", litellmModel: "x", credentials: { k: "v" } }) { model { id } }`).join(' ')} }`,
    ),
    status: 200,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /Aliases limit of 15/,
  },
  { name: '16 aliases, one past the limit', request: gql(aliases(16, 'model(resourceUri: "x") { id }')), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: /Aliases limit of 15/ },
  { name: 'depth 50 through __type', request: gql(deepType(25), undefined, { as: anonymous }), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: /depth limit of 10/ },
  {
    name: 'depth 50 through __schema (exempt from the depth limit, caught by GraphQL’s introspection depth rule)',
    request: gql(deepSchema(25), undefined, { as: anonymous }),
    status: 200,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /introspection depth/,
  },
  { name: '300 directives', request: gql(`query D { __typename ${'@a'.repeat(300)} }`), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: /Directives limit of 10/ },
  {
    name: '11 @include directives, one past the limit',
    request: gql(`query D { ${Array.from({ length: 11 }, (_, index) => `f${index}: __typename @include(if: true)`).join(' ')} }`),
    status: 200,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /Directives limit of 10/,
  },
  { name: '5,000 tokens', request: gql(`{ ${'__typename '.repeat(5000)}}`), status: 200, code: 'GRAPHQL_PARSE_FAILED', message: /Token limit of 2000/ },
  {
    name: 'fragment cycle',
    request: gql('query Q { ...A } fragment A on Query { ...B } fragment B on Query { ...A }'),
    status: 200,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'fragment spreading itself inside a model',
    request: gql('query Q { model(resourceUri: "x") { ...M } } fragment M on Model { id ...M }'),
    status: 200,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'cost explosion: 15 aliased pages of 100 models',
    request: gql(costly(15, '100')),
    status: 200,
    code: 'QUERY_TOO_COMPLEX',
  },
  {
    name: 'cost explosion: page size hidden in a variable default',
    request: gql(costly(15, '$n')),
    status: 200,
    code: 'QUERY_TOO_COMPLEX',
  },
  {
    // 120 spreads of F1 in F0, of F2 in F1, of F3 in F2: 1.7 million paths in ~400 tokens, within the depth limit.
    // Answered at once with QUERY_TOO_COMPLEX when the cost is computed once per fragment; a walk of every
    // path stalls the event loop (every other request waits) for seconds, growing with the cube of the width.
    name: 'cost explosion: fragments fanning out 120 ways, 3 deep',
    request: gql(fragmentFanOut(120, 3)),
    status: 200,
    code: 'QUERY_TOO_COMPLEX',
    budgetMs: 500,
  },
  { name: 'unknown operation name', request: gql('query A { __typename }', undefined, { operationName: 'B' }), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'several operations and no operation name', request: gql('query A { __typename } query B { __typename }'), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  {
    name: 'operation name of 10,000 characters',
    request: gql('query A { __typename }', undefined, { operationName: 'B'.repeat(10_000) }),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  { name: 'subscription on a schema without subscriptions', request: gql('subscription S { models { totalCount } }'), status: 200, code: 'BAD_USER_INPUT' },

  /* ---- numbers ---- */
  { name: 'first: 2147483648 as a literal', request: gql('{ models(first: 2147483648) { totalCount } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'first: 2147483648 as a variable', request: list({ first: 2147483648 }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'first: -1', request: list({ first: -1 }), status: 200, code: 'BAD_USER_INPUT', issue: 'first' },
  { name: 'first: 0', request: list({ first: 0 }), status: 200, code: 'BAD_USER_INPUT', issue: 'first' },
  { name: 'last: 101', request: list({ last: 101 }), status: 200, code: 'BAD_USER_INPUT', issue: 'last' },
  { name: 'first and last together', request: list({ first: 5, last: 5 }), status: 200, code: 'BAD_USER_INPUT', issue: 'last' },
  { name: 'first: "12" (a string)', request: list({ first: '12' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'first: 1.5', request: list({ first: 1.5 }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'first: 1e400 (raw JSON, parses as Infinity)', request: rawFirst('1e400'), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'first: NaN (raw text, not JSON)', request: rawFirst('NaN'), status: 400, code: 'BAD_REQUEST' },
  { name: 'first: Infinity (raw text, not JSON)', request: rawFirst('Infinity'), status: 400, code: 'BAD_REQUEST' },
  { name: 'first: 1e400 as a literal', request: gql('{ models(first: 1e400) { totalCount } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED' },
  {
    name: 'defaultTemperature: NaN (raw text)',
    request: rawCreate('defaultTemperature', 'NaN'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'defaultTemperature: -Infinity (raw text)', request: rawCreate('defaultTemperature', '-Infinity'), status: 400, code: 'BAD_REQUEST' },
  { name: 'defaultTemperature: 1e400 (raw JSON)', request: rawCreate('defaultTemperature', '1e400'), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'defaultTemperature: "0.5" (a string)', request: create({ defaultTemperature: '0.5' }), status: 400, code: 'BAD_USER_INPUT' },
  {
    name: 'defaultTemperature: 1e400 as a literal (Infinity)',
    request: gql(`mutation { createModel(input: { name: "inf", litellmModel: "x", credentials: { k: "v" }, defaultTemperature: 1e400 }) { model { id } } }`),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.defaultTemperature',
  },
  { name: 'defaultTemperature: 10', request: create({ defaultTemperature: 10 }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.defaultTemperature' },
  { name: 'maxInputTokens: 2147483648', request: create({ maxInputTokens: 2147483648 }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'maxInputTokens: 0', request: create({ maxInputTokens: 0 }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.maxInputTokens' },
  { name: 'timeout: true', request: create({ timeout: true }), status: 400, code: 'BAD_USER_INPUT' },

  /* ---- SQL fragments where text goes ---- */
  { name: "search: ' OR 1=1 --", request: list({ filter: { search: "' OR 1=1 --" } }), status: 200, code: null, check: emptyList },
  { name: "search: %' ; DROP TABLE models; --", request: list({ filter: { search: "%' ; DROP TABLE models; --" } }), status: 200, code: null, check: emptyList },
  { name: 'search: % (a literal percent sign)', request: list({ filter: { search: '%' } }), status: 200, code: null, check: emptyList },
  { name: 'search: _ (a literal underscore)', request: list({ filter: { search: '_' } }), status: 200, code: null, check: emptyList },
  { name: 'search: \\ (a lone backslash)', request: list({ filter: { search: '\\' } }), status: 200, code: null, check: emptyList },
  { name: 'search: \\% (an escaped escape)', request: list({ filter: { search: '\\%' } }), status: 200, code: null, check: emptyList },
  { name: 'search: 10,000 characters', request: list({ filter: { search: 'a'.repeat(10_000) } }), status: 200, code: 'BAD_USER_INPUT', issue: 'filter.search' },
  { name: "tags: ' OR 1=1 --", request: list({ filter: { tags: ["' OR 1=1 --"] } }), status: 200, code: null, check: emptyList },
  { name: 'tags: array-literal injection {prod} and a","b', request: list({ filter: { tags: ['{prod}', 'a","b'] } }), status: 200, code: null, check: emptyList },
  { name: "provider: openai') OR ('1'='1", request: list({ filter: { provider: ["openai') OR ('1'='1"] } }), status: 200, code: null, check: emptyList },
  { name: "createdBy: ' OR ''='", request: list({ filter: { createdBy: "' OR ''='" } }), status: 200, code: null, check: emptyList },
  { name: 'orderBy field: NAME; DROP TABLE models', request: list({ orderBy: [{ field: 'NAME; DROP TABLE models', direction: 'ASC' }] }), status: 400, code: 'BAD_USER_INPUT' },
  {
    name: 'orderBy with 20,000 terms',
    request: list({ orderBy: Array.from({ length: 20_000 }, () => ({ field: 'NAME', direction: 'ASC' })) }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'orderBy',
  },
  { name: "model(resourceUri: ' OR 1=1 --)", request: gql(BY_URI, { uri: "' OR 1=1 --" }), status: 200, code: null, check: nullModel() },
  {
    name: "createModel resourceUri: x'; DROP TABLE models; --",
    request: create({ resourceUri: "x'; DROP TABLE models; --" }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.resourceUri',
  },
  { name: 'createModel resourceUri already used in the project', request: create((c) => ({ resourceUri: c.aModels[0]!.resourceUri })), status: 200, code: 'CONFLICT' },
  {
    name: "createModel name: Robert'); DROP TABLE models;-- is stored as written",
    request: create({ name: "Robert'); DROP TABLE models;--" }),
    status: 200,
    code: null,
    created: 1,
    check: createdName("Robert'); DROP TABLE models;--"),
  },

  /* ---- forged and foreign cursors ---- */
  { name: "cursor: ' OR 1=1 --", request: list({ after: "' OR 1=1 --" }), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor: random base64', request: list({ after: randomBytes(48).toString('base64url') }), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor: tampered body, original signature', request: list((c) => ({ after: tamper(c.cursors.a) })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor: base64 JSON with no signature', request: list((c) => ({ after: unsignedCursor(c) })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  {
    name: 'cursor: base64 JSON with a signature of zeros',
    request: list((c) => ({ after: `${unsignedCursor(c)}.${Buffer.alloc(16).toString('base64url')}` })),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'after',
  },
  { name: 'cursor: valid, with a third segment', request: list((c) => ({ after: `${c.cursors.a}.x` })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor: valid, signature padded with =', request: list((c) => ({ after: `${c.cursors.a}==` })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor: 5,000 characters', request: list({ before: 'A'.repeat(5000) }), status: 200, code: 'BAD_USER_INPUT', issue: 'before' },
  { name: 'cursor: with a NUL', request: list((c) => ({ after: `${c.cursors.a}\u0000` })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor of another organization', request: list((c) => ({ after: c.cursors.b })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor of another project of the same organization', request: list((c) => ({ after: c.cursors.a2 })), status: 200, code: 'BAD_USER_INPUT', issue: 'after' },
  { name: 'cursor made under another orderBy', request: list((c) => ({ before: c.cursors.aByName })), status: 200, code: 'BAD_USER_INPUT', issue: 'before' },

  /* ---- forged and foreign ids ---- */
  { name: 'model(id:) of another organization', request: gql(BY_ID, (c) => ({ id: c.bModel.id })), status: 200, code: null, check: nullModel() },
  { name: 'node(id:) of another organization', request: gql(NODE, (c) => ({ id: c.bModel.id })), status: 200, code: null, check: nullModel('node') },
  { name: 'model(id:) of another project of the same organization', request: gql(BY_ID, (c) => ({ id: c.a2Model.id })), status: 200, code: null, check: nullModel() },
  { name: 'model(resourceUri:) of another organization', request: gql(BY_URI, (c) => ({ uri: c.bModel.resourceUri })), status: 200, code: null, check: nullModel() },
  { name: "model(id:) forged around ' OR 1=1 --", request: gql(BY_ID, { id: globalId("Model:' OR 1=1 --") }), status: 200, code: null, check: nullModel() },
  { name: 'model(id:) that is not base64', request: gql(BY_ID, { id: '!!!' }), status: 200, code: 'BAD_USER_INPUT', issue: 'id' },
  { name: 'node(id:) of an unknown type', request: gql(NODE, { id: globalId('User:1') }), status: 200, code: 'BAD_USER_INPUT', issue: 'id' },
  { name: 'model(id:) of 10,000 characters', request: gql(BY_ID, { id: 'A'.repeat(10_000) }), status: 200, code: 'BAD_USER_INPUT', issue: 'id' },
  { name: 'model(id:) a raw uuid instead of the opaque id', request: gql(BY_ID, (c) => ({ id: rawUuid(c.aModels[0]!.id) })), status: 200, code: 'BAD_USER_INPUT', issue: 'id' },
  { name: 'model() with both id and resourceUri', request: gql('query Both($id: ID, $uri: String) { model(id: $id, resourceUri: $uri) { id } }', (c) => ({ id: c.aModels[0]!.id, uri: c.aModels[0]!.resourceUri })), status: 200, code: 'BAD_USER_INPUT' },

  /* ---- tokens ---- */
  { name: 'alg: none token on createModel', request: create({}, bearer((c) => c.tokens.algNone)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'alg: none token on models', request: list({}, bearer((c) => c.tokens.algNone)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token signed with another key', request: create({}, bearer((c) => c.tokens.foreignKey)), status: 401, code: 'UNAUTHENTICATED', secrets: (c) => [c.tokens.foreignSecret] },
  { name: 'expired token', request: create({}, bearer((c) => c.tokens.expired)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token without exp', request: list({}, bearer((c) => c.tokens.withoutExp)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token signed HS512 with the right secret', request: list({}, bearer((c) => c.tokens.hs512)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token whose org_id holds a NUL', request: list({}, bearer((c) => c.tokens.nulInOrg)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token whose projects claim is a string', request: list({}, bearer((c) => c.tokens.projectsNotAList)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token whose sub is 1,000 characters', request: list({}, bearer((c) => c.tokens.longSub)), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'no token on createModel', request: create({}, anonymous), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Basic credentials instead of a bearer token', request: list({}, () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Bearer with two tokens', request: list({}, (c) => ({ authorization: `Bearer ${c.a.token} ${c.a.token}` })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Bearer with 8,000 random characters', request: list({}, () => ({ authorization: `Bearer ${randomBytes(6000).toString('base64url')}` })), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: "another organization's token with this organization's X-Project-ID sees nothing",
    request: gql(BY_ID, (c) => ({ id: c.aModels[0]!.id }), { as: bearer((c) => c.tokens.otherOrgWithAProject, (c) => c.a.projectId) }),
    status: 200,
    code: null,
    check: nullModel(),
  },
  {
    name: "another organization's token with this organization's X-Project-ID lists nothing",
    request: list({}, bearer((c) => c.tokens.otherOrgWithAProject, (c) => c.a.projectId)),
    status: 200,
    code: null,
    check: emptyList,
  },
  {
    name: 'token without the project, X-Project-ID naming it, on createModel',
    request: create({}, bearer((c) => c.tokens.withoutProject, (c) => c.a.projectId)),
    status: 200,
    code: 'FORBIDDEN',
  },
  { name: 'token for one project, X-Project-ID of its sibling', request: list({}, bearer((c) => c.a.token, (c) => c.a2.projectId)), status: 200, code: 'FORBIDDEN' },
  { name: 'wildcard token without X-Project-ID', request: create({}, bearer((c) => c.tokens.wildcard)), status: 200, code: 'BAD_USER_INPUT', issue: 'X-Project-ID' },
  { name: "X-Project-ID: ' OR 1=1 --", request: list({}, bearer((c) => c.tokens.wildcard, () => "' OR 1=1 --")), status: 200, code: 'BAD_USER_INPUT', issue: 'X-Project-ID' },
  { name: 'X-Project-ID of 300 characters', request: list({}, bearer((c) => c.tokens.wildcard, () => 'p'.repeat(300))), status: 200, code: 'BAD_USER_INPUT', issue: 'X-Project-ID' },
  {
    name: 'X-Request-ID with markup is replaced, not echoed',
    request: gql('{ __typename }', undefined, { headers: { 'x-request-id': '<script>alert(1)</script>' } }),
    status: 200,
    code: null,
    check: (response) => {
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.text).not.toContain('<script>');
    },
  },

  /* ---- unicode in names ---- */
  {
    name: 'name with a right-to-left override is stored as sent',
    request: create({ name: 'gpt\u202Ecod.exe' }),
    status: 200,
    code: null,
    created: 1,
    check: (response) => {
      createdName('gpt\u202Ecod.exe')(response);
      expect(response.json.data.createModel.model.resourceUri).toMatch(/^gpt-cod-exe(-\d+)?$/);
    },
  },
  {
    name: 'name of zero-width joiners and an emoji family is stored as sent',
    request: create({ name: '\u200D\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D' }),
    status: 200,
    code: null,
    created: 1,
    check: (response) => {
      createdName('\u200D\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D')(response);
      expect(response.json.data.createModel.model.resourceUri).toMatch(/^model(-\d+)?$/);
    },
  },
  { name: 'name of only Unicode spaces (NBSP, ideographic space)', request: create({ name: '\u00A0\u3000\u2003' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.name' },
  {
    // Lengths count characters (code points), as PostgreSQL's length() does, not UTF-16 units.
    name: 'name of 255 astral characters (510 UTF-16 units) is 255 characters: stored',
    request: create({ name: '\u{1F600}'.repeat(255) }),
    status: 200,
    code: null,
    created: 1,
    check: createdName('\u{1F600}'.repeat(255)),
  },
  {
    name: 'name of 256 astral characters is one too many',
    request: create({ name: '\u{1F600}'.repeat(256) }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.name',
  },

  /* ---- text PostgreSQL cannot store ---- */
  { name: 'name with a NUL', request: create({ name: 'evil\u0000name' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.name' },
  { name: 'name with a lone high surrogate', request: create({ name: 'evil\uD800name' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.name' },
  { name: 'description with a lone low surrogate', request: create({ description: 'x\uDC00' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.description' },
  { name: 'litellmModel with a NUL', request: create({ litellmModel: 'openai/\u0000' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.litellmModel' },
  { name: 'provider with a lone surrogate', request: create({ provider: '\uD83D' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.provider' },
  { name: 'apiVersion with a NUL', request: create({ apiVersion: '\u0000' }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.apiVersion' },
  { name: 'second tag with a NUL', request: create({ tags: ['ok', 'bad\u0000'] }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.tags.1' },
  { name: 'credential value with a lone surrogate', request: create({ credentials: { api_key: 'sk-\uD800' } }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.credentials.api_key' },
  { name: 'search with a NUL', request: list({ filter: { search: 'a\u0000' } }), status: 200, code: 'BAD_USER_INPUT', issue: 'filter.search' },
  { name: 'filter tag with a lone surrogate', request: list({ filter: { tags: ['\uDFFF'] } }), status: 200, code: 'BAD_USER_INPUT', issue: 'filter.tags.0' },
  { name: 'model(resourceUri:) with a NUL', request: gql(BY_URI, { uri: 'a\u0000' }), status: 200, code: 'BAD_USER_INPUT', issue: 'resourceUri' },

  /* ---- credentials ---- */
  {
    name: 'credentials with 10,000 keys',
    request: create({ credentials: Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`k${index}`, `sk-ADVERSARIAL-v${index}`])) }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.credentials',
  },
  {
    name: 'credentials nested 50 deep',
    request: create({ credentials: nested(50, 'k', 'sk-ADVERSARIAL-deep') }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.credentials.k.k.k.k',
  },
  {
    name: 'credentials nested 10,000 deep',
    request: rawPost(() =>
      JSON.stringify({ query: CREATE_MODEL, variables: { input: createInput({ credentials: '__RAW__' }) } }).replace(
        '"__RAW__"',
        nestedJson(10_000, 'k', 'sk-ADVERSARIAL-deep'),
      ),
    ),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.credentials.k.k.k.k',
  },
  { name: 'credentials as a string', request: create({ credentials: 'sk-ADVERSARIAL-string' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'credentials as an array', request: create({ credentials: ['sk-ADVERSARIAL-array'] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'credentials empty', request: create({ credentials: {} }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.credentials' },
  {
    name: 'credential value a number (not echoed)',
    request: create({ credentials: { api_key: 987654321987 } }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.credentials.api_key',
    secrets: () => ['987654321987'],
  },
  { name: 'credential value of 17 KiB', request: create({ credentials: { api_key: `sk-ADVERSARIAL-${'x'.repeat(17 * 1024)}` } }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.credentials' },
  {
    name: 'credentials with a __proto__ key',
    request: rawPost(() =>
      JSON.stringify({ query: CREATE_MODEL, variables: { input: createInput({ credentials: '__RAW__' }) } }).replace(
        '"__RAW__"',
        '{"__proto__":{"isAdmin":"sk-ADVERSARIAL-proto"}}',
      ),
    ),
    status: 200,
    code: null,
    created: 1,
    check: (response) => expect(response.json.data.createModel.model.credentialKeys).toEqual(['__proto__']),
  },

  /* ---- tags ---- */
  {
    name: '10,000 distinct tags',
    request: create({ tags: Array.from({ length: 10_000 }, (_, index) => `t${index}`) }),
    status: 200,
    code: 'BAD_USER_INPUT',
    issue: 'input.tags',
  },
  {
    name: '10,000 copies of one tag are de-duplicated into one',
    request: create({ tags: Array.from({ length: 10_000 }, () => 'same') }),
    status: 200,
    code: null,
    created: 1,
    check: (response) => expect(response.json.data.createModel.model.tags).toEqual(['same']),
  },
  { name: 'a tag of 10,000 characters', request: create({ tags: ['t'.repeat(10_000)] }), status: 200, code: 'BAD_USER_INPUT', issue: 'input.tags.0' },
  { name: 'a null tag', request: create({ tags: ['ok', null] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'filter with 10,000 tags', request: list({ filter: { tags: Array.from({ length: 10_000 }, (_, index) => `t${index}`) } }), status: 200, code: 'BAD_USER_INPUT', issue: 'filter.tags' },
];

/* --------------------------------------------------------------------------------------------------- */

let t: TestApp;
let server: HttpServer;
let c: AdversarialContext;

beforeAll(async () => {
  t = await createTestApp();
  c = await seedAdversarialContext(t);
  server = await startHttpServer(t);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const PRINT = process.env.ADVERSARIAL_PRINT === '1';

/** Whether any 8 characters in a row of `secret` occur in `text`. */
function leaksPartOf(text: string, secret: string): boolean {
  if (secret.length <= 8) return text.includes(secret);
  for (let start = 0; start + 8 <= secret.length; start++) if (text.includes(secret.slice(start, start + 8))) return true;
  return false;
}

describe('hostile requests through a real HTTP server', () => {
  it('has at least 60 cases with distinct names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((entry) => entry.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name → $status $code', async (entry) => {
    const organizations = [c.a.organizationId, c.b.organizationId];
    const before = JSON.parse(await snapshotModels(t.db, organizations)) as unknown[];
    const countBefore = await countOrganizationModels(t.db, c.a.organizationId);
    const request = entry.request(c);
    const response = await sendRaw(server.port, request);
    const after = JSON.parse(await snapshotModels(t.db, organizations)) as unknown[];
    const countAfter = await countOrganizationModels(t.db, c.a.organizationId);
    const first = response.json?.errors?.[0];
    if (PRINT) {
      console.log(
        JSON.stringify({ name: entry.name, status: response.status, code: first?.extensions?.code ?? null, message: first?.message?.slice(0, 160), issues: first?.extensions?.issues?.slice(0, 1), ms: Math.round(response.elapsedMs) }),
      );
    }
    const where = `${entry.name}\n${response.status} ${response.text.slice(0, 2000)}`;

    // Exactly the status and code declared.
    expect(response.status, where).toBe(entry.status);
    if (entry.code === 'NOT_GRAPHQL') {
      expect(response.json?.errors, where).toBeUndefined();
    } else {
      expect(response.json, where).toBeTypeOf('object');
      expect(response.headers['content-type'], where).toMatch(/^application\/(graphql-response\+)?json/);
      expect(response.headers['x-request-id'], where).toBeTruthy();
      if (entry.code === null) {
        expect(response.json.errors, where).toBeUndefined();
      } else {
        expect(first?.extensions?.code, where).toBe(entry.code);
        for (const error of response.json.errors as Array<{ extensions?: { code?: unknown } }>) {
          expect(typeof error.extensions?.code, where).toBe('string');
        }
        expect(response.json.errors.some((error: { extensions?: { code?: unknown } }) => error.extensions?.code === 'INTERNAL_SERVER_ERROR'), where).toBe(false);
      }
    }
    if (response.status === 401) expect(response.headers['www-authenticate'], where).toMatch(/^Bearer\b/);
    if (entry.issue !== undefined) expect(first?.extensions?.issues?.[0]?.path?.join('.'), where).toBe(entry.issue);
    if (entry.message) expect(first?.message, where).toMatch(entry.message);

    // Nothing of the server's insides, and no secret.
    for (const pattern of INTERNALS) expect(response.text, `${where}\nmatches ${pattern}`).not.toMatch(pattern);
    expect(response.text, where).not.toContain('sk-ADVERSARIAL');
    const authorization = request.headers?.authorization;
    const secrets = [...c.serverSecrets, c.tokens.foreignSecret, ...(entry.secrets?.(c) ?? [])];
    if (authorization && authorization.length > 40) secrets.push(authorization.replace(/^\S+\s+/, ''));
    for (const secret of secrets) expect(leaksPartOf(response.text, secret), `${where}\nleaks part of ${secret}`).toBe(false);

    // In time: no hang, no stalled event loop.
    expect(response.elapsedMs, where).toBeLessThan(entry.budgetMs ?? 2_000);

    // The models table: unchanged, or grown by exactly the rows a positive control created.
    expect(countAfter, where).toBe(countBefore + (entry.created ?? 0));
    if (!entry.created) {
      expect(after, where).toEqual(before);
    } else {
      expect(after.length, where).toBe(before.length + entry.created);
      const kept = new Set(after.map((row) => JSON.stringify(row)));
      for (const row of before) expect(kept.has(JSON.stringify(row)), where).toBe(true);
    }
    entry.check?.(response, c);
  });
});

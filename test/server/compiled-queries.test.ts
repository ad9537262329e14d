import * as graphqlJit from 'graphql-jit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createModels, PAGE_QUERY, type TestTenant } from '../helpers/list-models.ts';
import { createTestApp, type RequestOptions, type TestApp } from '../helpers/test-app.ts';

vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof graphqlJit>();
  return { ...original, compileQuery: vi.fn(original.compileQuery) };
});

/**
 * Operations run on graphql-jit from their second use (server/use-compiled-queries.ts), on
 * graphql-js before that. A client must not be able to tell: every answer below, errors
 * included, is compared between the first request (graphql-js) and the next two (compiled).
 */
let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let cursor: string;
let uri: string;
let globalId: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  other = await t.newTenant();
  await createModels(
    t,
    tenant,
    Array.from({ length: 12 }, (_, index) => ({
      name: `jit ${String(index).padStart(2, '0')}`,
      litellmModel: index % 2 ? 'openai/gpt-4o' : 'anthropic/claude-3-5-sonnet',
      credentials: { api_key: `sk-jit-${index}` },
      tags: index % 3 ? ['a'] : ['a', 'b'],
      mode: index % 2 ? 'chat' : 'embedding',
      ...(index === 4 ? { description: 'multilingual model' } : {}),
    })),
  );
  const first = await t.gql(
    'query { models(first: 3) { edges { cursor node { id resourceUri } } } }',
    {},
    { token: tenant.token },
  );
  const edges = first.body.data?.models.edges as Array<{ cursor: string; node: { id: string; resourceUri: string } }>;
  cursor = edges[2]!.cursor;
  uri = edges[0]!.node.resourceUri;
  globalId = edges[0]!.node.id;
});

afterAll(async () => {
  await t.close();
});

const FIELDS = 'id resourceUri name litellmModel status provider mode tags description createdAt updatedAt createdBy credentialKeys';

type Case = [name: string, document: string, variables: () => Record<string, unknown>, as: () => RequestOptions];
const asOwner = () => ({ token: tenant.token });

const cases: Case[] = [
  ['a full page with totalCount', PAGE_QUERY, () => ({ first: 5, withCount: true }), asOwner],
  ['the page after a cursor (lazy hasPreviousPage)', PAGE_QUERY, () => ({ first: 4, after: cursor }), asOwner],
  ['the page before a cursor', PAGE_QUERY, () => ({ last: 2, before: cursor }), asOwner],
  [
    'an order term without direction (graphql-jit refuses the default, graphql-js runs it)',
    PAGE_QUERY,
    () => ({ first: 3, orderBy: [{ field: 'NAME' }] }),
    asOwner,
  ],
  [
    'filters by enum values that map to stored values, and a search',
    PAGE_QUERY,
    () => ({ first: 10, filter: { mode: ['CHAT'], tags: ['b'] }, withCount: true }),
    asOwner,
  ],
  ['a search', `query S($s: String!) { models(filter: { search: $s }) { edges { node { ${FIELDS} } } } }`, () => ({ s: 'multilingual' }), asOwner],
  ['a lookup by resource URI', `query L($uri: String!) { model(resourceUri: $uri) { ${FIELDS} } }`, () => ({ uri }), asOwner],
  ['a lookup that finds nothing', 'query L($uri: String!) { model(resourceUri: $uri) { id } }', () => ({ uri: 'nope' }), asOwner],
  ['a lookup in another project finds nothing', 'query L($uri: String!) { model(resourceUri: $uri) { id } }', () => ({ uri }), () => ({ token: other.token })],
  [
    'node(id:) with a fragment, aliases, __typename and directives',
    `query N($id: ID!, $yes: Boolean!) {
       a: node(id: $id) { __typename ... on Model { name n2: name tags @include(if: $yes) mode @skip(if: $yes) } }
       b: node(id: "bm90LWEtbW9kZWw") { id }
     }`,
    () => ({ id: globalId, yes: true }),
    asOwner,
  ],
  ['first out of range', PAGE_QUERY, () => ({ first: -1 }), asOwner],
  ['first and last together', PAGE_QUERY, () => ({ first: 2, last: 2 }), asOwner],
  ['a forged cursor', PAGE_QUERY, () => ({ first: 2, after: `${cursor.slice(0, -2)}xx` }), asOwner],
  ['a variable of the wrong type', PAGE_QUERY, () => ({ first: 'ten' }), asOwner],
  ['an unknown enum value in a filter', PAGE_QUERY, () => ({ filter: { status: ['SLEEPING'] } }), asOwner],
  ['a fractional page size', PAGE_QUERY, () => ({ first: 2.5 }), asOwner],
  ['a page size past 32 bits', PAGE_QUERY, () => ({ first: 2 ** 31 }), asOwner],
  ['a numeric string as page size', PAGE_QUERY, () => ({ first: '5' }), asOwner],
  ['an unknown field in an input object', PAGE_QUERY, () => ({ filter: { colour: 'red' } }), asOwner],
  ['a single enum where a list is expected (coerced to a list)', PAGE_QUERY, () => ({ filter: { status: 'ACTIVE' } }), asOwner],
  ['null for a non-null variable', 'query L($uri: String!) { model(resourceUri: $uri) { id } }', () => ({ uri: null }), asOwner],
  ['a missing non-null variable', 'query L($uri: String!) { model(resourceUri: $uri) { id } }', () => ({}), asOwner],
  ['an object where a string is expected', 'query L($uri: String!) { model(resourceUri: $uri) { id } }', () => ({ uri: { a: 1 } }), asOwner],
  ['no token', PAGE_QUERY, () => ({ first: 1 }), () => ({ token: null })],
  ['a project the token may not use', PAGE_QUERY, () => ({ first: 1 }), () => ({ token: tenant.token, project: 'not-mine' })],
  [
    'an error on one field next to data on another',
    'query M($uri: String!) { ok: model(resourceUri: $uri) { name } bad: models(first: 0) { totalCount } }',
    () => ({ uri }),
    asOwner,
  ],
];

const CREATE = `mutation Create($input: CreateModelInput!) {
  createModel(input: $input) { model { ${FIELDS} maxInputTokens rpm defaultTemperature } }
}`;
let createCount = 0;
const createInput = (overrides: Record<string, unknown> = {}) => ({
  name: `jit create ${++createCount}`,
  litellmModel: 'openai/gpt-4o',
  credentials: { api_key: 'sk-jit-create' },
  tags: ['x'],
  mode: 'CHAT',
  maxInputTokens: 1000,
  ...overrides,
});

/** A created model differs in what every create makes new: its id, URI, name and times. */
function withoutNewValues(body: any) {
  const model = body?.data?.createModel?.model;
  if (!model) return JSON.parse(JSON.stringify(body).replace(/jit-pair-\d+/g, 'jit-pair-N'));
  return { data: { createModel: { model: { ...model, id: 'new', resourceUri: 'new', name: 'new', createdAt: 'new', updatedAt: 'new' } } } };
}

const mutations: Case[] = [
  ['a create', CREATE, () => ({ input: createInput() }), asOwner],
  ['a create refused by input validation', CREATE, () => ({ input: createInput({ name: '', rpm: -1 }) }), asOwner],
  ['a create whose variables do not coerce', CREATE, () => ({ input: createInput({ mode: 'TELEPATHY' }) }), asOwner],
  ['a create with a resource URI already taken', CREATE, () => ({ input: createInput({ resourceUri: uri }) }), asOwner],
  ['a create without a token', CREATE, () => ({ input: createInput() }), () => ({ token: null })],
  [
    'two creates in one document, run in order; the second is refused',
    `mutation Two($a: CreateModelInput!, $b: CreateModelInput!) {
       first: createModel(input: $a) { model { tags } }
       second: createModel(input: $b) { model { tags } }
     }`,
    () => {
      const resourceUri = `jit-pair-${createCount}`;
      return { a: createInput({ resourceUri }), b: createInput({ resourceUri }) };
    },
    asOwner,
  ],
];

describe('compiled mutations answer exactly as graphql-js does', () => {
  it.each(mutations)('%s', async (_name, document, variables, as) => {
    const answers = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await t.gql(document, variables(), as());
      answers.push({ status: response.status, body: withoutNewValues(withoutRequestIds(response.body)) });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('runs the root fields of a mutation one after the other, compiled or not', async () => {
    const [, document, variables] = mutations.at(-1) as Case;
    for (let attempt = 0; attempt < 3; attempt++) {
      const sent = variables() as { a: { name: string; resourceUri: string } };
      const response = await t.gql(document, sent, asOwner());
      // createModel is non-null: the second's refusal nulls the whole answer, the first stays created
      expect(response.body.data).toBeNull();
      expect(response.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['second'], 'CONFLICT']]);
      const stored = await t.gql('query L($uri: String!) { model(resourceUri: $uri) { name } }', { uri: sent.a.resourceUri }, asOwner());
      expect(stored.body.data).toEqual({ model: { name: sent.a.name } });
    }
  });
});

describe('compiled queries answer exactly as graphql-js does', () => {
  it.each(cases)('%s', async (_name, document, variables, as) => {
    const answers = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await t.gql(document, variables(), as());
      answers.push({ status: response.status, body: withoutRequestIds(response.body) });
    }
    expect(answers[0]!.body.data !== undefined || answers[0]!.body.errors !== undefined).toBe(true);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('compiled the queries it was given more than once', () => {
    const compiled = vi.mocked(graphqlJit.compileQuery).mock.calls.map(([, document]) => document.loc?.source.body);
    expect(compiled).toContain(PAGE_QUERY);
    expect(compiled.some((source) => source?.includes('node(id: $id)'))).toBe(true);
    expect(compiled).toContain(CREATE);
  });
});

describe('what is compiled', () => {
  const compiledSources = () => vi.mocked(graphqlJit.compileQuery).mock.calls.map(([, document]) => document.loc?.source.body);
  const compiledOperations = () => vi.mocked(graphqlJit.compileQuery).mock.calls.map(([, , operationName]) => operationName);

  it('does not compile a document used once', async () => {
    const once = '{ models(first: 1) { totalCount } } # sent once';
    expect((await t.gql(once, {}, asOwner())).body.data?.models.totalCount).toBeGreaterThanOrEqual(12);
    expect(compiledSources()).not.toContain(once);
  });

  it('compiles the first 8 operations of a document, and answers the others on graphql-js', async () => {
    const names = Array.from({ length: 10 }, (_, index) => `Op${index}`);
    const document = names.map((name, index) => `query ${name} { models(first: ${index + 1}) { nodes { name } } }`).join('\n');
    for (const name of names) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const response = await t.gql(document, {}, { ...asOwner(), operationName: name });
        expect(response.body.data?.models.nodes).toHaveLength(names.indexOf(name) + 1);
      }
    }
    const compiled = compiledOperations().filter((name) => name?.startsWith('Op'));
    expect(compiled).toEqual(names.slice(0, 8));
  });
});

function withoutRequestIds(body: { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }) {
  return {
    ...body,
    ...(body.errors
      ? { errors: body.errors.map(({ extensions, ...error }) => ({ ...error, extensions: { ...extensions, requestId: undefined } })) }
      : {}),
  };
}

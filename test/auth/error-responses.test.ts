import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import {
  CREATE_MODEL,
  createModel,
  expectCleanErrors,
  expectErrorCode,
  LIST_MODELS,
  MODEL_BY_ID,
  modelInput,
  NODE_BY_ID,
  uniqueName,
} from '../helpers/auth-expect.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/** Every error a client can get names its kind in extensions.code and shows nothing of the server's insides. */

let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
});
afterAll(() => t?.close());

async function raw(app: App, init: RequestInit & { path?: string }): Promise<GraphQLResponse> {
  const response = await app.yoga.fetch(`http://gateway.test${init.path ?? '/graphql'}`, init);
  const text = await response.text();
  let body: GraphQLResponse['body'] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: checked by the caller
  }
  return { status: response.status, headers: response.headers, body, text };
}

const post = (app: App, payload: unknown, headers: Record<string, string> = {}) =>
  raw(app, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });

describe('authentication comes before argument validation', () => {
  // Who may ask is settled before what was asked is judged: an anonymous or misdirected client
  // learns nothing about the arguments, and gets the error that tells it what to fix first.
  const invalid: Array<[string, string, Record<string, unknown>]> = [
    ['models(first: 0)', LIST_MODELS, { first: 0 }],
    ['models(after: garbage)', LIST_MODELS, { after: 'not-a-cursor' }],
    ['model(id:) with a garbage id', MODEL_BY_ID, { id: 'x'.repeat(500) }],
    ['node(id:) with a garbage id', NODE_BY_ID, { id: 'x'.repeat(500) }],
    ['createModel with an invalid input', CREATE_MODEL, { input: modelInput({ name: '', rpm: 0 }) }],
  ];
  for (const [what, query, variables] of invalid) {
    it(`${what} without a token → UNAUTHENTICATED`, async () => {
      expectErrorCode(await t.gql(query, variables), 'UNAUTHENTICATED');
    });
    it(`${what} for a project the token does not grant → FORBIDDEN`, async () => {
      expectErrorCode(await t.gql(query, variables, { token: tenant.token, project: 'someone-elses' }), 'FORBIDDEN');
    });
  }
});

describe('errors of a GraphQL request', () => {
  const cases: Array<[string, string, () => Promise<GraphQLResponse>]> = [
    ['no token', 'UNAUTHENTICATED', () => t.gql(LIST_MODELS, {})],
    ['a forbidden project', 'FORBIDDEN', () => t.gql(LIST_MODELS, {}, { token: tenant.token, project: 'someone-elses' })],
    ['an input that fails validation', 'BAD_USER_INPUT', () =>
      t.gql(CREATE_MODEL, { input: modelInput({ name: '', tags: ['x'.repeat(65)], rpm: 0 }) }, { token: tenant.token })],
    ['a variable of the wrong type', 'BAD_USER_INPUT', () => t.gql(LIST_MODELS, { first: 'ten' }, { token: tenant.token })],
    ['first: 0', 'BAD_USER_INPUT', () => t.gql(LIST_MODELS, { first: 0 }, { token: tenant.token })],
    ['first: 101', 'BAD_USER_INPUT', () => t.gql(LIST_MODELS, { first: 101 }, { token: tenant.token })],
    ['first and last together', 'BAD_USER_INPUT', () =>
      t.gql(`{ models(first: 1, last: 1) { totalCount } }`, {}, { token: tenant.token })],
    ['a cursor that is not one', 'BAD_USER_INPUT', () => t.gql(LIST_MODELS, { after: 'not-a-cursor' }, { token: tenant.token })],
    ['model() with both id and resourceUri', 'BAD_USER_INPUT', () =>
      t.gql(`{ model(id: "x", resourceUri: "y") { id } }`, {}, { token: tenant.token })],
    ['model() with neither id nor resourceUri', 'BAD_USER_INPUT', () => t.gql(`{ model { id } }`, {}, { token: tenant.token })],
    ['a syntax error', 'GRAPHQL_PARSE_FAILED', () => t.gql(`{ models {`, {}, { token: tenant.token })],
    ['an unknown field', 'GRAPHQL_VALIDATION_FAILED', () => t.gql(`{ nope }`, {}, { token: tenant.token })],
  ];

  for (const [what, code, send] of cases) {
    it(`${what} → ${code}, without stack or file paths`, async () => {
      const response = await send();
      expectErrorCode(response, code);
    });
  }

  it('a garbage id for model(id:) and node(id:) → null or BAD_USER_INPUT, never a crash', async () => {
    for (const query of [MODEL_BY_ID, NODE_BY_ID]) {
      for (const id of ['garbage', '', 'TW9kZWw6bm90LWEtdXVpZA', 'x'.repeat(500)]) {
        const response = await t.gql(query, { id }, { token: tenant.token });
        expectCleanErrors(response);
        if (response.body.errors) expect(response.body.errors[0]?.extensions?.code, response.text).toBe('BAD_USER_INPUT');
        else expect(Object.values(response.body.data ?? {})).toEqual([null]);
      }
    }
  });

  it('a duplicate explicit resourceUri → CONFLICT', async () => {
    const resourceUri = uniqueName('conflict');
    await createModel(t, { token: tenant.token }, { resourceUri });
    expectErrorCode(await t.gql(CREATE_MODEL, { input: modelInput({ resourceUri }) }, { token: tenant.token }), 'CONFLICT');
  });
});

describe('errors of a request that is not GraphQL', () => {
  it('a body that is not JSON → an error with a code', async () => {
    const response = await raw(t.app, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expectCleanErrors(response);
    expect(response.body.errors?.length).toBeGreaterThan(0);
  });

  it('a POST without a query → an error with a code', async () => {
    const response = await post(t.app, { variables: {} });
    expectCleanErrors(response);
    expect(response.body.errors?.length).toBeGreaterThan(0);
  });

  it('a GET without a query (not from a browser) → an error with a code', async () => {
    const response = await raw(t.app, { method: 'GET', headers: { accept: 'application/json' } });
    expectCleanErrors(response);
    expect(response.body.errors?.length).toBeGreaterThan(0);
  });

  it('a mutation sent over GET is refused with an error that has a code, and nothing is written', async () => {
    const name = uniqueName('over-get');
    const query = encodeURIComponent(`mutation { createModel(input: { name: "${name}", litellmModel: "m", credentials: { k: "v" } }) { model { id } } }`);
    const response = await raw(t.app, {
      method: 'GET',
      path: `/graphql?query=${query}`,
      headers: { accept: 'application/json', authorization: `Bearer ${tenant.token}` },
    });
    expectCleanErrors(response);
    expect(response.body.errors?.length).toBeGreaterThan(0);
    const rows = await t.db.selectFrom('models').select('id').where('name', '=', name).execute();
    expect(rows).toHaveLength(0);
  });
});

describe('unexpected failures inside the server', () => {
  const logs: string[] = [];
  const logger = () => createLogger('debug', { write: (line: string) => void logs.push(line) });

  it('a database error while creating → INTERNAL_SERVER_ERROR with no SQL or database message, logged for operators', async () => {
    const broken = createApp({ config: t.config, db: t.db, logger: logger(), newId: () => 'not-a-uuid' });
    const input = modelInput();
    const apiKey = (input.credentials as { api_key: string }).api_key;
    const response = await post(broken, { query: CREATE_MODEL, variables: { input } }, { authorization: `Bearer ${tenant.token}` });
    expectErrorCode(response, 'INTERNAL_SERVER_ERROR');
    expect(response.text).not.toMatch(/insert into|"models"|uuid|syntax/i);
    expect(response.text).not.toContain(apiKey);
    expect(logs.join('\n')).toMatch(/uuid/i);
    for (const line of logs) {
      expect(line).not.toContain(apiKey);
      expect(line).not.toContain(tenant.token);
    }
  });

  it('a token verifier that crashes → INTERNAL_SERVER_ERROR with a masked message', async () => {
    const crashing = createApp({
      config: t.config,
      db: t.db,
      logger: logger(),
      verifyToken: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432 at /srv/app/node_modules/x.js:1:1');
      },
    });
    const response = await post(crashing, { query: LIST_MODELS }, { authorization: `Bearer ${tenant.token}` });
    expectCleanErrors(response);
    expect(response.body.errors?.[0]?.extensions?.code, response.text).toBe('INTERNAL_SERVER_ERROR');
    expect(response.text).not.toContain('ECONNREFUSED');
    expect(response.text).not.toContain('10.0.0.7');
  });
});

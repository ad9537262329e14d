import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_MODEL,
  expectCleanErrors,
  expectErrorCode,
  LIST_MODELS,
  MODEL_BY_ID,
  MODEL_BY_URI,
  NODE_BY_ID,
  uniqueName,
} from '../helpers/auth-expect.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * Credential values go in through createModel and never come out: not in a response (success or
 * error), not in a log line. Neither do the bearer token, the JWT secret or the secrets key.
 */

let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
const apiKey = `sk-SECRET-${randomUUID()}`;
const nestedToken = `tok-${randomUUID()}`;
const credentials = { api_key: apiKey, nested: { token: nestedToken } };

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
});
afterAll(() => t?.close());

/** the strings that must never be seen; a value's distinctive part is enough to catch truncated echoes */
function forbiddenStrings(): string[] {
  return [
    apiKey,
    apiKey.slice('sk-SECRET-'.length),
    nestedToken,
    nestedToken.slice('tok-'.length),
    tenant.token,
    tenant.token.split('.')[2]!,
    t.config.auth.jwtSecret as string,
    t.config.secrets.currentKey,
  ];
}

function expectNoSecrets(text: string, where: string): void {
  for (const secret of forbiddenStrings()) {
    expect(text.includes(secret), `${where} contains ${secret.slice(0, 12)}…: ${text.slice(0, 600)}`).toBe(false);
  }
}

/** Runs `work` and checks that no log line written meanwhile holds a secret. */
async function expectLogsClean(work: () => Promise<void>): Promise<void> {
  const mark = t.logs.length;
  await work();
  const lines = t.logs.slice(mark);
  expect(lines.length).toBeGreaterThan(0); // the run did log something: the check below is not vacuous
  for (const line of lines) expectNoSecrets(line, 'a log line');
}

const create = (input: Record<string, unknown>) => t.gql(CREATE_MODEL, { input }, { token: tenant.token });

async function fullRun(): Promise<GraphQLResponse[]> {
  const resourceUri = uniqueName('leak-check');
  const created = await create({ name: uniqueName('Leak check'), litellmModel: 'openai/gpt-4o', credentials, resourceUri });
  expect(created.body.errors, created.text).toBeUndefined();
  const model = created.body.data!.createModel.model;
  expect(model.credentialKeys).toEqual(['api_key', 'nested']);
  return [
    created,
    await t.gql(LIST_MODELS, { first: 50 }, { token: tenant.token }),
    await t.gql(MODEL_BY_ID, { id: model.id }, { token: tenant.token }),
    await t.gql(MODEL_BY_URI, { uri: resourceUri }, { token: tenant.token }),
    await t.gql(NODE_BY_ID, { id: model.id }, { token: tenant.token }),
    // the same explicit resourceUri again: CONFLICT
    await create({ name: uniqueName('Leak check'), litellmModel: 'openai/gpt-4o', credentials, resourceUri }),
  ];
}

/** creates our own validation refuses (the credentials reach the resolver, then fail a check) */
async function refusedCreates(): Promise<GraphQLResponse[]> {
  const base = { name: uniqueName('Refused'), litellmModel: 'openai/gpt-4o' };
  return [
    // a value that is not a string next to the secret ones
    await create({ ...base, credentials: { ...credentials, port: 443 } }),
    // a nested value that is not a string
    await create({ ...base, credentials: { api_key: apiKey, nested: { token: nestedToken, list: [nestedToken] } } }),
    // an empty nested object
    await create({ ...base, credentials: { api_key: apiKey, nested: {} } }),
    // more than 16 KiB
    await create({ ...base, credentials: { ...credentials, padding: `${apiKey}-`.repeat(500) } }),
    // fine credentials, bad other fields
    await create({ ...base, name: '', defaultTemperature: 42, credentials }),
  ];
}

describe('responses', () => {
  it('of createModel, models, model(id:), model(resourceUri:) and node(id:) hold no credential value', async () => {
    const [created, listed, byId, byUri, node] = await fullRun();
    for (const [what, response] of [
      ['createModel', created],
      ['models', listed],
      ['model(id:)', byId],
      ['model(resourceUri:)', byUri],
      ['node(id:)', node],
    ] as const) {
      expect(response!.body.errors, response!.text).toBeUndefined();
      expectNoSecrets(response!.text, what);
    }
    expect(listed!.body.data?.models.totalCount).toBeGreaterThan(0);
  });

  it('to a duplicate resourceUri are a CONFLICT that holds no credential value', async () => {
    const responses = await fullRun();
    const conflict = responses[responses.length - 1]!;
    expectErrorCode(conflict, 'CONFLICT');
    expectNoSecrets(conflict.text, 'the CONFLICT response');
  });

  it('to credentials of the wrong shape or size are BAD_USER_INPUT that echo no credential value', async () => {
    for (const response of await refusedCreates()) {
      expectErrorCode(response, 'BAD_USER_INPUT');
      expect(response.body.data ?? null).toBeNull();
      expectNoSecrets(response.text, 'a BAD_USER_INPUT response');
    }
  });

  it('to a create whose variables GraphQL itself refuses (missing field, unknown field, credentials not an object) echo no credential value', async () => {
    const responses = [
      await create({ litellmModel: 'openai/gpt-4o', credentials }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials, organizationId: 'other-org' }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials: apiKey }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials: [apiKey, nestedToken] }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials, mode: 'NOT_A_MODE' }),
      // a value built to look like the end of GraphQL's own message
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials: `${apiKey}" at "input.credentials"; x` }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials: [{ api_key: apiKey }] }),
      // the secret given where another type is expected
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials, maxInputTokens: apiKey }),
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials, mode: apiKey }),
      // credentials passed as a variable of their own
      await t.gql(
        `mutation($c: JSONObject!) { createModel(input: { name: "x", litellmModel: "m", credentials: $c }) { model { id } } }`,
        { c: apiKey },
        { token: tenant.token },
      ),
    ];
    for (const response of responses) {
      expectCleanErrors(response);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expectNoSecrets(response.text, 'a variables error');
    }
  });

  it('to a mutation written with inline credentials that fails validation do not echo the credential value', async () => {
    const response = await t.gql(
      `mutation { createModel(input: { name: "x", litellmModel: "m", credentials: "${apiKey}" }) { model { id } } }`,
      {},
      { token: tenant.token },
    );
    expectCleanErrors(response);
    expect(response.body.errors?.length).toBeGreaterThan(0);
    expectNoSecrets(response.text, 'a validation error');
  });
});

describe('log lines', () => {
  it('hold no credential value, bearer token, JWT secret or secrets key after a create/list/lookup run with a CONFLICT and refused creates', async () => {
    await expectLogsClean(async () => {
      await fullRun();
      await refusedCreates();
    });
  });

  it('hold no credential value after creates GraphQL refuses while coercing variables', async () => {
    await expectLogsClean(async () => {
      await create({ litellmModel: 'openai/gpt-4o', credentials });
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials, organizationId: 'other-org' });
      await create({ name: 'x', litellmModel: 'openai/gpt-4o', credentials: apiKey });
    });
  });

  it('hold no credential value after a failing create written with inline literal credentials (as typed in GraphiQL)', async () => {
    const resourceUri = uniqueName('inline');
    const mutation = `mutation {
  createModel(input: {
    credentials: { api_key: "${apiKey}" }
    name: "Inline", litellmModel: "openai/gpt-4o", resourceUri: "${resourceUri}"
  }) { model { id } }
}`;
    const first = await t.gql(mutation, {}, { token: tenant.token });
    expect(first.body.errors, first.text).toBeUndefined();
    await expectLogsClean(async () => {
      const again = await t.gql(mutation, {}, { token: tenant.token });
      expectErrorCode(again, 'CONFLICT');
      expectNoSecrets(again.text, 'the CONFLICT response');
    });
  });

  it('hold no bearer token after requests refused for authentication or project', async () => {
    await expectLogsClean(async () => {
      const expired = await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: [tenant.projectId], expiresIn: -5 });
      await t.gql(LIST_MODELS, {}, { token: expired });
      await t.gql(LIST_MODELS, {}, { token: tenant.token, project: 'not-my-project' });
      await t.gql(LIST_MODELS, {}, { headers: { authorization: `Basic ${tenant.token}` } });
      for (const line of t.logs.slice(-20)) expect(line).not.toContain(expired.split('.')[2]);
    });
  });
});

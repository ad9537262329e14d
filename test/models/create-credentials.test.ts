import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_MODEL,
  LEAK_MARKER,
  type TestTenant,
  countModels,
  createModel,
  createModelOk,
  errorCodes,
  expectBadInput,
  expectNoInternals,
  validInput,
} from '../helpers/create-model.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * createModel credentials: a non-empty object of strings (or nested objects of strings), at most
 * 16 KiB serialized. Rejections are BAD_USER_INPUT and never echo a secret value.
 */
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
});
afterAll(() => t.close());

const MAX_BYTES = 16 * 1024;

function expectNoSecret(response: GraphQLResponse, ...secrets: string[]) {
  for (const secret of [LEAK_MARKER, ...secrets]) expect(response.text).not.toContain(secret);
}

/** Rejected: BAD_USER_INPUT, nothing written, and no secret value in the response. */
async function expectCredentialsRejected(credentials: unknown, ...secrets: string[]) {
  const before = await countModels(t, tenant);
  const response = await createModel(t, tenant, validInput({ credentials }));
  expectBadInput(response, ['credentials']);
  expectNoSecret(response, ...secrets);
  expect(await countModels(t, tenant)).toBe(before);
  return response;
}

/** `{"k":"xxx…"}` serialized to exactly `bytes` bytes. */
function credentialsOfSize(bytes: number): Record<string, string> {
  const overhead = JSON.stringify({ k: '' }).length;
  const credentials = { k: 'x'.repeat(bytes - overhead) };
  expect(Buffer.byteLength(JSON.stringify(credentials))).toBe(bytes);
  return credentials;
}

describe('createModel: accepted credentials', () => {
  it('accepts an object of strings and returns only its keys, sorted', async () => {
    const model = await createModelOk(
      t,
      tenant,
      validInput({ credentials: { zeta: LEAK_MARKER, api_key: LEAK_MARKER, mid: 'x' } }),
    );
    expect(model.credentialKeys).toEqual(['api_key', 'mid', 'zeta']);
  });

  it('accepts nested objects of strings; credentialKeys lists the top-level keys only', async () => {
    const response = await createModel(
      t,
      tenant,
      validInput({ credentials: { region: 'us-east-1', aws: { access_key_id: 'AKIA', secret: LEAK_MARKER } } }),
    );
    expect(response.body.errors, response.text).toBeUndefined();
    expect(response.body.data?.createModel.model.credentialKeys).toEqual(['aws', 'region']);
    expectNoSecret(response);
  });

  it('accepts credentials of exactly 16 KiB serialized', async () => {
    const model = await createModelOk(t, tenant, validInput({ credentials: credentialsOfSize(MAX_BYTES) }));
    expect(model.credentialKeys).toEqual(['k']);
  });

  it('never returns the credential values in the create response', async () => {
    const response = await createModel(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER } }));
    expect(response.body.errors, response.text).toBeUndefined();
    expectNoSecret(response);
  });

  it('stores the credentials encrypted: no column of the row holds the plaintext', async () => {
    const model = await createModelOk(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER } }));
    const row = await t.db
      .selectFrom('models')
      .selectAll()
      .where('organization_id', '=', tenant.organizationId)
      .where('project_id', '=', tenant.projectId)
      .where('resource_uri', '=', model.resourceUri)
      .executeTakeFirstOrThrow();
    const raw = Object.values(row)
      .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value)))
      .join('\n');
    expect(raw).not.toContain(LEAK_MARKER);
    expect(Buffer.from(row.credentials_ciphertext).length).toBeGreaterThan(0);
  });
});

describe('createModel: rejected credentials (BAD_USER_INPUT, values never echoed)', () => {
  it('rejects credentials one byte over 16 KiB', async () => {
    await expectCredentialsRejected(credentialsOfSize(MAX_BYTES + 1));
  });

  it('counts the 16 KiB in UTF-8 bytes, not characters', async () => {
    const overhead = JSON.stringify({ k: '' }).length;
    const credentials = { k: 'é'.repeat(Math.ceil((MAX_BYTES - overhead) / 2) + 1) };
    expect(JSON.stringify(credentials).length).toBeLessThan(MAX_BYTES);
    await expectCredentialsRejected(credentials);
  });

  it('rejects an empty object', async () => {
    await expectCredentialsRejected({});
  });

  it.each([
    ['a number', 424242],
    ['a boolean', true],
    ['null', null],
    ['an array', [LEAK_MARKER, 'sk-LEAK-ARRAY-456']],
    ['an empty nested object', {}],
    ['a nested number', { inner: 424242 }],
  ])('rejects a credential value that is %s, naming the key but not the values', async (_label, value) => {
    const response = await expectCredentialsRejected({ api_key: LEAK_MARKER, bad: value }, 'sk-LEAK-ARRAY-456', '424242');
    expect(response.body.errors?.[0]?.extensions?.issues?.[0]?.path.slice(0, 3)).toEqual([
      'input',
      'credentials',
      'bad',
    ]);
  });

  it('rejects credentials passed as a string variable without echoing it', async () => {
    const response = await createModel(t, tenant, validInput({ credentials: LEAK_MARKER }));
    expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
    expectNoInternals(response);
    expectNoSecret(response);
  });

  it('rejects credentials passed as an array variable without echoing it', async () => {
    const response = await createModel(t, tenant, validInput({ credentials: [LEAK_MARKER] }));
    expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
    expectNoInternals(response);
    expectNoSecret(response);
  });

  it('rejects credentials written as a string literal in the query without echoing it', async () => {
    const response = await t.gql(
      `mutation { createModel(input: { name: "x", litellmModel: "y", credentials: "${LEAK_MARKER}" }) { model { id } } }`,
      {},
      { token: tenant.token },
    );
    expect(response.body.errors?.length, response.text).toBeGreaterThan(0);
    expect(response.body.data ?? null).toBeNull();
    expectNoInternals(response);
    expectNoSecret(response);
  });

  it('does not echo valid credentials when another required field is missing', async () => {
    const before = await countModels(t, tenant);
    const response = await createModel(t, tenant, { name: 'x', credentials: { api_key: LEAK_MARKER } });
    expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
    expectNoInternals(response);
    expectNoSecret(response);
    expect(await countModels(t, tenant)).toBe(before);
  });

  it('does not echo valid credentials when the input has an unknown field', async () => {
    const response = await createModel(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER }, bogus: 1 }));
    expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
    expectNoInternals(response);
    expectNoSecret(response);
  });

  it('does not echo valid credentials when another field fails validation', async () => {
    const response = await createModel(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER }, name: '' }));
    expectBadInput(response, ['name']);
    expectNoSecret(response);
  });

  it('does not echo valid credentials when the whole input variable is of the wrong type', async () => {
    const response = await t.gql(CREATE_MODEL, { input: [{ credentials: { api_key: LEAK_MARKER } }] }, { token: tenant.token });
    expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
    expectNoSecret(response);
  });
});

describe('createModel: credentials in logs', () => {
  it('never writes a credential value to the log, whether the create succeeded or failed', async () => {
    await createModel(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER } }));
    await createModel(t, tenant, validInput({ credentials: { api_key: LEAK_MARKER, n: 1 } }));
    await createModel(t, tenant, validInput({ credentials: LEAK_MARKER }));
    await createModel(t, tenant, { name: 'x', credentials: { api_key: LEAK_MARKER } });
    expect(t.logs.length).toBeGreaterThan(0);
    const leaking = t.logs.filter((line) => line.includes(LEAK_MARKER));
    expect(leaking.map((line) => line.slice(0, 300))).toEqual([]);
  });
});

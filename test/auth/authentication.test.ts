import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_MODEL,
  countModelsNamed,
  createModel,
  expectCleanErrors,
  expectUnauthenticated,
  LIST_MODELS,
  MODEL_BY_ID,
  MODEL_BY_URI,
  modelInput,
  NODE_BY_ID,
  uniqueName,
} from '../helpers/auth-expect.ts';
import { claims, nowSeconds, signHmac, unsignedToken } from '../helpers/auth-tokens.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
let existing: Record<string, any>;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  existing = await createModel(t, { token: tenant.token });
});
afterAll(() => t?.close());

const secret = () => t.config.auth.jwtSecret as string;
const tenantClaims = (overrides: Record<string, unknown> = {}) =>
  claims({ sub: tenant.userId, org_id: tenant.organizationId, projects: [tenant.projectId], ...overrides });

/**
 * Sends the four operations that touch models with the given Authorization header (or none) and
 * checks each is refused as unauthenticated, and that the create wrote nothing.
 */
async function expectEveryOperationRefused(authorization: string | null): Promise<void> {
  const headers: Record<string, string> = authorization === null ? {} : { authorization };
  const options = { headers, project: tenant.projectId };
  const name = uniqueName('unauthenticated');
  const responses: Array<[string, GraphQLResponse]> = [
    ['models', await t.gql(LIST_MODELS, { first: 5 }, options)],
    ['model(id:)', await t.gql(MODEL_BY_ID, { id: existing.id }, options)],
    ['model(resourceUri:)', await t.gql(MODEL_BY_URI, { uri: existing.resourceUri }, options)],
    ['node(id:)', await t.gql(NODE_BY_ID, { id: existing.id }, options)],
    ['createModel', await t.gql(CREATE_MODEL, { input: modelInput({ name }) }, options)],
  ];
  for (const [operation, response] of responses) {
    try {
      expectUnauthenticated(response);
    } catch (error) {
      throw new Error(`${operation}: ${(error as Error).message}`, { cause: error });
    }
    expect(response.text, operation).not.toContain(existing.resourceUri);
  }
  expect(await countModelsNamed(t, name)).toBe(0);
}

describe('a valid HS256 token', () => {
  it('is accepted for listing, looking up and creating models', async () => {
    const list = await t.gql(LIST_MODELS, { first: 5 }, { token: tenant.token });
    expect(list.status).toBe(200);
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data?.models.nodes.map((node: any) => node.id)).toContain(existing.id);
    const byId = await t.gql(MODEL_BY_ID, { id: existing.id }, { token: tenant.token });
    expect(byId.body.data?.model.id).toBe(existing.id);
  });

  it('is accepted with the scheme written in lower case ("bearer")', async () => {
    const response = await t.gql(LIST_MODELS, { first: 1 }, { headers: { authorization: `bearer ${tenant.token}` } });
    expect(response.body.errors, response.text).toBeUndefined();
  });

  it('makes the token subject the creator of what it creates', async () => {
    const model = await createModel(t, { token: tenant.token });
    expect(model.createdBy).toBe(`user:${tenant.userId}`);
    expect(model.updatedBy).toBe(`user:${tenant.userId}`);
    expect(model.ownerId).toBe(tenant.userId);
  });
});

describe('requests that are refused as UNAUTHENTICATED (401, WWW-Authenticate: Bearer, no data, nothing written)', () => {
  it('no Authorization header', async () => {
    await expectEveryOperationRefused(null);
  });

  it('a Basic Authorization header', async () => {
    await expectEveryOperationRefused(`Basic ${Buffer.from('alice:password').toString('base64')}`);
  });

  it('"Bearer" with no token', async () => {
    await expectEveryOperationRefused('Bearer');
  });

  it('"Bearer" followed only by spaces', async () => {
    await expectEveryOperationRefused('Bearer    ');
  });

  it('a token that is not a JWT at all', async () => {
    await expectEveryOperationRefused('Bearer not-a-jwt');
  });

  it('a token of three dot-separated parts that are not JSON', async () => {
    await expectEveryOperationRefused('Bearer aaaa.bbbb.cccc');
  });

  it('a token whose payload was edited after signing', async () => {
    const [header, , signature] = (await signHmac(secret(), tenantClaims())).split('.');
    const forged = Buffer.from(JSON.stringify(tenantClaims({ org_id: 'someone-else' }))).toString('base64url');
    await expectEveryOperationRefused(`Bearer ${header}.${forged}.${signature}`);
  });

  it('a token signed with another secret', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac('x'.repeat(32) + 'another-secret', tenantClaims())}`);
  });

  it('an expired token', async () => {
    const expired = await t.token({
      sub: tenant.userId,
      org: tenant.organizationId,
      projects: [tenant.projectId],
      expiresIn: -60,
    });
    await expectEveryOperationRefused(`Bearer ${expired}`);
  });

  it('a token without an exp claim', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ exp: undefined }))}`);
  });

  it('an unsigned token ({"alg":"none"}, empty signature)', async () => {
    await expectEveryOperationRefused(`Bearer ${unsignedToken(tenantClaims())}`);
  });

  it('an unsigned token that keeps the signature of a real token', async () => {
    const signature = (await signHmac(secret(), tenantClaims())).split('.')[2];
    await expectEveryOperationRefused(`Bearer ${unsignedToken(tenantClaims())}${signature}`);
  });

  it('a token signed with the right secret but HS512 instead of HS256', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims(), 'HS512')}`);
  });

  it('a token not valid yet (nbf in the future)', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ nbf: nowSeconds() + 3600 }))}`);
  });

  it('a token without sub', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ sub: undefined }))}`);
  });

  it('a token with an empty sub', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ sub: '' }))}`);
  });

  it('a token without org_id', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ org_id: undefined }))}`);
  });

  it('a token without projects', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ projects: undefined }))}`);
  });

  it('a token whose projects is a string instead of an array', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ projects: tenant.projectId }))}`);
  });

  it('a token whose org_id is not a string', async () => {
    await expectEveryOperationRefused(`Bearer ${await signHmac(secret(), tenantClaims({ org_id: 42 }))}`);
  });
});

describe('an unauthenticated request', () => {
  it('is refused even when it also asks for __typename', async () => {
    const response = await t.gql(`{ __typename models(first: 1) { totalCount } }`);
    expect(response.status).toBe(401);
    expect(response.body.data).toBeNull();
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('gets a message that does not repeat the token it sent', async () => {
    const token = await signHmac('y'.repeat(40), tenantClaims());
    const response = await t.gql(LIST_MODELS, {}, { token });
    expectUnauthenticated(response);
    expect(response.text).not.toContain(token);
    expect(response.text).not.toContain(token.split('.')[2]);
  });
});

describe('introspection', () => {
  it('works without a token (so GraphiQL can load the schema)', async () => {
    const response = await t.gql(`{ __schema { queryType { name } mutationType { name } } }`);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } } });
  });

  it('lists the Model type without a token', async () => {
    const response = await t.gql(`{ __type(name: "Model") { fields { name } } }`);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.__type.fields.map((field: any) => field.name)).toContain('credentialKeys');
  });

  describe('with GRAPHQL_INTROSPECTION=false', () => {
    let closed: TestApp;
    beforeAll(async () => {
      closed = await createTestApp({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    });
    afterAll(() => closed?.close());

    it('is refused with an error that has a code, with or without a token', async () => {
      const anonymous = await closed.gql(`{ __schema { queryType { name } } }`);
      const owner = await closed.newTenant();
      const withToken = await closed.gql(`{ __type(name: "Model") { name } }`, {}, { token: owner.token });
      for (const response of [anonymous, withToken]) {
        expectCleanErrors(response);
        expect(response.body.errors?.length, response.text).toBeGreaterThan(0);
        expect(response.body.data ?? null).toBeNull();
        expect(response.text).not.toContain('"Query"');
      }
    });

    it('still serves ordinary queries to a valid token', async () => {
      const owner = await closed.newTenant();
      const response = await closed.gql(`{ models(first: 1) { totalCount } }`, {}, { token: owner.token });
      expect(response.body.errors, response.text).toBeUndefined();
      expect(response.body.data?.models.totalCount).toBe(0);
    });
  });
});

describe('introspection in production (NODE_ENV=production)', () => {
  const INTROSPECTION = `{ __schema { queryType { name } } }`;

  it('is refused when GRAPHQL_INTROSPECTION is not set', async () => {
    const production = await createTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const owner = await production.newTenant();
      const response = await production.gql(INTROSPECTION, {}, { token: owner.token });
      expectCleanErrors(response);
      expect(response.body.errors?.[0]?.message).toMatch(/introspection/i);
      expect(response.body.data ?? null).toBeNull();
    } finally {
      await production.close();
    }
  });

  it('is answered when GRAPHQL_INTROSPECTION=true says so', async () => {
    const staging = await createTestApp({ env: { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' } });
    try {
      const response = await staging.gql(INTROSPECTION);
      expect(response.body.errors, response.text).toBeUndefined();
      expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await staging.close();
    }
  });
});

describe('with AUTH_ISSUER and AUTH_AUDIENCE set', () => {
  let strict: TestApp;
  let owner: Awaited<ReturnType<TestApp['newTenant']>>;
  const issuer = 'https://issuer.test';
  const audience = 'gateway';

  beforeAll(async () => {
    strict = await createTestApp({ env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } });
    owner = await strict.newTenant();
  });
  afterAll(() => strict?.close());

  const tokenFor = (extra: { issuer?: string; audience?: string }) =>
    strict.token({ sub: owner.userId, org: owner.organizationId, projects: [owner.projectId], ...extra });

  async function expectRefused(token: string) {
    const name = uniqueName('strict');
    const list = await strict.gql(LIST_MODELS, {}, { token });
    const create = await strict.gql(CREATE_MODEL, { input: modelInput({ name }) }, { token });
    expectUnauthenticated(list);
    expectUnauthenticated(create);
    expect(await countModelsNamed(strict, name)).toBe(0);
  }

  it('accepts a token with the right issuer and audience', async () => {
    const token = await tokenFor({ issuer, audience });
    const response = await strict.gql(CREATE_MODEL, { input: modelInput() }, { token });
    expect(response.status).toBe(200);
    expect(response.body.errors, response.text).toBeUndefined();
  });

  it('refuses a token from another issuer', async () => {
    await expectRefused(await tokenFor({ issuer: 'https://evil.test', audience }));
  });

  it('refuses a token for another audience', async () => {
    await expectRefused(await tokenFor({ issuer, audience: 'some-other-api' }));
  });

  it('refuses a token with no issuer', async () => {
    await expectRefused(await tokenFor({ audience }));
  });

  it('refuses a token with no audience', async () => {
    await expectRefused(await tokenFor({ issuer }));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// Text PostgreSQL cannot store must be refused as input, naming the field, never reach the database as a 500.
let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
});
afterAll(() => t.close());

const CREATE = 'mutation($input: CreateModelInput!) { createModel(input: $input) { model { id name } } }';
const valid = { name: 'ok', litellmModel: 'openai/gpt-4o', credentials: { api_key: 'sk' } };
const LONE_SURROGATE = 'bad\uD800text';

describe('text that cannot be stored', () => {
  it.each([
    ['name', { name: 'nul\u0000name' }],
    ['name', { name: LONE_SURROGATE }],
    ['litellmModel', { litellmModel: 'openai/\u0000' }],
    ['description', { description: LONE_SURROGATE }],
    ['provider', { provider: 'a\u0000' }],
    ['apiVersion', { apiVersion: '\u0000' }],
    ['apiBase', { apiBase: 'https://example.test/\u0000' }],
  ])('refuses %s containing NUL or a lone surrogate with BAD_USER_INPUT naming it', async (field, override) => {
    const result = await t.gql(CREATE, { input: { ...valid, ...override } }, { token: tenant.token });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.body.errors?.[0]?.extensions?.issues).toContainEqual(
      expect.objectContaining({ path: ['input', field] }),
    );
  });

  it('refuses a tag with NUL, naming its position', async () => {
    const result = await t.gql(CREATE, { input: { ...valid, tags: ['fine', 'x\u0000'] } }, { token: tenant.token });
    expect(result.body.errors?.[0]?.extensions?.issues).toContainEqual(
      expect.objectContaining({ path: ['input', 'tags', 1] }),
    );
  });

  it('refuses credentials that would not survive encryption intact', async () => {
    const result = await t.gql(CREATE, { input: { ...valid, credentials: { api_key: LONE_SURROGATE } } }, { token: tenant.token });
    expect(result.body.errors?.[0]?.extensions?.issues).toContainEqual(
      expect.objectContaining({ path: ['input', 'credentials', 'api_key'] }),
    );
    expect(result.text).not.toContain('bad');
  });

  it('accepts NUL inside credentials, which are stored encrypted, and other unicode in names', async () => {
    const result = await t.gql(
      CREATE,
      { input: { ...valid, name: 'Modèle 日本語 🚀', credentials: { api_key: 'a\u0000b' } } },
      { token: tenant.token },
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.createModel.model.name).toBe('Modèle 日本語 🚀');
  });

  it.each([
    ['search', '{ models(filter: { search: "\\u0000" }) { totalCount } }'],
    ['createdBy', '{ models(filter: { createdBy: "user:\\u0000" }) { totalCount } }'],
    ['provider', '{ models(filter: { provider: ["\\u0000"] }) { totalCount } }'],
    ['resourceUri', '{ model(resourceUri: "a\\u0000") { id } }'],
  ])('refuses a %s argument with NUL instead of failing in the database', async (_field, query) => {
    const result = await t.gql(query, {}, { token: tenant.token });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

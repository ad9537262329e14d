import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// The per-project counters behind an unfiltered totalCount must always equal the rows.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const CREATE = 'mutation($input: CreateModelInput!) { createModel(input: $input) { model { id } } }';

async function rowCount(organizationId: string, projectId: string): Promise<number> {
  const row = await t.db
    .selectFrom('models')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('organization_id', '=', organizationId)
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return row.n;
}

describe('totalCount of a whole project', () => {
  it('stays exact through concurrent creates, a refused create, bulk inserts and deletes', async () => {
    const tenant = await t.newTenant();
    const total = async () =>
      (await t.gql('{ models(first: 1) { totalCount } }', {}, { token: tenant.token })).body.data?.models.totalCount;
    expect(await total()).toBe(0);

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.gql(CREATE, { input: { name: `count ${i}`, litellmModel: 'm', credentials: { k: 'v' } } }, { token: tenant.token }),
      ),
    );
    const conflict = await t.gql(
      CREATE,
      { input: { name: 'dup', litellmModel: 'm', credentials: { k: 'v' }, resourceUri: 'count-0' } },
      { token: tenant.token },
    );
    expect(conflict.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await total()).toBe(20);

    // A bulk insert in one statement (as a seed or an import would do), copying existing rows.
    await sql`
      insert into models
      select gen_random_uuid(), organization_id, project_id, resource_uri || '-copy', name, litellm_model, status,
        status_message, owner_id, created_by, updated_by, created_at, updated_at, description, tags, provider,
        api_base, api_version, mode, max_input_tokens, max_output_tokens, rpm, tpm, default_temperature,
        default_max_tokens, timeout, credential_keys, credentials_key_id, credentials_nonce, credentials_ciphertext
      from models where organization_id = ${tenant.organizationId} and project_id = ${tenant.projectId}`.execute(t.db);
    expect(await total()).toBe(40);

    await t.db
      .deleteFrom('models')
      .where('organization_id', '=', tenant.organizationId)
      .where('resource_uri', 'like', '%-copy')
      .execute();
    expect(await total()).toBe(20);
    expect(await total()).toBe(await rowCount(tenant.organizationId, tenant.projectId));
  });

  it('counts each project of an organization separately', async () => {
    const tenant = await t.newTenant();
    const other = await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: ['second'] });
    await t.gql(CREATE, { input: { name: 'a', litellmModel: 'm', credentials: { k: 'v' } } }, { token: tenant.token });
    await t.gql(CREATE, { input: { name: 'b', litellmModel: 'm', credentials: { k: 'v' } } }, { token: other });
    await t.gql(CREATE, { input: { name: 'c', litellmModel: 'm', credentials: { k: 'v' } } }, { token: other });
    const count = async (token: string) =>
      (await t.gql('{ models { totalCount } }', {}, { token })).body.data?.models.totalCount;
    expect(await count(tenant.token)).toBe(1);
    expect(await count(other)).toBe(2);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MODEL_FIELDS,
  type ModelResult,
  type TestTenant,
  createModelOk,
  errorCodes,
  expectNoInternals,
  forgeId,
  validInput,
} from '../helpers/create-model.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/** model(id:), model(resourceUri:) and node(id:): finding one model of the current project. */
let t: TestApp;
let tenant: TestTenant;
let created: ModelResult;
let rawId: string;

const BY_ID = `query ById($id: ID) { model(id: $id) { ${MODEL_FIELDS} } }`;
const BY_URI = `query ByUri($uri: String) { model(resourceUri: $uri) { ${MODEL_FIELDS} } }`;
const BY_BOTH = `query Both($id: ID, $uri: String) { model(id: $id, resourceUri: $uri) { id } }`;
const NODE = `query Node($id: ID!) { node(id: $id) { __typename id ... on Model { ${MODEL_FIELDS} } } }`;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  created = await createModelOk(
    t,
    tenant,
    validInput({ name: 'Lookup Target', tags: ['a', 'b'], mode: 'CHAT', rpm: 10, defaultTemperature: 0.5 }),
  );
  const row = await t.db
    .selectFrom('models')
    .select('id')
    .where('organization_id', '=', tenant.organizationId)
    .where('project_id', '=', tenant.projectId)
    .where('resource_uri', '=', created.resourceUri)
    .executeTakeFirstOrThrow();
  rawId = row.id;
});
afterAll(() => t.close());

const as = (who: TestTenant) => ({ token: who.token });

/** A successful lookup response: no errors, and `field` holds the model (or null). */
function found(response: GraphQLResponse, field = 'model'): ModelResult | null {
  expect(response.body.errors, response.text).toBeUndefined();
  return (response.body.data?.[field] ?? null) as ModelResult | null;
}

function expectBadUserInput(response: GraphQLResponse, field = 'model') {
  expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
  expect(response.body.data?.[field] ?? null).toBeNull();
  expectNoInternals(response);
}

describe('model(id:) and model(resourceUri:)', () => {
  it('returns the model by the id createModel gave, with the same fields', async () => {
    expect(found(await t.gql(BY_ID, { id: created.id }, as(tenant)))).toEqual(created);
  });

  it('returns the model by its resourceUri, with the same fields', async () => {
    expect(found(await t.gql(BY_URI, { uri: created.resourceUri }, as(tenant)))).toEqual(created);
  });

  it('returns null for an id that has no model', async () => {
    expect(found(await t.gql(BY_ID, { id: forgeId(`Model:${randomUUID()}`) }, as(tenant)))).toBeNull();
  });

  it('returns null for a resourceUri that has no model', async () => {
    expect(found(await t.gql(BY_URI, { uri: 'no-such-model' }, as(tenant)))).toBeNull();
  });

  it('returns null for a resourceUri that could never exist (uppercase)', async () => {
    expect(found(await t.gql(BY_URI, { uri: created.resourceUri.toUpperCase() }, as(tenant)))).toBeNull();
  });

  it('rejects a resourceUri longer than 255 characters with BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(BY_URI, { uri: 'a'.repeat(256) }, as(tenant)));
  });

  it('rejects both id and resourceUri together with BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(BY_BOTH, { id: created.id, uri: created.resourceUri }, as(tenant)));
  });

  it('rejects neither id nor resourceUri with BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(`{ model { id } }`, {}, as(tenant)));
    expectBadUserInput(await t.gql(BY_BOTH, { id: null, uri: null }, as(tenant)));
  });

  it('does not find a model of another project or organization, by id or by resourceUri', async () => {
    const stranger = await t.newTenant();
    const sameOrgOtherProject: TestTenant = {
      ...tenant,
      projectId: 'other-project',
      token: await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: ['other-project'] }),
    };
    for (const who of [stranger, sameOrgOtherProject]) {
      expect(found(await t.gql(BY_ID, { id: created.id }, as(who)))).toBeNull();
      expect(found(await t.gql(BY_URI, { uri: created.resourceUri }, as(who)))).toBeNull();
      expect(found(await t.gql(NODE, { id: created.id }, as(who)), 'node')).toBeNull();
    }
  });
});

describe('malformed ids', () => {
  it('rejects an id that is not a global id ("garbage") with BAD_USER_INPUT at path ["id"]', async () => {
    const response = await t.gql(BY_ID, { id: 'garbage' }, as(tenant));
    expectBadUserInput(response);
    expect(response.body.errors?.[0]?.extensions?.issues).toEqual([{ path: ['id'], message: expect.any(String) }]);
  });

  it('rejects an empty id and an overlong id with BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(BY_ID, { id: '' }, as(tenant)));
    expectBadUserInput(await t.gql(BY_ID, { id: forgeId(`Model:${'x'.repeat(300)}`) }, as(tenant)));
  });

  it('returns null for a Model id whose key is not a uuid (base64 of "Model:not-a-uuid")', async () => {
    const response = await t.gql(BY_ID, { id: forgeId('Model:not-a-uuid') }, as(tenant));
    expect(found(response)).toBeNull();
    // Also in standard (padded) base64, which decodes the same way.
    const padded = Buffer.from('Model:not-a-uuid').toString('base64');
    expect(found(await t.gql(BY_ID, { id: padded }, as(tenant)))).toBeNull();
  });

  it('refuses the id of another type that carries a real model uuid (base64 of "Other:<uuid>") as BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(BY_ID, { id: forgeId(`Other:${rawId}`) }, as(tenant)));
  });

  it('does not accept the raw database uuid as an id', async () => {
    const response = await t.gql(BY_ID, { id: rawId }, as(tenant));
    expectNoInternals(response);
    expect(response.body.data?.model ?? null).toBeNull();
    expect([[], ['BAD_USER_INPUT']]).toContainEqual(errorCodes(response));
  });

  it('never answers a malformed id with INTERNAL_SERVER_ERROR, on model(id:) or node(id:)', async () => {
    const ids = ['garbage', '', ':', forgeId('Model:not-a-uuid'), forgeId(`Other:${rawId}`), forgeId(':x'), '!!!'];
    for (const query of [BY_ID, NODE]) {
      for (const id of ids) {
        const response = await t.gql(query, { id }, as(tenant));
        expectNoInternals(response);
        expect(errorCodes(response).filter((code) => code !== 'BAD_USER_INPUT'), `${id}: ${response.text}`).toEqual([]);
      }
    }
  });
});

describe('node(id:)', () => {
  it('returns the Model with __typename "Model" and the same fields', async () => {
    const node = found(await t.gql(NODE, { id: created.id }, as(tenant)), 'node');
    expect(node).toEqual({ __typename: 'Model', ...created });
  });

  it('returns null for an unknown Model id and for a Model id whose key is not a uuid', async () => {
    expect(found(await t.gql(NODE, { id: forgeId(`Model:${randomUUID()}`) }, as(tenant)), 'node')).toBeNull();
    expect(found(await t.gql(NODE, { id: forgeId('Model:not-a-uuid') }, as(tenant)), 'node')).toBeNull();
  });

  it('rejects an id that is not a global id ("garbage") with BAD_USER_INPUT', async () => {
    expectBadUserInput(await t.gql(NODE, { id: 'garbage' }, as(tenant)), 'node');
  });

  it('answers the id of an unknown type ("Other:<uuid>") with null or BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    const response = await t.gql(NODE, { id: forgeId(`Other:${rawId}`) }, as(tenant));
    expectNoInternals(response);
    expect(response.body.data?.node ?? null).toBeNull();
    expect([[], ['BAD_USER_INPUT']], response.text).toContainEqual(errorCodes(response));
  });
});

describe('ids', () => {
  it('are opaque: not the database uuid and not containing it', () => {
    expect(created.id).not.toBe(rawId);
    expect(created.id).not.toContain(rawId);
    expect(created.id.toLowerCase()).not.toContain(rawId.replace(/-/g, '').toLowerCase());
  });

  it('are stable: create, model(id:), model(resourceUri:), node(id:) and the models list agree', async () => {
    const byUri = found(await t.gql(BY_URI, { uri: created.resourceUri }, as(tenant)));
    const byId = found(await t.gql(BY_ID, { id: created.id }, as(tenant)));
    const node = found(await t.gql(NODE, { id: created.id }, as(tenant)), 'node');
    const listed = await t.gql<{ models: { nodes: Array<{ id: string }> } }>(
      `{ models(first: 5) { nodes { id } } }`,
      {},
      as(tenant),
    );
    expect(listed.body.errors, listed.text).toBeUndefined();
    for (const model of [byUri, byId, node]) expect(model?.id).toBe(created.id);
    expect(listed.body.data?.models.nodes.map((n) => n.id)).toContain(created.id);
  });

  it('differ between two models', async () => {
    const other = await createModelOk(t, tenant, validInput({ name: 'Second' }));
    expect(other.id).not.toBe(created.id);
  });
});

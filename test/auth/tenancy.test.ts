import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_MODEL,
  countModelsNamed,
  createModel,
  expectCleanErrors,
  expectErrorCode,
  LIST_MODELS,
  MODEL_BY_ID,
  MODEL_BY_URI,
  modelInput,
  NODE_BY_ID,
  uniqueName,
} from '../helpers/auth-expect.ts';
import { createTestApp, type GraphQLResponse, type RequestOptions, type TestApp } from '../helpers/test-app.ts';

/**
 * Every read and write happens in the (organization, project) of the request: the organization is
 * the token's org_id, the project the X-Project-ID header (or the token's only project).
 */

let t: TestApp;
const orgA = `org-a-${randomUUID()}`;
const orgB = `org-b-${randomUUID()}`;
const P = `proj-p-${randomUUID().slice(0, 8)}`;
const Q = `proj-q-${randomUUID().slice(0, 8)}`;
const R = `proj-r-${randomUUID().slice(0, 8)}`;

const tokens = {} as Record<'AP' | 'AQ' | 'APQ' | 'AStar' | 'ANone' | 'BP' | 'BStar', string>;
/** a model of org A, project P, and its neighbour (so that A/P has cursors pointing between rows) */
let modelAP: Record<string, any>;
let secondAP: Record<string, any>;
const sharedUri = 'shared-resource-uri';

beforeAll(async () => {
  t = await createTestApp();
  tokens.AP = await t.token({ sub: 'alice', org: orgA, projects: [P] });
  tokens.AQ = await t.token({ sub: 'alice', org: orgA, projects: [Q] });
  tokens.APQ = await t.token({ sub: 'alice', org: orgA, projects: [P, Q] });
  tokens.AStar = await t.token({ sub: 'admin', org: orgA, projects: ['*'] });
  tokens.ANone = await t.token({ sub: 'nobody', org: orgA, projects: [] });
  tokens.BP = await t.token({ sub: 'bob', org: orgB, projects: [P] });
  tokens.BStar = await t.token({ sub: 'bob-admin', org: orgB, projects: ['*'] });
  modelAP = await createModel(t, { token: tokens.AP }, { resourceUri: sharedUri, name: 'Shared in A' });
  secondAP = await createModel(t, { token: tokens.AP }, { name: 'Second in A' });
});
afterAll(() => t?.close());

/** models list, three lookups and a create, all with the same token and project header */
async function everyOperation(options: RequestOptions): Promise<{ responses: Array<[string, GraphQLResponse]>; name: string }> {
  const name = uniqueName('tenancy');
  const responses: Array<[string, GraphQLResponse]> = [
    ['models', await t.gql(LIST_MODELS, { first: 10 }, options)],
    ['model(id:)', await t.gql(MODEL_BY_ID, { id: modelAP.id }, options)],
    ['model(resourceUri:)', await t.gql(MODEL_BY_URI, { uri: modelAP.resourceUri }, options)],
    ['node(id:)', await t.gql(NODE_BY_ID, { id: modelAP.id }, options)],
    ['createModel', await t.gql(CREATE_MODEL, { input: modelInput({ name }) }, options)],
  ];
  return { responses, name };
}

async function expectEveryOperationFails(options: RequestOptions, code: string, message?: RegExp) {
  const { responses, name } = await everyOperation(options);
  for (const [operation, response] of responses) {
    try {
      expectErrorCode(response, code);
      if (message) expect(response.body.errors?.[0]?.message).toMatch(message);
      expect(response.text).not.toContain(modelAP.name);
      const data = response.body.data;
      if (data != null) for (const value of Object.values(data)) expect(value).toBeNull();
    } catch (error) {
      throw new Error(`${operation}: ${(error as Error).message}`, { cause: error });
    }
  }
  expect(await countModelsNamed(t, name)).toBe(0);
}

async function listIds(options: RequestOptions): Promise<{ ids: string[]; totalCount: number }> {
  const response = await t.gql(LIST_MODELS, { first: 100 }, options);
  expect(response.body.errors, response.text).toBeUndefined();
  const connection = response.body.data!.models;
  return { ids: connection.nodes.map((node: any) => node.id), totalCount: connection.totalCount };
}

describe('the X-Project-ID header', () => {
  it('naming a project the token does not list is FORBIDDEN for every operation, and nothing is written', async () => {
    await expectEveryOperationFails({ token: tokens.APQ, project: R }, 'FORBIDDEN');
  });

  it('naming any project is FORBIDDEN to a token with an empty projects list', async () => {
    await expectEveryOperationFails({ token: tokens.ANone, project: P }, 'FORBIDDEN');
  });

  it('is not an UNAUTHENTICATED (401) failure when the project is forbidden', async () => {
    const response = await t.gql(LIST_MODELS, {}, { token: tokens.APQ, project: R });
    expect(response.status).not.toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('naming a project the token lists selects that project', async () => {
    const model = await createModel(t, { token: tokens.APQ, project: Q });
    expect(model).toMatchObject({ organizationId: orgA, projectId: Q });
    expect((await listIds({ token: tokens.AQ })).ids).toContain(model.id);
    expect((await listIds({ token: tokens.AP })).ids).not.toContain(model.id);
  });

  it('may name any project of the organization when the token has projects ["*"]', async () => {
    const anyProject = `proj-any-${randomUUID().slice(0, 8)}`;
    const model = await createModel(t, { token: tokens.AStar, project: anyProject });
    expect(model).toMatchObject({ organizationId: orgA, projectId: anyProject, createdBy: 'user:admin' });
    const inP = await listIds({ token: tokens.AStar, project: P });
    expect(inP.ids).toEqual(expect.arrayContaining([modelAP.id, secondAP.id]));
    expect(inP.ids).not.toContain(model.id);
  });

  it('is optional for a token with exactly one project: that project is used', async () => {
    const model = await createModel(t, { token: tokens.AP });
    expect(model).toMatchObject({ organizationId: orgA, projectId: P });
    const byUri = await t.gql(MODEL_BY_URI, { uri: sharedUri }, { token: tokens.AP });
    expect(byUri.body.data?.model?.id).toBe(modelAP.id);
  });

  it('is required (BAD_USER_INPUT) for a token with several projects, and nothing is written', async () => {
    await expectEveryOperationFails({ token: tokens.APQ }, 'BAD_USER_INPUT', /X-Project-ID.*required|required.*X-Project-ID/i);
  });

  it('is required (BAD_USER_INPUT) for a token with projects ["*"]', async () => {
    await expectEveryOperationFails({ token: tokens.AStar }, 'BAD_USER_INPUT', /X-Project-ID.*required|required.*X-Project-ID/i);
  });

  it('that is not a valid project id is BAD_USER_INPUT even for a "*" token', async () => {
    await expectEveryOperationFails({ token: tokens.AStar, project: '../other' }, 'BAD_USER_INPUT');
  });
});

describe('the organization', () => {
  it("is the token's org_id", async () => {
    const model = await createModel(t, { token: tokens.BP });
    expect(model.organizationId).toBe(orgB);
    const row = await t.db.selectFrom('models').select(['organization_id', 'project_id']).where('name', '=', model.name).executeTakeFirstOrThrow();
    expect(row).toEqual({ organization_id: orgB, project_id: P });
  });

  it('cannot be chosen through the input: organizationId in CreateModelInput is refused and nothing is written', async () => {
    const name = uniqueName('org-in-input');
    const viaVariables = await t.gql(CREATE_MODEL, { input: modelInput({ name, organizationId: orgA }) }, { token: tokens.BP });
    expectErrorCode(viaVariables, 'BAD_USER_INPUT');
    const viaLiteral = await t.gql(
      `mutation { createModel(input: { name: "${name}", litellmModel: "x", credentials: { k: "v" }, organizationId: "${orgA}" }) { model { id } } }`,
      {},
      { token: tokens.BP },
    );
    expectCleanErrors(viaLiteral);
    expect(viaLiteral.body.errors?.length).toBeGreaterThan(0);
    expect(await countModelsNamed(t, name)).toBe(0);
  });

  it('cannot be chosen through the input: projectId in CreateModelInput is refused', async () => {
    const name = uniqueName('project-in-input');
    const response = await t.gql(CREATE_MODEL, { input: modelInput({ name, projectId: Q }) }, { token: tokens.AP });
    expectErrorCode(response, 'BAD_USER_INPUT');
    expect(await countModelsNamed(t, name)).toBe(0);
  });

  it('cannot be chosen through a header: X-Organization-ID is ignored', async () => {
    const model = await createModel(t, { token: tokens.BP, headers: { 'x-organization-id': orgA } });
    expect(model.organizationId).toBe(orgB);
    const { ids } = await listIds({ token: tokens.BP, headers: { 'x-organization-id': orgA } });
    expect(ids).not.toContain(modelAP.id);
  });
});

describe("a model of another tenant is invisible", () => {
  const viewers: Array<[string, () => RequestOptions]> = [
    ['another organization using the same project id', () => ({ token: tokens.BP, project: P })],
    ['another organization with projects ["*"] naming the same project id', () => ({ token: tokens.BStar, project: P })],
    ['another project of the same organization', () => ({ token: tokens.AQ })],
    ['another project of the same organization, with projects ["*"]', () => ({ token: tokens.AStar, project: Q })],
  ];

  for (const [who, options] of viewers) {
    describe(`from ${who}`, () => {
      it('model(id:), model(resourceUri:) and node(id:) return null', async () => {
        for (const [query, variables] of [
          [MODEL_BY_ID, { id: modelAP.id }],
          [MODEL_BY_URI, { uri: modelAP.resourceUri }],
          [NODE_BY_ID, { id: modelAP.id }],
        ] as const) {
          const response = await t.gql(query, variables, options());
          expect(response.body.errors, response.text).toBeUndefined();
          expect(Object.values(response.body.data ?? {}), response.text).toEqual([null]);
          expect(response.text).not.toContain(modelAP.name);
        }
      });

      it('the models list leaves it out and totalCount does not count it', async () => {
        const { ids, totalCount } = await listIds(options());
        expect(ids).not.toContain(modelAP.id);
        expect(ids).not.toContain(secondAP.id);
        expect(totalCount).toBe(ids.length);
      });

      it('a cursor made in org A / project P is refused with BAD_USER_INPUT', async () => {
        const page = await t.gql(LIST_MODELS, { first: 1 }, { token: tokens.AP });
        const cursor = page.body.data?.models.pageInfo.endCursor;
        expect(cursor).toEqual(expect.any(String));
        for (const variables of [{ first: 5, after: cursor }, { first: 5, before: cursor }]) {
          const response = await t.gql(LIST_MODELS, variables, options());
          expectErrorCode(response, 'BAD_USER_INPUT');
          expect(response.body.data ?? null).toBeNull();
          expect(response.text).not.toContain(modelAP.id);
        }
      });
    });
  }

  it('another organization may use the same resourceUri in the same project id without CONFLICT, and each sees its own', async () => {
    const mine = await createModel(t, { token: tokens.BP }, { resourceUri: sharedUri, name: 'Shared in B' });
    expect(mine.id).not.toBe(modelAP.id);
    const inB = await t.gql(MODEL_BY_URI, { uri: sharedUri }, { token: tokens.BP });
    expect(inB.body.data?.model).toMatchObject({ id: mine.id, name: 'Shared in B', organizationId: orgB });
    const inA = await t.gql(MODEL_BY_URI, { uri: sharedUri }, { token: tokens.AP });
    expect(inA.body.data?.model).toMatchObject({ id: modelAP.id, name: 'Shared in A', organizationId: orgA });
  });

  it('totalCount counts only the models of the request\'s own project', async () => {
    const before = await listIds({ token: tokens.AQ });
    await createModel(t, { token: tokens.AP });
    const after = await listIds({ token: tokens.AQ });
    expect(after.totalCount).toBe(before.totalCount);
    const inP = await t.gql(LIST_MODELS, { first: 100 }, { token: tokens.AP });
    const rows = await t.db.selectFrom('models').select('name').where('organization_id', '=', orgA).where('project_id', '=', P).execute();
    expect(inP.body.data?.models.totalCount).toBe(rows.length);
    const listedNames = inP.body.data?.models.nodes.map((node: any) => node.name).sort();
    expect(listedNames).toEqual(rows.map((row) => row.name).sort());
  });

  it('a cursor made in A/P still works in A/P (the refusals above are about the tenant)', async () => {
    const page = await t.gql(LIST_MODELS, { first: 1 }, { token: tokens.AP });
    const next = await t.gql(LIST_MODELS, { first: 1, after: page.body.data?.models.pageInfo.endCursor }, { token: tokens.AP });
    expect(next.body.errors, next.text).toBeUndefined();
    expect(next.body.data?.models.nodes).toHaveLength(1);
  });

  it("a forged cursor (A/P's position under B's signature) is refused with BAD_USER_INPUT", async () => {
    await createModel(t, { token: tokens.BP });
    const a = await t.gql(LIST_MODELS, { first: 1 }, { token: tokens.AP });
    const b = await t.gql(LIST_MODELS, { first: 1 }, { token: tokens.BP });
    const [bodyA] = String(a.body.data?.models.pageInfo.endCursor).split('.');
    const [, signatureB] = String(b.body.data?.models.pageInfo.endCursor).split('.');
    const forged = await t.gql(LIST_MODELS, { first: 5, after: `${bodyA}.${signatureB}` }, { token: tokens.BP });
    expectErrorCode(forged, 'BAD_USER_INPUT');
    expect(forged.text).not.toContain(modelAP.id);
  });
});

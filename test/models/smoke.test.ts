import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('smoke', () => {
  it('creates and lists', async () => {
    const tenant = await t.newTenant();
    const created = await t.gql(
      `mutation($input: CreateModelInput!) { createModel(input: $input) { model { id resourceUri provider status tags credentialKeys createdBy ownerId createdAt } } }`,
      { input: { name: 'GPT-4o', litellmModel: 'openai/gpt-4o', credentials: { api_key: 'sk-123' }, tags: [' a ', 'a', 'b'] } },
      { token: tenant.token },
    );
    console.log(JSON.stringify(created.body));
    expect(created.status).toBe(200);
    const listed = await t.gql(`{ models(first: 5) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { resourceUri } } }`, {}, { token: tenant.token });
    console.log(JSON.stringify(listed.body));
    const bad = await t.gql(`mutation { createModel(input: { name: "", litellmModel: "x", credentials: {}, tags: ["${'x'.repeat(65)}"], defaultTemperature: 10 }) { model { id } } }`, {}, { token: tenant.token });
    console.log(JSON.stringify(bad.body));
    const noauth = await t.gql(`{ models { totalCount } }`);
    console.log(noauth.status, JSON.stringify(noauth.body), [...noauth.headers]);
    const coerce = await t.gql(`query($f: Int) { models(first: $f) { totalCount } }`, { f: 'abc' }, { token: tenant.token });
    console.log(coerce.status, JSON.stringify(coerce.body));
    const node = await t.gql(`query($id: ID!) { node(id: $id) { id ... on Model { name } } model(id: $id) { name } }`, { id: created.body.data?.createModel.model.id }, { token: tenant.token });
    console.log(node.status, JSON.stringify(node.body));
    console.log(t.logs.filter((l) => l.includes("error")).join("\n").slice(0, 3000));
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { GraphQLResponse, RequestOptions, TestApp } from './test-app.ts';

/** Queries and assertions shared by the auth, tenancy and secrets tests. */

export const MODEL_FIELDS = `
  id resourceUri name litellmModel status statusMessage organizationId projectId ownerId
  createdAt updatedAt createdBy updatedBy description tags provider apiBase apiVersion mode
  maxInputTokens maxOutputTokens rpm tpm defaultTemperature defaultMaxTokens timeout credentialKeys
`;

export const CREATE_MODEL = `mutation Create($input: CreateModelInput!) {
  createModel(input: $input) { model { ${MODEL_FIELDS} } }
}`;

export const LIST_MODELS = `query List($first: Int, $after: String, $before: String) {
  models(first: $first, after: $after, before: $before) {
    totalCount
    edges { cursor node { ${MODEL_FIELDS} } }
    nodes { ${MODEL_FIELDS} }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

export const MODEL_BY_ID = `query ById($id: ID!) { model(id: $id) { ${MODEL_FIELDS} } }`;
export const MODEL_BY_URI = `query ByUri($uri: String!) { model(resourceUri: $uri) { ${MODEL_FIELDS} } }`;
export const NODE_BY_ID = `query Node($id: ID!) { node(id: $id) { id ... on Model { ${MODEL_FIELDS} } } }`;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function modelInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: uniqueName('model'),
    litellmModel: 'openai/gpt-4o',
    credentials: { api_key: `sk-${randomUUID()}` },
    ...overrides,
  };
}

/** Creates a model and returns it; fails the test if the create did not succeed. */
export async function createModel(
  t: TestApp,
  options: RequestOptions,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const response = await t.gql(CREATE_MODEL, { input: modelInput(overrides) }, options);
  expect(response.body.errors, response.text).toBeUndefined();
  return response.body.data!.createModel.model;
}

/** Every error carries a code, and nothing of the server's insides (stack frames, file paths). */
export function expectCleanErrors(response: GraphQLResponse): void {
  for (const error of response.body.errors ?? []) {
    expect(error.extensions?.code, response.text).toEqual(expect.any(String));
  }
  expect(response.text).not.toContain('node_modules');
  expect(response.text).not.toContain('    at ');
  expect(response.text).not.toMatch(/\/work\/|\/src\/|\.ts:\d+/);
  expect(response.text).not.toMatch(/"stack"/);
}

/** The one error's code (and that there is exactly one). */
export function errorCode(response: GraphQLResponse): string | undefined {
  expect(response.body.errors, response.text).toHaveLength(1);
  return response.body.errors?.[0]?.extensions?.code;
}

export function expectErrorCode(response: GraphQLResponse, code: string): void {
  expectCleanErrors(response);
  expect(errorCode(response), response.text).toBe(code);
}

/**
 * What an unauthenticated caller gets: HTTP 401 with `WWW-Authenticate: Bearer`, UNAUTHENTICATED,
 * and no data — `data` is null, or (for a nullable root field) holds nothing but nulls.
 */
export function expectUnauthenticated(response: GraphQLResponse): void {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('www-authenticate'), response.text).toMatch(/^Bearer\b/);
  expectErrorCode(response, 'UNAUTHENTICATED');
  const data = response.body.data;
  if (data != null) {
    for (const value of Object.values(data)) expect(value, response.text).toBeNull();
  }
}

/** How many rows in the whole table carry this name (names used with this are unique per test). */
export async function countModelsNamed(t: TestApp, name: string): Promise<number> {
  const rows = await t.db.selectFrom('models').select('id').where('name', '=', name).execute();
  return rows.length;
}

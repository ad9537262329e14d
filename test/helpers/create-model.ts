import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { GraphQLResponse, TestApp } from './test-app.ts';

/** Helpers shared by the createModel and lookup tests (test/models/create-*.test.ts, lookup*.test.ts). */

export interface TestTenant {
  organizationId: string;
  projectId: string;
  token: string;
  userId: string;
}

export const MODEL_FIELDS = `
  id resourceUri name litellmModel status statusMessage organizationId projectId ownerId
  createdAt updatedAt createdBy updatedBy description tags provider apiBase apiVersion mode
  maxInputTokens maxOutputTokens rpm tpm defaultTemperature defaultMaxTokens timeout credentialKeys
`;

export const CREATE_MODEL = `
  mutation CreateModel($input: CreateModelInput!) {
    createModel(input: $input) { model { ${MODEL_FIELDS} } }
  }
`;

export type ModelResult = Record<string, any>;

/** A secret that must never come back in any response or log line. */
export const LEAK_MARKER = 'sk-LEAK-CHECK-123';

/** The smallest valid input, plus overrides (an override of `undefined` removes the field). */
export function validInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const input: Record<string, unknown> = {
    name: 'My Model',
    litellmModel: 'openai/gpt-4o',
    credentials: { api_key: 'sk-test-value' },
    ...overrides,
  };
  for (const [key, value] of Object.entries(input)) if (value === undefined) delete input[key];
  return input;
}

export function createModel(t: TestApp, tenant: TestTenant, input: Record<string, unknown>, project?: string) {
  return t.gql<{ createModel: { model: ModelResult } }>(CREATE_MODEL, { input }, { token: tenant.token, project });
}

/** Creates a model and returns it, failing the test with the response when the create did not succeed. */
export async function createModelOk(
  t: TestApp,
  tenant: TestTenant,
  input: Record<string, unknown>,
  project?: string,
): Promise<ModelResult> {
  const response = await createModel(t, tenant, input, project);
  expect(response.body.errors, response.text).toBeUndefined();
  const model = response.body.data?.createModel.model;
  expect(model, response.text).toBeTruthy();
  return model as ModelResult;
}

/** The error codes of a response, in order. */
export function errorCodes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}

/** The `extensions.issues` paths of the response's only error, each joined with '.'. */
export function issuePaths(response: GraphQLResponse): string[] {
  const issues = (response.body.errors?.[0]?.extensions?.issues ?? []) as Array<{ path: unknown[] }>;
  return issues.map((issue) => issue.path.join('.'));
}

/** A rejected create: one BAD_USER_INPUT error, no model, and exactly these failing input fields. */
export function expectBadInput(response: GraphQLResponse, fields: string[]): void {
  expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
  expect(response.body.data?.createModel ?? null, response.text).toBeNull();
  const issues = response.body.errors?.[0]?.extensions?.issues as Array<{ path: unknown[]; message: unknown }>;
  expect(Array.isArray(issues), response.text).toBe(true);
  for (const issue of issues) {
    expect(typeof issue.message, response.text).toBe('string');
    expect((issue.message as string).length, response.text).toBeGreaterThan(0);
  }
  // Each field reports at the field itself (or, for tags/credentials, somewhere beneath it).
  const failing = [...new Set(issues.map((issue) => issue.path.slice(0, 2).join('.')))].sort();
  expect(failing, response.text).toEqual(fields.map((field) => `input.${field}`).sort());
  expectNoInternals(response);
}

/** Every error carries a code and no stack trace, file path or SQL. */
export function expectNoInternals(response: GraphQLResponse): void {
  for (const error of response.body.errors ?? []) {
    expect(typeof error.extensions?.code, response.text).toBe('string');
  }
  const text = response.text.toLowerCase();
  expect(text).not.toContain('node_modules');
  expect(text).not.toContain('    at ');
  expect(text).not.toContain('insert into');
  expect(text).not.toContain('select ');
  expect(text).not.toMatch(/\/src\/[\w/-]+\.ts/);
}

export async function countModels(t: TestApp, tenant: { organizationId: string; projectId: string }): Promise<number> {
  const row = await t.db
    .selectFrom('models')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
    .where('organization_id', '=', tenant.organizationId)
    .where('project_id', '=', tenant.projectId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A Relay-style global id made by hand, the way a client could forge one. */
export function forgeId(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A string that is unique enough to be a resource URI prefix. */
export function uniqueSlug(prefix = 'm'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { MODEL_FIELDS } from './auth-expect.ts';

/**
 * A full run of a client against the gateway — creates with credentials, listing, lookups, failing
 * creates, a conflict, malformed and oversized requests, bad tokens — written once and driven
 * either in process or over HTTP, so the logs of both can be searched for the secrets it sent.
 */

export interface SendInit {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export type Send = (init: SendInit) => Promise<{ status: number; text: string }>;

export interface RedactionRun {
  /** every secret value the run sent, by a label naming where it went */
  secrets: Record<string, string>;
  /** how many requests were sent */
  requests: number;
}

const CREATE = `mutation RedactionCreate($input: CreateModelInput!) { createModel(input: $input) { model { ${MODEL_FIELDS} } } }`;

export async function runRedactionScenario(send: Send, auth: { token: string; project: string }): Promise<RedactionRun> {
  const secret = (label: string) => `${label}-${randomUUID()}`;
  const secrets: Record<string, string> = {};
  const remember = (label: string) => (secrets[label] = secret(label));
  let requests = 0;

  const headers = (token: string | null = auth.token): Record<string, string> => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    'x-project-id': auth.project,
  });
  const gql = async (query: string, variables?: Record<string, unknown>, token: string | null = auth.token) => {
    requests++;
    const response = await send({ method: 'POST', headers: headers(token), body: JSON.stringify({ query, variables }) });
    return { status: response.status, text: response.text, body: JSON.parse(response.text) as { data?: any; errors?: any[] } };
  };
  const codeOf = (response: { body: { errors?: any[] } }) => response.body.errors?.[0]?.extensions?.code;

  const resourceUri = `redaction-${randomUUID().slice(0, 8)}`;
  const input = (credentials: unknown, overrides: Record<string, unknown> = {}) => ({
    name: `Redaction ${randomUUID().slice(0, 8)}`,
    litellmModel: 'openai/gpt-4o',
    credentials,
    ...overrides,
  });

  // 1. a successful create with flat and nested credentials
  const created = await gql(CREATE, {
    input: input(
      { api_key: remember('created-api-key'), nested: { token: remember('created-nested-token') } },
      { resourceUri, apiBase: 'https://api.example.com/v1', tags: ['redaction'] },
    ),
  });
  expect(created.body.errors, created.text).toBeUndefined();
  const model = created.body.data.createModel.model;

  // 2. listing and lookups
  const listed = await gql(`query RedactionList { models(first: 50) { totalCount nodes { ${MODEL_FIELDS} } } }`);
  expect(listed.body.errors, listed.text).toBeUndefined();
  expect(listed.body.data.models.totalCount).toBeGreaterThanOrEqual(1);
  const byId = await gql(`query RedactionById($id: ID!) { model(id: $id) { ${MODEL_FIELDS} } }`, { id: model.id });
  expect(byId.body.data.model.id).toBe(model.id);
  const byUri = await gql(`query RedactionByUri($uri: String!) { model(resourceUri: $uri) { id credentialKeys } }`, { uri: resourceUri });
  expect(byUri.body.data.model.credentialKeys).toEqual(['api_key', 'nested']);

  // 3. failing creates, each carrying credentials
  const invalidName = await gql(CREATE, { input: input({ api_key: remember('invalid-name-api-key') }, { name: '' }) });
  expect(codeOf(invalidName), invalidName.text).toBe('BAD_USER_INPUT');
  const credentialsAsString = await gql(CREATE, { input: input(remember('credentials-as-string')) });
  expect(codeOf(credentialsAsString), credentialsAsString.text).toBe('BAD_USER_INPUT');
  const credentialsWithNumber = await gql(CREATE, {
    input: input({ api_key: remember('credentials-beside-a-number'), port: 5432 }),
  });
  expect(codeOf(credentialsWithNumber), credentialsWithNumber.text).toBe('BAD_USER_INPUT');
  const literal = remember('credentials-in-a-literal');
  const inlineBad = await gql(
    `mutation RedactionInline { createModel(input: { name: "", litellmModel: "openai/gpt-4o", credentials: { api_key: "${literal}" } }) { model { id } } }`,
  );
  expect(codeOf(inlineBad), inlineBad.text).toBe('BAD_USER_INPUT');
  const literalString = remember('credentials-literal-string');
  const inlineWrongType = await gql(
    `mutation RedactionInlineType { createModel(input: { name: "x", litellmModel: "openai/gpt-4o", credentials: "${literalString}" }) { model { id } } }`,
  );
  expect(codeOf(inlineWrongType), inlineWrongType.text).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);

  // 4. a conflict: the same resourceUri again
  const conflict = await gql(CREATE, { input: input({ api_key: remember('conflict-api-key') }, { resourceUri }) });
  expect(codeOf(conflict), conflict.text).toBe('CONFLICT');

  // 5. no token, a forged token, a malformed Authorization header
  const anonymous = await gql(CREATE, { input: input({ api_key: remember('anonymous-api-key') }) }, null);
  expect(codeOf(anonymous), anonymous.text).toBe('UNAUTHENTICATED');
  const [head, payload] = auth.token.split('.');
  const forged = `${head}.${payload}.${remember('forged-signature').replaceAll('-', '_')}`;
  const forgedResponse = await gql(CREATE, { input: input({ api_key: remember('forged-token-api-key') }) }, forged);
  expect(codeOf(forgedResponse), forgedResponse.text).toBe('UNAUTHENTICATED');
  requests++;
  const badHeader = await send({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${remember('basic-credentials')}` },
    body: JSON.stringify({ query: '{ models { totalCount } }' }),
  });
  expect(badHeader.status).toBe(401);

  // 6. malformed, oversized and mistyped requests that carry credentials
  requests++;
  const malformed = await send({
    method: 'POST',
    headers: headers(),
    body: `{"query":"${CREATE.replaceAll('"', '\\"')}","variables":{"input":{"credentials":{"api_key":"${remember('malformed-json-api-key')}"}}} oops`,
  });
  expect(malformed.status).toBe(400);
  requests++;
  const oversized = await send({
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({
      query: CREATE,
      variables: { input: input({ api_key: remember('oversized-api-key'), pad: 'x'.repeat(1.5 * 1024 * 1024) }) },
    }),
  });
  expect(oversized.status).toBe(413);
  requests++;
  const mistyped = await send({
    method: 'POST',
    headers: { ...headers(), 'content-type': 'text/plain' },
    body: JSON.stringify({ query: CREATE, variables: { input: input({ api_key: remember('text-plain-api-key') }) } }),
  });
  expect(mistyped.status).toBe(415);
  requests++;
  const viaGet = await send({
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(CREATE)}&variables=${encodeURIComponent(
      JSON.stringify({ input: input({ api_key: remember('get-mutation-api-key') }) }),
    )}`,
    headers: { authorization: `Bearer ${auth.token}`, 'x-project-id': auth.project },
  });
  expect(viaGet.status).toBe(405); // mutations are not allowed over GET

  return { secrets, requests };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { claims, signHmac, unsignedToken } from './auth-tokens.ts';
import type { RawRequest } from './adversarial-http.ts';
import type { TestApp } from './test-app.ts';

/**
 * The world the hostile requests of test/adversarial run against: two organizations, the first
 * with two projects, a few models in each, cursors each project was given, and a set of tokens
 * that are wrong in every way a token can be wrong.
 */
export interface SeededModel {
  id: string;
  resourceUri: string;
  name: string;
}

export interface AdversarialContext {
  t: TestApp;
  /** organization A, project A1: where the requests are aimed */
  a: { organizationId: string; projectId: string; userId: string; token: string };
  /** a second project of organization A */
  a2: { projectId: string; token: string };
  /** organization B */
  b: { organizationId: string; projectId: string; userId: string; token: string };
  aModels: SeededModel[];
  a2Model: SeededModel;
  bModel: SeededModel;
  cursors: {
    /** an endCursor of project A1 under the default order */
    a: string;
    /** an endCursor of project A1 under orderBy NAME ASC */
    aByName: string;
    /** an endCursor of project A2 (same organization) under the default order */
    a2: string;
    /** an endCursor of organization B under the default order */
    b: string;
  };
  tokens: {
    algNone: string;
    /** HS256 over A's claims, with a key that is not the gateway's */
    foreignKey: string;
    foreignSecret: string;
    expired: string;
    withoutExp: string;
    hs512: string;
    /** organization B's token that lists project A1's id among its projects */
    otherOrgWithAProject: string;
    /** organization A's token for a project other than A1 */
    withoutProject: string;
    /** organization A, projects ["*"] */
    wildcard: string;
    nulInOrg: string;
    projectsNotAList: string;
    longSub: string;
  };
  /** values that must never be in a response: the gateway's own secrets */
  serverSecrets: string[];
}

const CREATE = `mutation Seed($input: CreateModelInput!) { createModel(input: $input) { model { id resourceUri name } } }`;
const PAGE = `query Page($orderBy: [ModelOrder!]) { models(first: 1, orderBy: $orderBy) { pageInfo { endCursor } } }`;

async function seed(t: TestApp, token: string, name: string, project?: string): Promise<SeededModel> {
  const response = await t.gql(
    CREATE,
    { input: { name, litellmModel: 'openai/gpt-4o', credentials: { api_key: `sk-seed-${randomUUID()}` }, tags: ['prod'] } },
    { token, project: project ?? null },
  );
  expect(response.body.errors, response.text).toBeUndefined();
  return response.body.data!.createModel.model as SeededModel;
}

async function endCursor(t: TestApp, token: string, orderBy?: unknown, project?: string): Promise<string> {
  const response = await t.gql(PAGE, orderBy ? { orderBy } : {}, { token, project: project ?? null });
  expect(response.body.errors, response.text).toBeUndefined();
  const cursor = response.body.data!.models.pageInfo.endCursor as string | null;
  expect(cursor, response.text).toBeTruthy();
  return cursor as string;
}

export async function seedAdversarialContext(t: TestApp): Promise<AdversarialContext> {
  const suffix = randomUUID().slice(0, 8);
  const a = await t.newTenant();
  const b = await t.newTenant();
  const a2Project = `proj2-${suffix}`;
  const a2Token = await t.token({ sub: a.userId, org: a.organizationId, projects: [a2Project] });

  // Names without %, _, \ or quotes: the SQL-fragment searches below must match none of them.
  const aModels = [
    await seed(t, a.token, `Alpha One ${suffix}`),
    await seed(t, a.token, `Beta Two ${suffix}`),
    await seed(t, a.token, `Gamma Three ${suffix}`),
  ];
  const a2Model = await seed(t, a2Token, `Delta Four ${suffix}`);
  const bModel = await seed(t, b.token, `Epsilon Five ${suffix}`);

  const secret = t.config.auth.jwtSecret as string;
  const foreignSecret = randomBytes(32).toString('base64url');
  const aClaims = (overrides: Record<string, unknown> = {}) =>
    claims({ sub: a.userId, org_id: a.organizationId, projects: [a.projectId], ...overrides });

  return {
    t,
    a,
    a2: { projectId: a2Project, token: a2Token },
    b,
    aModels,
    a2Model,
    bModel,
    cursors: {
      a: await endCursor(t, a.token),
      aByName: await endCursor(t, a.token, [{ field: 'NAME', direction: 'ASC' }]),
      a2: await endCursor(t, a2Token),
      b: await endCursor(t, b.token),
    },
    tokens: {
      algNone: unsignedToken(aClaims()),
      foreignKey: await signHmac(foreignSecret, aClaims()),
      foreignSecret,
      expired: await signHmac(secret, aClaims({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })),
      withoutExp: await signHmac(secret, aClaims({ exp: undefined })),
      hs512: await signHmac(secret, aClaims(), 'HS512'),
      otherOrgWithAProject: await t.token({ sub: b.userId, org: b.organizationId, projects: [a.projectId] }),
      withoutProject: await t.token({ sub: a.userId, org: a.organizationId, projects: [`elsewhere-${suffix}`] }),
      wildcard: await t.token({ sub: a.userId, org: a.organizationId, projects: ['*'] }),
      nulInOrg: await signHmac(secret, aClaims({ org_id: `${a.organizationId}\u0000` })),
      projectsNotAList: await signHmac(secret, aClaims({ projects: a.projectId })),
      longSub: await signHmac(secret, aClaims({ sub: 'u'.repeat(1000) })),
    },
    serverSecrets: [secret, t.config.secrets.currentKey],
  };
}

/* ---------------------------------------------------------------------------------------------- */
/* Building requests                                                                               */

export type Build = (c: AdversarialContext) => RawRequest;
export type HeaderMap = Record<string, string>;
/** Who a request is sent as: a function of the context giving the auth headers. */
export type As = (c: AdversarialContext) => HeaderMap;

export const asA: As = (c) => ({ authorization: `Bearer ${c.a.token}` });
export const anonymous: As = () => ({});
export const bearer =
  (pick: (c: AdversarialContext) => string, project?: (c: AdversarialContext) => string): As =>
  (c) => ({ authorization: `Bearer ${pick(c)}`, ...(project ? { 'x-project-id': project(c) } : {}) });

export interface PostOptions {
  as?: As;
  /** default application/json; null sends no Content-Type */
  contentType?: string | null;
  headers?: HeaderMap;
}

function postHeaders(c: AdversarialContext, options: PostOptions): HeaderMap {
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return {
    ...(contentType === null ? {} : { 'content-type': contentType }),
    ...(options.as ?? asA)(c),
    ...options.headers,
  };
}

/** A POST of exactly this body (text or bytes, or made from the context). */
export function rawPost(body: string | Buffer | ((c: AdversarialContext) => string | Buffer), options: PostOptions = {}): Build {
  return (c) => ({ method: 'POST', headers: postHeaders(c, options), body: typeof body === 'function' ? body(c) : body });
}

type Variables = Record<string, unknown> | ((c: AdversarialContext) => Record<string, unknown>);

/** A well-formed GraphQL POST. */
export function gql(query: string | ((c: AdversarialContext) => string), variables?: Variables, options: PostOptions & { operationName?: string } = {}): Build {
  return rawPost(
    (c) =>
      JSON.stringify({
        query: typeof query === 'function' ? query(c) : query,
        ...(variables ? { variables: typeof variables === 'function' ? variables(c) : variables } : {}),
        ...(options.operationName !== undefined ? { operationName: options.operationName } : {}),
      }),
    options,
  );
}

export function get(params: Record<string, string>, as: As = asA): Build {
  return (c) => ({ method: 'GET', path: `/graphql?${new URLSearchParams(params).toString()}`, headers: { ...as(c) } });
}

/* ---------------------------------------------------------------------------------------------- */
/* Operations                                                                                      */

export const LIST = `query List($first: Int, $last: Int, $after: String, $before: String, $filter: ModelFilter, $orderBy: [ModelOrder!]) {
  models(first: $first, last: $last, after: $after, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount nodes { id name } pageInfo { hasNextPage endCursor }
  }
}`;

export const CREATE_MODEL = `mutation Create($input: CreateModelInput!) {
  createModel(input: $input) { model { id name resourceUri tags credentialKeys defaultTemperature } }
}`;

export const BY_ID = `query ById($id: ID) { model(id: $id) { id name } }`;
export const BY_URI = `query ByUri($uri: String) { model(resourceUri: $uri) { id name } }`;
export const NODE = `query Node($id: ID!) { node(id: $id) { id ... on Model { name } } }`;

/** A create input that is valid but for the overrides; its credential value is unique and secret. */
export function createInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `hostile ${randomUUID().slice(0, 8)}`,
    litellmModel: 'openai/gpt-4o',
    credentials: { api_key: `sk-ADVERSARIAL-${randomUUID()}` },
    ...overrides,
  };
}

/** The Relay id the gateway gives a model, forged by hand around any text. */
export function globalId(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** `value` nested `depth` objects deep under `key`: {key: {key: … value}}. */
export function nested(depth: number, key: string, value: unknown): unknown {
  let current = value;
  for (let level = 0; level < depth; level++) current = { [key]: current };
  return current;
}

/** The same object as JSON text, built without recursion (JSON.stringify would overflow the stack). */
export function nestedJson(depth: number, key: string, value: string): string {
  return `${`{"${key}":`.repeat(depth)}${JSON.stringify(value)}${'}'.repeat(depth)}`;
}

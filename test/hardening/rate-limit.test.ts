import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_MODEL, modelInput } from '../helpers/auth-expect.ts';
import { metricSamples, rawFetch, sampleValue } from '../helpers/hardening-http.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * Per-principal rate limiting with the in-memory token bucket: RATE_LIMIT_BURST requests at once,
 * then RATE_LIMIT_PER_SECOND; over it a request gets RATE_LIMITED, HTTP 429, Retry-After and
 * extensions.retryAfter, and is counted in graphql_rate_limited_total. The bucket is the
 * principal's (organization + user): nobody else is slowed down.
 */

const PING = 'query Ping { __typename }';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' } });
});
afterAll(() => t?.close());

function expectAllowed(response: GraphQLResponse): void {
  expect(response.status, response.text).toBe(200);
  expect(response.body.errors, response.text).toBeUndefined();
}

function expectRateLimited(response: GraphQLResponse): void {
  expect(response.status, response.text).toBe(429);
  expect(response.body.errors, response.text).toHaveLength(1);
  const error = response.body.errors![0]!;
  expect(error.extensions?.code).toBe('RATE_LIMITED');
  expect(error.extensions?.retryAfter).toBe(1);
  expect(error.message).toBe('Too many requests: retry in 1 s');
  expect(response.headers.get('retry-after')).toBe('1');
  expect(response.body.data ?? null).toBeNull();
  expect(response.text).not.toMatch(/\n\s+at |node_modules|"stack"/);
}

async function rateLimitedCount(app: TestApp): Promise<number> {
  return sampleValue(metricSamples(await app.app.metrics.registry.metrics()), 'graphql_rate_limited_total') ?? 0;
}

async function principal(app: TestApp, org = `org-${randomUUID()}`, sub = `user-${randomUUID().slice(0, 8)}`, projects = ['demo']) {
  const token = await app.token({ sub, org, projects });
  return { org, sub, options: { token, project: projects[0]! } };
}

describe('rate limiting in memory (RATE_LIMIT_PER_SECOND=1, RATE_LIMIT_BURST=3)', () => {
  it('lets a burst of 3 through and refuses the 4th with 429 RATE_LIMITED, Retry-After and extensions.retryAfter', async () => {
    const alice = await principal(t);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, alice.options));
    expectRateLimited(await t.gql(PING, undefined, alice.options));
    expectRateLimited(await t.gql(PING, undefined, alice.options));
  });

  it('does not slow down another user of the same organization, nor the same user name in another organization', async () => {
    const alice = await principal(t);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, alice.options));
    expectRateLimited(await t.gql(PING, undefined, alice.options));

    const colleague = await principal(t, alice.org);
    const namesake = await principal(t, undefined, alice.sub);
    for (let i = 0; i < 3; i++) {
      expectAllowed(await t.gql(PING, undefined, colleague.options));
      expectAllowed(await t.gql(PING, undefined, namesake.options));
    }
  });

  it('keys the bucket by organization and user, not by token or project: a new token or another project does not reset it', async () => {
    const org = `org-${randomUUID()}`;
    const first = await principal(t, org, 'bob', ['p1', 'p2']);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, first.options));
    const sameUserOtherProject = { ...first.options, project: 'p2' };
    expectRateLimited(await t.gql(PING, undefined, sameUserOtherProject));
    const freshToken = await principal(t, org, 'bob', ['p1']);
    expectRateLimited(await t.gql(PING, undefined, freshToken.options));
  });

  it('refuses a rate-limited createModel before it runs: nothing is written', async () => {
    const tenant = await t.newTenant();
    const options = { token: tenant.token, project: tenant.projectId };
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, options));
    const input = modelInput();
    const response = await t.gql(CREATE_MODEL, { input }, options);
    expectRateLimited(response);
    const rows = await t.db.selectFrom('models').select('id').where('name', '=', input.name as string).execute();
    expect(rows).toHaveLength(0);
  });

  it('counts every refusal in graphql_rate_limited_total, also on /metrics', async () => {
    const before = await rateLimitedCount(t);
    const carol = await principal(t);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, carol.options));
    for (let i = 0; i < 4; i++) expectRateLimited(await t.gql(PING, undefined, carol.options));
    expect(await rateLimitedCount(t)).toBe(before + 4);

    const exposed = await rawFetch(t, { method: 'GET' }, '/metrics');
    expect(sampleValue(metricSamples(exposed.text), 'graphql_rate_limited_total')).toBe(before + 4);
    // the refusals are also requests, with RATE_LIMITED as their outcome
    expect(sampleValue(metricSamples(exposed.text), 'graphql_requests_total', { operation: 'Ping', outcome: 'RATE_LIMITED' })).toBeGreaterThanOrEqual(4);
  });

  it('logs a refused request with its principal and the RATE_LIMITED outcome', async () => {
    const dave = await principal(t);
    for (let i = 0; i < 3; i++) await t.gql(PING, undefined, dave.options);
    const refused = await t.gql(PING, undefined, dave.options);
    expectRateLimited(refused);
    const requestId = refused.headers.get('x-request-id');
    const line = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'request completed' && entry.requestId === requestId);
    expect(line).toMatchObject({ status: 429, outcome: 'RATE_LIMITED', org: dave.org, sub: dave.sub, operation: 'Ping' });
  });
});

describe('what a principal over its limit sends', () => {
  const MALFORMED = 'query Broken { models(';
  const INVALID = 'query Invalid { noSuchField }';

  it('spends a token on a document that does not parse or validate, and refuses it with 429 once the bucket is empty', async () => {
    const frank = await principal(t);
    const malformed = await t.gql(MALFORMED, undefined, frank.options);
    expect(malformed.body.errors?.[0]?.extensions?.code, malformed.text).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await t.gql(INVALID, undefined, frank.options);
    expect(invalid.body.errors?.[0]?.extensions?.code, invalid.text).toBe('GRAPHQL_VALIDATION_FAILED');
    expectAllowed(await t.gql(PING, undefined, frank.options));
    // the two refused documents took two of the three tokens: the fourth request is over the limit
    expectRateLimited(await t.gql(PING, undefined, frank.options));
    expectRateLimited(await t.gql(MALFORMED, undefined, frank.options));
    expectRateLimited(await t.gql(INVALID, undefined, frank.options));
  });

  it('logs a refusal with the operation named in the document, in operationName, or none', async () => {
    const grace = await principal(t);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, grace.options));
    const sent = [
      { query: 'query Named { __typename }', operationName: undefined, logged: 'Named' },
      { query: 'query A { __typename } query B { __typename }', operationName: 'B', logged: 'B' },
      { query: '{ __typename }', operationName: undefined, logged: null },
      { query: MALFORMED, operationName: undefined, logged: null },
    ];
    for (const { query, operationName, logged } of sent) {
      const refused = await t.gql(query, undefined, { ...grace.options, operationName });
      expectRateLimited(refused);
      const requestId = refused.headers.get('x-request-id');
      const line = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'request completed' && entry.requestId === requestId);
      expect(line, query).toMatchObject({ outcome: 'RATE_LIMITED', operation: logged, sub: grace.sub });
    }
  });
});

describe('refilling', () => {
  it('gives a refused principal a token back after 1 s', async () => {
    const erin = await principal(t);
    for (let i = 0; i < 3; i++) expectAllowed(await t.gql(PING, undefined, erin.options));
    expectRateLimited(await t.gql(PING, undefined, erin.options));
    await new Promise((resolve) => setTimeout(resolve, 1_150)); // one token at 1/s, and a margin
    expectAllowed(await t.gql(PING, undefined, erin.options));
  });
});

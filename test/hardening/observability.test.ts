import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_MODEL, modelInput } from '../helpers/auth-expect.ts';
import { completedLines, logEntries, metricSamples, postJson, rawFetch, sampleValue } from '../helpers/hardening-http.ts';
import { createTestApp, DATABASE_KIND, type TestApp } from '../helpers/test-app.ts';

/**
 * What operators see of the gateway.
 *
 * Logs: one JSON line per request, 'request completed': request id, operation name, duration,
 * status, outcome, and the principal (org, sub) when the request was authenticated. The request
 * id comes from x-request-id when it is a sane value (else a new UUID), and is returned in the
 * x-request-id response header and in every error's extensions.requestId.
 *
 * Endpoints: /healthz (the process answers), /readyz (database reachable, migrations applied) and
 * /metrics (Prometheus): request count and latency by operation and outcome, database pool
 * gauges, rate-limit rejections; the operation label cannot grow without bound.
 */

const MiB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
let auth: { token: string; project: string };

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  auth = { token: tenant.token, project: tenant.projectId };
});
afterAll(() => t?.close());

/** The only 'request completed' line of a response (there must be exactly one). */
function lineOf(response: { headers: Headers }): Record<string, any> {
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  const lines = completedLines(t.logs, requestId!);
  expect(lines, `log lines for ${requestId}`).toHaveLength(1);
  return lines[0]!;
}

describe("the 'request completed' log line", () => {
  it('says request id, operation, duration, status, outcome, org and sub of a successful request, as JSON at info level', async () => {
    const response = await t.gql('query ListModels { models { totalCount } }', undefined, auth);
    expect(response.body.errors).toBeUndefined();
    const line = lineOf(response);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: response.headers.get('x-request-id'),
      operation: 'ListModels',
      status: 200,
      outcome: 'ok',
      org: tenant.organizationId,
      sub: tenant.userId,
    });
    expect(line.requestId).toMatch(UUID);
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(line.durationMs).toBeLessThan(30_000);
    expect(Date.parse(line.time)).not.toBeNaN();
    expect(line.errorCodes).toBeUndefined();
  });

  it('says the error code as the outcome of a failing request, with the principal', async () => {
    const response = await t.gql(CREATE_MODEL.replace('mutation Create', 'mutation BadCreate'), { input: modelInput({ name: '' }) }, auth);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(lineOf(response)).toMatchObject({
      operation: 'BadCreate',
      status: 200,
      outcome: 'BAD_USER_INPUT',
      errorCodes: ['BAD_USER_INPUT'],
      org: tenant.organizationId,
      sub: tenant.userId,
    });
  });

  it('has no principal for an unauthenticated request, and UNAUTHENTICATED with 401 as its outcome', async () => {
    const response = await t.gql('query Anonymous { models { totalCount } }', undefined, { token: null });
    const line = lineOf(response);
    expect(line).toMatchObject({ operation: 'Anonymous', status: 401, outcome: 'UNAUTHENTICATED' });
    expect(line.org).toBeUndefined();
    expect(line.sub).toBeUndefined();
  });

  it('names the principal of a request refused before it ran: by the parser, by validation, by a query limit', async () => {
    const refused = [
      await t.gql('query Broken {', undefined, auth),
      await t.gql('query Misspelled { modelz }', undefined, auth),
      await t.gql(`query Deep { __type(name: "Model") { fields { type { ${'ofType { '.repeat(10)}name${' }'.repeat(10)} } } } }`, undefined, auth),
    ];
    expect(refused.map((response) => lineOf(response).outcome)).toEqual([
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    for (const response of refused) {
      expect(lineOf(response)).toMatchObject({ org: tenant.organizationId, sub: tenant.userId });
    }
    // A token that does not verify names nobody, whatever else is wrong with the request.
    const forged = await t.gql('query Misspelled { modelz }', undefined, { token: `${tenant.token}x`, project: tenant.projectId });
    expect(lineOf(forged).outcome).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(lineOf(forged).org).toBeUndefined();
    expect(lineOf(forged).sub).toBeUndefined();
  });

  it('names the operation chosen by operationName among several, and logs null for an anonymous one', async () => {
    const two = await postJson(
      t,
      JSON.stringify({ query: 'query First { __typename } query Second { __typename }', operationName: 'Second' }),
      { authorization: `Bearer ${tenant.token}`, 'x-project-id': tenant.projectId },
    );
    expect(lineOf(two).operation).toBe('Second');
    const anonymous = await t.gql('{ __typename }', undefined, auth);
    expect(lineOf(anonymous).operation).toBeNull();
  });

  it('writes exactly one line for every kind of request: served, refused by a limit, malformed, too large, wrong content type, GET with a query string', async () => {
    const responses = [
      await t.gql('query Fine { __typename }', undefined, auth),
      await t.gql('query Misspelled { modelz }', undefined, auth),
      await t.gql('query Broken {', undefined, auth),
      await t.gql(`query Deep { __type(name: "Model") { fields { type { ${'ofType { '.repeat(10)}name${' }'.repeat(10)} } } } }`, undefined, auth),
      await postJson(t, '{"query": nope'),
      await postJson(t, JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(MiB) })),
      await rawFetch(t, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ __typename }' }),
      // a query string (and a fragment) after the path is still a request to /graphql
      await rawFetch(t, { method: 'GET', headers: { accept: 'application/json' } }, '/graphql?query=%7B__typename%7D#x'),
    ];
    const expected = [
      { status: 200, outcome: 'ok' },
      { status: 200, outcome: 'GRAPHQL_VALIDATION_FAILED' },
      { status: 200, outcome: 'GRAPHQL_PARSE_FAILED' },
      { status: 200, outcome: 'GRAPHQL_VALIDATION_FAILED' },
      { status: 400, outcome: 'BAD_REQUEST' },
      { status: 413, outcome: 'PAYLOAD_TOO_LARGE' },
      { status: 415, outcome: 'UNSUPPORTED_MEDIA_TYPE' },
      { status: 200, outcome: 'ok' },
    ];
    const requestIds = new Set<string>();
    responses.forEach((response, index) => {
      const line = lineOf(response);
      expect(line, `request ${index}`).toMatchObject(expected[index]!);
      expect(line.status, `request ${index}`).toBe(response.status);
      requestIds.add(line.requestId);
    });
    expect(requestIds.size).toBe(responses.length);
  });

  it('never holds the query text or the variables', async () => {
    const needle = 'needle-in-the-variables-8841';
    const response = await t.gql(
      'query Searching($f: ModelFilter) { models(filter: $f) { totalCount } }',
      { f: { search: needle } },
      auth,
    );
    const line = lineOf(response);
    expect(JSON.stringify(line)).not.toContain(needle);
    expect(JSON.stringify(line)).not.toContain('totalCount');
    expect(t.logs.join('\n')).not.toContain(needle);
  });
});

describe('request ids (x-request-id)', () => {
  it('reuses a sane incoming x-request-id: in the response header, in the log line and in every error', async () => {
    const requestId = 'bff-req_42.abc:DEF-0099';
    const response = await t.gql(
      'query TwoErrors { modelz nodez }',
      undefined,
      { ...auth, headers: { 'x-request-id': requestId } },
    );
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(response.body.errors!.length).toBe(2);
    for (const error of response.body.errors!) expect(error.extensions?.requestId).toBe(requestId);
    expect(lineOf(response).requestId).toBe(requestId);
  });

  it('returns the request id of a successful request in the header', async () => {
    const response = await t.gql('{ __typename }', undefined, { ...auth, headers: { 'x-request-id': 'ok-1' } });
    expect(response.headers.get('x-request-id')).toBe('ok-1');
    expect(lineOf(response).requestId).toBe('ok-1');
  });

  it('puts the request id in errors raised before GraphQL runs (413, 415, malformed JSON)', async () => {
    const headers = { 'x-request-id': 'early-error-1' };
    for (const response of [
      await postJson(t, JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(MiB) }), headers),
      await rawFetch(t, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: '{}' }),
      await postJson(t, '{oops', headers),
    ]) {
      expect(response.headers.get('x-request-id')).toBe('early-error-1');
      expect(response.json.errors[0].extensions.requestId).toBe('early-error-1');
    }
  });

  it.each([
    ['too long (129 characters)', 'a'.repeat(129)],
    ['with a space', 'has space'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a quote', 'abc"def'],
    ['with a slash', '../../etc/passwd'],
    ['with Latin-1 letters', 'caf\u00e9'],
    ['empty', ''],
  ])('replaces an x-request-id %s by a fresh UUID', async (_label, given) => {
    const response = await t.gql('query Bad { modelz }', undefined, { ...auth, headers: { 'x-request-id': given } });
    const returned = response.headers.get('x-request-id');
    expect(returned).toMatch(UUID);
    expect(response.body.errors?.[0]?.extensions?.requestId).toBe(returned);
    expect(lineOf(response).requestId).toBe(returned);
    if (given.length > 0) expect(t.logs.some((line) => line.includes(JSON.stringify(given).slice(1, -1)))).toBe(false);
  });

  it('accepts exactly 128 characters', async () => {
    const given = `${'r'.repeat(127)}1`;
    const response = await t.gql('{ __typename }', undefined, { ...auth, headers: { 'x-request-id': given } });
    expect(response.headers.get('x-request-id')).toBe(given);
  });

  it('gives every request its own id when none is sent', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await t.gql('{ __typename }', undefined, auth)).headers.get('x-request-id')!);
    expect(ids.size).toBe(5);
  });
});

async function scrape(app: TestApp = t) {
  const response = await rawFetch(app, { method: 'GET' }, '/metrics');
  expect(response.status).toBe(200);
  return { response, samples: metricSamples(response.text) };
}

describe('health endpoints', () => {
  it('answers /healthz with 200 {"status":"ok"}', async () => {
    const response = await rawFetch(t, { method: 'GET' }, '/healthz');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and status "ready" on a working, migrated database', async () => {
    const response = await rawFetch(t, { method: 'GET' }, '/readyz');
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ status: 'ready', ready: true, database: 'up', migrations: 'applied', draining: false });
  });

  it('answers the health endpoints without a token and without a request log line', async () => {
    const mark = t.logs.length;
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await rawFetch(t, { method: 'GET' }, path);
      expect(response.status, path).toBe(200);
    }
    expect(t.logs.slice(mark).filter((line) => line.includes('request completed'))).toEqual([]);
  });
});

describe('/metrics', () => {
  it('is the Prometheus text format', async () => {
    const { response } = await scrape();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain('# TYPE graphql_requests_total counter');
    expect(response.text).toContain('# TYPE graphql_request_duration_seconds histogram');
    expect(response.text).toContain('# TYPE graphql_rate_limited_total counter');
    expect(response.text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('counts requests and their latency by operation name and outcome', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await t.gql('query MetricsList { models { totalCount } }', undefined, auth);
      expect(ok.body.errors).toBeUndefined();
    }
    for (let i = 0; i < 2; i++) {
      const bad = await t.gql(CREATE_MODEL.replace('mutation Create', 'mutation MetricsBadCreate'), { input: modelInput({ name: '' }) }, auth);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    await t.gql('query MetricsNoToken { models { totalCount } }', undefined, { token: null });
    await postJson(t, '{"query": nope');

    const { samples } = await scrape();
    const ok = { operation: 'MetricsList', outcome: 'ok' };
    const bad = { operation: 'MetricsBadCreate', outcome: 'BAD_USER_INPUT' };
    expect(sampleValue(samples, 'graphql_requests_total', ok)).toBe(3);
    expect(sampleValue(samples, 'graphql_requests_total', bad)).toBe(2);
    expect(sampleValue(samples, 'graphql_requests_total', { operation: 'MetricsNoToken', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(sampleValue(samples, 'graphql_requests_total', { operation: 'anonymous', outcome: 'BAD_REQUEST' })).toBeGreaterThanOrEqual(1);

    expect(sampleValue(samples, 'graphql_request_duration_seconds_count', ok)).toBe(3);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_count', bad)).toBe(2);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_sum', ok)).toBeGreaterThan(0);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(3);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_bucket', { ...ok, le: '10' })).toBe(3);
  });

  it('exposes the database pool gauges (in use, idle, waiting)', async () => {
    await t.gql('query Warm { models { totalCount } }', undefined, auth);
    const { samples } = await scrape();
    const inUse = sampleValue(samples, 'db_pool_connections_in_use');
    const idle = sampleValue(samples, 'db_pool_connections_idle');
    const waiting = sampleValue(samples, 'db_pool_requests_waiting');
    for (const value of [inUse, idle, waiting]) {
      expect(value).toBeDefined();
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
    if (DATABASE_KIND === 'postgres') {
      // the pool holds the connection it just used
      expect(inUse! + idle!).toBeGreaterThanOrEqual(1);
      expect(inUse! + idle!).toBeLessThanOrEqual(8); // DATABASE_POOL_SIZE of the test apps
      expect(waiting).toBe(0);
    }
  });

  it('exposes graphql_rate_limited_total, 0 while nothing was refused', async () => {
    const { samples } = await scrape();
    expect(sampleValue(samples, 'graphql_rate_limited_total')).toBe(0);
  });
});

describe('operation names from clients', () => {
  it('are not written into the log line or used as a metric label at arbitrary length', async () => {
    // GraphQL names have no length limit; the gateway takes names of up to 64 characters from params
    const longName = `Op${'x'.repeat(5_000)}`;
    const response = await t.gql(`query ${longName} { __typename }`, undefined, auth);
    expect(response.body.errors).toBeUndefined();
    expect(String(lineOf(response).operation ?? '').length, 'length of the logged operation').toBeLessThanOrEqual(64);
    const { samples } = await scrape();
    const labels = samples.filter((sample) => sample.name === 'graphql_requests_total').map((sample) => sample.labels.operation!);
    expect(Math.max(...labels.map((label) => label.length)), 'length of the longest operation label').toBeLessThanOrEqual(64);
  });

  // after the test above: a name admitted before the cap keeps its label
  it('caps the distinct operation names: after 200, new names are counted as "other"', async () => {
    const labelsNow = async () => {
      const { samples } = await scrape();
      return new Set(samples.filter((sample) => sample.name === 'graphql_requests_total').map((sample) => sample.labels.operation!));
    };
    const otherBefore = (await scrape()).samples
      .filter((sample) => sample.name === 'graphql_requests_total' && sample.labels.operation === 'other')
      .reduce((sum, sample) => sum + sample.value, 0);
    for (let i = 0; i < 205; i++) {
      const response = await t.gql(`query Capped${i} { __typename }`, undefined, { token: null });
      expect(response.body.errors).toBeUndefined();
    }
    // a name seen before the cap keeps its own label
    await t.gql('query Capped0 { __typename }', undefined, { token: null });
    const labels = await labelsNow();
    const named = [...labels].filter((label) => label !== 'anonymous' && label !== 'other');
    expect(named).toHaveLength(200);
    expect(labels.has('Capped0')).toBe(true);
    expect(labels.has('Capped204')).toBe(false);
    const { samples } = await scrape();
    const otherAfter = samples
      .filter((sample) => sample.name === 'graphql_requests_total' && sample.labels.operation === 'other')
      .reduce((sum, sample) => sum + sample.value, 0);
    const admitted = [...labels].filter((label) => label.startsWith('Capped')).length;
    expect(otherAfter - otherBefore).toBe(205 - admitted);
    expect(sampleValue(samples, 'graphql_requests_total', { operation: 'Capped0', outcome: 'ok' })).toBe(2);
    // still one log line per request, with the real name
    expect(t.logs.some((line) => line.includes('"operation":"Capped204"'))).toBe(true);
  });
});

describe('/metrics with METRICS_TOKEN set', () => {
  const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
  let guarded: TestApp;
  beforeAll(async () => {
    guarded = await createTestApp({ env: { METRICS_TOKEN } });
  });
  afterAll(() => guarded?.close());

  it.each([
    ['no Authorization header', {}],
    ['another token', { authorization: 'Bearer scrape-token-0123456789abcdeX' }],
    ['the token without the Bearer scheme', { authorization: METRICS_TOKEN }],
    ['the token with more after it', { authorization: `Bearer ${METRICS_TOKEN} ${METRICS_TOKEN}` }],
    ['a valid API token', 'api'],
  ] as const)('refuses a scrape with %s: 401, no samples', async (_what, headers) => {
    const tenant = await guarded.newTenant();
    const sent = headers === 'api' ? { authorization: `Bearer ${tenant.token}` } : headers;
    const response = await rawFetch(guarded, { method: 'GET', headers: sent }, '/metrics');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(response.json).toMatchObject({ error: 'UNAUTHENTICATED' });
    expect(response.text).not.toContain('graphql_requests_total');
  });

  it('serves the samples to a scrape that sends the token, and leaves the health endpoints open', async () => {
    // the scheme's name is case-insensitive (RFC 9110)
    for (const scheme of ['Bearer', 'bearer']) {
      const scraped = await rawFetch(guarded, { method: 'GET', headers: { authorization: `${scheme} ${METRICS_TOKEN}` } }, '/metrics');
      expect(scraped.status, scheme).toBe(200);
      expect(scraped.text).toContain('# TYPE graphql_requests_total counter');
    }
    for (const path of ['/healthz', '/readyz']) {
      expect((await rawFetch(guarded, { method: 'GET' }, path)).status, path).toBe(200);
    }
  });
});

describe('the log as a whole', () => {
  it('is one parseable JSON object per line', () => {
    const entries = logEntries(t.logs);
    expect(entries.length).toBeGreaterThan(100);
    for (const entry of entries) expect(typeof entry.level).toBe('number');
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, ensureRedis, logEntries, metricSamples, REDIS_URL, sampleValue } from '../helpers/hardening-http.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * With REDIS_URL the buckets live in Redis, so every gateway instance spends from the same bucket
 * of a principal. Two createTestApp instances here are two gateway instances (each with its own
 * database and its own Redis connection) sharing the JWT secret, as instances behind one load
 * balancer do. When Redis cannot be reached, requests are let through and a warning is logged.
 */

const redis = await ensureRedis();
if (!redis.available) console.warn(`SKIPPING the Redis rate-limit tests: ${redis.reason}`);

const PING = 'query Ping { __typename }';
const shared = {
  AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
  SECRETS_KEY: randomBytes(32).toString('base64'),
};

function expectAllowed(response: GraphQLResponse): void {
  expect(response.status, response.text).toBe(200);
  expect(response.body.errors, response.text).toBeUndefined();
}

function expectRateLimited(response: GraphQLResponse): void {
  expect(response.status, response.text).toBe(429);
  expect(response.body.errors?.[0]?.extensions?.code, response.text).toBe('RATE_LIMITED');
  expect(response.body.errors?.[0]?.extensions?.retryAfter, response.text).toBeGreaterThanOrEqual(1);
  expect(Number(response.headers.get('retry-after'))).toBe(response.body.errors?.[0]?.extensions?.retryAfter);
}

async function rateLimitedCount(app: TestApp): Promise<number> {
  return sampleValue(metricSamples(await app.app.metrics.registry.metrics()), 'graphql_rate_limited_total') ?? 0;
}

describe.skipIf(!redis.available)('rate limiting shared through Redis (REDIS_URL)', () => {
  let one: TestApp;
  let two: TestApp;
  let client: Redis;

  beforeAll(async () => {
    const limited = { ...shared, REDIS_URL, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' };
    [one, two] = await Promise.all([createTestApp({ env: limited }), createTestApp({ env: limited })]);
    client = new Redis(REDIS_URL, { lazyConnect: true });
    await client.connect();
  });
  afterAll(async () => {
    await Promise.all([one, two].map((app) => app?.close()));
    client?.disconnect();
  });

  async function principal() {
    const org = `org-${randomUUID()}`;
    const sub = `user-${randomUUID().slice(0, 8)}`;
    const token = await one.token({ sub, org, projects: ['demo'] });
    return { org, sub, options: { token, project: 'demo' } };
  }

  it('limits requests split across two gateway instances together: the 4th of a burst of 3 is refused', async () => {
    const alice = await principal();
    expectAllowed(await one.gql(PING, undefined, alice.options));
    expectAllowed(await two.gql(PING, undefined, alice.options));
    expectAllowed(await one.gql(PING, undefined, alice.options));
    const before = await rateLimitedCount(two);
    expectRateLimited(await two.gql(PING, undefined, alice.options));
    expectRateLimited(await one.gql(PING, undefined, alice.options));
    // each instance counts the refusals it made
    expect(await rateLimitedCount(two)).toBe(before + 1);
  });

  it('keeps the bucket in Redis under the principal\'s organization and user, with an expiry', async () => {
    const bob = await principal();
    expectAllowed(await one.gql(PING, undefined, bob.options));
    const key = `gateway:ratelimit:${JSON.stringify([bob.org, bob.sub])}`;
    const bucket = await client.hgetall(key);
    expect(Number(bucket.tokens)).toBeCloseTo(2, 0);
    expect(Number(bucket.ts)).toBeGreaterThan(0);
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3 * 1000 + 1000);
  });

  it('does not slow down other principals sharing the instances', async () => {
    const carol = await principal();
    for (let i = 0; i < 3; i++) expectAllowed(await one.gql(PING, undefined, carol.options));
    expectRateLimited(await two.gql(PING, undefined, carol.options));
    const colleague = await one.token({ sub: `user-${randomUUID().slice(0, 8)}`, org: carol.org, projects: ['demo'] });
    const namesake = await one.token({ sub: carol.sub, org: `org-${randomUUID()}`, projects: ['demo'] });
    for (let i = 0; i < 3; i++) {
      expectAllowed(await two.gql(PING, undefined, { token: colleague, project: 'demo' }));
      expectAllowed(await one.gql(PING, undefined, { token: namesake, project: 'demo' }));
    }
  });

  it('refills the shared bucket at RATE_LIMIT_PER_SECOND, whichever instance asks', async () => {
    const erin = await principal();
    for (let i = 0; i < 3; i++) expectAllowed(await one.gql(PING, undefined, erin.options));
    expectRateLimited(await two.gql(PING, undefined, erin.options));
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // one token's worth at 1/s, and a margin
    expectAllowed(await two.gql(PING, undefined, erin.options));
  });
});

describe('rate limiting when Redis cannot be reached', () => {
  it('lets requests through (fails open) and logs a warning that names neither the password nor the token', async () => {
    const port = await closedPort();
    const password = `redis-pass-${randomUUID()}`;
    const t = await createTestApp({
      env: { REDIS_URL: `redis://:${password}@127.0.0.1:${port}`, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' },
    });
    try {
      const tenant = await t.newTenant();
      for (let i = 0; i < 5; i++) expectAllowed(await t.gql(PING, undefined, { token: tenant.token, project: tenant.projectId }));
      const warnings = logEntries(t.logs).filter((entry) => entry.level === 40 && /cannot reach Redis/.test(entry.msg));
      expect(warnings.length, t.logs.join('')).toBeGreaterThanOrEqual(1);
      expect(warnings[0]!.msg).toBe('rate limiter cannot reach Redis; requests are not rate limited meanwhile');
      // said at most once every 10 s, not once per request
      expect(warnings.length).toBeLessThan(5);
      expect(t.logs.join('\n')).not.toContain(password);
      expect(t.logs.join('\n')).not.toContain(tenant.token);
      expect(await rateLimitedCount(t)).toBe(0);
    } finally {
      await t.close();
    }
  });
});

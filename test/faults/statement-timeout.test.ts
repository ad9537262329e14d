import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { burstInput, CREATE_MODEL, directClient, errorCodesOf, MODELS_QUERY, POSTGRES_DIRECT_URL, postgresReachable } from '../helpers/fault-support.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * Slow statements end as TIMEOUT instead of holding the request. Runs in both suite modes against
 * the PostgreSQL on 127.0.0.1:5432. The lock taken here blocks every other test on `models`, so it
 * is held for about a second and always released.
 */
const reachable = await postgresReachable();

const STATEMENT_TIMEOUT_MS = 500;
const apps: TestApp[] = [];
const clients: pg.Client[] = [];
const proxies: TcpProxy[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  // A request left hanging on a paused proxy would keep its app's pool from closing.
  for (const proxy of proxies) proxy.resume();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const proxy of proxies) await proxy.close();
});

/**
 * createTestApp migrates first; with a statement timeout this short, a migration lock held for a
 * moment by another process starting up can time that out. Try again rather than fail the test.
 */
async function createShortTimeoutApp(env: Record<string, string>): Promise<TestApp> {
  for (let attempt = 1; ; attempt++) {
    try {
      const t = await createTestApp({ env });
      apps.push(t);
      return t;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** The first success of `request`, retried for a while: a busy machine can make one statement outlive a short timeout. */
async function untilOk(what: string, request: () => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await request();
    if (!response.body.errors) return response;
    if (Date.now() > deadline) throw new Error(`${what} still fails after 10 s: ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function timed(request: Promise<GraphQLResponse>): Promise<GraphQLResponse & { elapsedMs: number }> {
  const started = performance.now();
  const response = await request;
  return { ...response, elapsedMs: performance.now() - started };
}

function expectRetryable(response: GraphQLResponse & { elapsedMs: number }, field: string, withinMs: number): void {
  expect(response.status, response.text).toBe(503);
  const codes = errorCodesOf(response.body);
  expect(codes.length, response.text).toBe(1);
  expect(['TIMEOUT', 'SERVICE_UNAVAILABLE'], response.text).toContain(codes[0]);
  expect(response.body.data?.[field] ?? null, response.text).toBeNull();
  expect(response.elapsedMs, response.text).toBeLessThan(withinMs);
  expect(response.text.toLowerCase()).not.toMatch(/select |insert into|canceling statement|\bat \//);
}

describe.skipIf(!reachable)('a statement that waits too long on the database', () => {
  it('ends as TIMEOUT with HTTP 503 in about the statement timeout, and the next requests work once the lock is gone', async () => {
    const t = await createShortTimeoutApp({
      DATABASE_URL: POSTGRES_DIRECT_URL,
      DATABASE_POOL_SIZE: '4',
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
    const tenant = await t.newTenant();
    const as = { token: tenant.token, project: tenant.projectId };
    const runId = randomUUID().slice(0, 8);
    // Warm the pool, so the timing below is the statement's and not the connection's.
    await untilOk('a first models query', () => t.gql(MODELS_QUERY, { first: 1 }, as));

    const locker = await directClient();
    clients.push(locker);
    let listed: GraphQLResponse & { elapsedMs: number };
    let created: GraphQLResponse & { elapsedMs: number };
    try {
      // Wait at most 3 s for the lock itself, so a busy suite cannot stall this test.
      await locker.query("set lock_timeout = '3s'");
      await locker.query('begin');
      await locker.query('lock table models in access exclusive mode');
      [listed, created] = await Promise.all([
        timed(t.gql(MODELS_QUERY, { first: 5 }, as)),
        timed(t.gql(CREATE_MODEL, { input: burstInput(runId, 0) }, as)),
      ]);
    } finally {
      await locker.query('rollback').catch(() => undefined);
    }

    expectRetryable(listed, 'models', 3_000);
    expectRetryable(created, 'createModel', 3_000);
    expect(errorCodesOf(listed.body)).toEqual(['TIMEOUT']);
    expect(errorCodesOf(created.body)).toEqual(['TIMEOUT']);
    // It was the statement timeout that ended them, not something sooner.
    expect(listed.elapsedMs).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
    expect(listed.headers.get('retry-after')).toBe('1');

    // The cancelled insert left nothing behind; with the lock gone the same create succeeds.
    const { rows } = await locker.query('select count(*)::int as n from models where organization_id = $1', [tenant.organizationId]);
    expect(rows[0].n).toBe(0);
    await untilOk('the create once the lock is released', () => t.gql(CREATE_MODEL, { input: burstInput(runId, 0) }, as));
    const after = await untilOk('models once the lock is released', () => t.gql(MODELS_QUERY, { first: 5 }, as));
    expect(after.body.data?.models.totalCount).toBe(1);
  });
});

describe.skipIf(!reachable)('the database stops answering in the middle of a request (network partition)', () => {
  it('ends the request as TIMEOUT or SERVICE_UNAVAILABLE within a bounded time instead of hanging', async () => {
    const proxy = await startTcpProxy();
    proxies.push(proxy);
    const t = await createShortTimeoutApp({
      DATABASE_URL: proxy.postgresUrl(),
      DATABASE_POOL_SIZE: '2',
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
    });
    const tenant = await t.newTenant();
    const as = { token: tenant.token, project: tenant.projectId };
    await untilOk('a first models query', () => t.gql(MODELS_QUERY, { first: 1 }, as));

    // No byte gets through any more, but no connection is closed either: statement_timeout, which
    // the server enforces, can no longer help; only a client-side bound can.
    proxy.pause();
    const bound = 5_000;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), bound);
    });
    const started = performance.now();
    const outcome = await Promise.race([t.gql(MODELS_QUERY, { first: 5 }, as), hung]).finally(() => clearTimeout(timer));
    const elapsedMs = performance.now() - started;
    expect(
      outcome,
      `a models query whose database connection stopped answering had no answer after ${bound} ms ` +
        `(statement timeout ${STATEMENT_TIMEOUT_MS} ms, connect timeout 1000 ms): the request hangs`,
    ).not.toBe('hung');
    if (outcome !== 'hung') expectRetryable({ ...outcome, elapsedMs }, 'models', bound);

    proxy.resume();
    await untilOk('models once the network is back', () => t.gql(MODELS_QUERY, { first: 5 }, as));
  });
});

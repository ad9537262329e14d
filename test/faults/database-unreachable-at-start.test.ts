import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  burstInput,
  CREATE_MODEL,
  errorCodesOf,
  getProbe,
  MODELS_QUERY,
  newTenant,
  POSTGRES_MODE,
  postGraphql,
  postgresReachable,
  serverEnv,
  waitFor,
} from '../helpers/fault-support.ts';
import { type ServerProcess, killAllServers, startServer } from '../helpers/server-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The real process (src/main.ts) started while its database cannot be reached. Spawning a server
 * is slow, so this runs once: in the PostgreSQL pass of the suite (DATABASE_URL set).
 */
const reachable = POSTGRES_MODE && (await postgresReachable());

let proxy: TcpProxy | undefined;
let server: ServerProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await killAllServers();
  await proxy?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!reachable)('starting while the database is unreachable', () => {
  it('serves /healthz at once, answers /readyz 503 and queries SERVICE_UNAVAILABLE until the database is back, then becomes ready without a restart', async () => {
    proxy = await startTcpProxy();
    await proxy.cut();
    const { env, jwtSecret } = await serverEnv({
      DATABASE_URL: proxy.postgresUrl(),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
    });
    dataDir = env.DATA_DIR;
    server = await startServer(env);
    const tenant = await newTenant(jwtSecret);

    const health = await getProbe(server.url, '/healthz');
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });

    const notReady = await getProbe(server.url, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ status: 'unavailable', ready: false, database: 'down', migrations: 'pending', draining: false });

    // A query neither hangs nor fails as a bug: it is "try again later".
    const refused = await postGraphql(server.url, MODELS_QUERY, { first: 5 }, tenant, 10_000);
    expect(refused.status, refused.text).toBe(503);
    expect(errorCodesOf(refused.body), refused.text).toEqual(['SERVICE_UNAVAILABLE']);
    expect(refused.body.data?.models ?? null).toBeNull();
    expect(refused.elapsedMs).toBeLessThan(5_000);
    expect(refused.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\bat \//);

    const refusedCreate = await postGraphql(server.url, CREATE_MODEL, { input: burstInput(randomUUID().slice(0, 8), 0) }, tenant);
    expect(errorCodesOf(refusedCreate.body), refusedCreate.text).toEqual(['SERVICE_UNAVAILABLE']);

    // Still not ready a little later (the background retry keeps failing), and still alive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await getProbe(server.url, '/readyz')).status).toBe(503);
    expect(server.running()).toBe(true);

    await proxy.restore();
    const restoredAt = Date.now();
    const ready = await waitFor(
      '/readyz to answer 200 after the database came back',
      async () => {
        const probe = await getProbe(server!.url, '/readyz');
        return probe.status === 200 ? probe : undefined;
      },
      8_000,
      200,
    );
    expect(ready.body).toEqual({ status: 'ready', ready: true, database: 'up', migrations: 'applied', draining: false });
    expect(Date.now() - restoredAt).toBeLessThan(8_000);

    const listed = await postGraphql(server.url, MODELS_QUERY, { first: 5 }, tenant);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.errors, listed.text).toBeUndefined();
    expect(listed.body.data.models.totalCount).toBe(0);

    const created = await postGraphql(server.url, CREATE_MODEL, { input: burstInput(randomUUID().slice(0, 8), 1) }, tenant);
    expect(created.body.errors, created.text).toBeUndefined();
    expect(created.body.data.createModel.model.id).toEqual(expect.any(String));

    // The same process all along.
    expect(server.running()).toBe(true);
    expect(server.output.join('\n')).toContain('database ready');
  });
});

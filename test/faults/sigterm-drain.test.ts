import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  burstInput,
  CREATE_MODEL,
  directClient,
  getProbe,
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
 * SIGTERM to the real process while a request is in flight. The request is held in flight by
 * pausing the TCP proxy between the pool and PostgreSQL. Runs in the PostgreSQL pass only.
 */
const reachable = POSTGRES_MODE && (await postgresReachable());

const proxies: TcpProxy[] = [];
const dataDirs: string[] = [];

afterEach(async () => {
  await killAllServers();
  for (const proxy of proxies.splice(0)) await proxy.close();
});
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function readyServer(extra: Record<string, string>) {
  const proxy = await startTcpProxy();
  proxies.push(proxy);
  const { env, jwtSecret } = await serverEnv({ DATABASE_URL: proxy.postgresUrl(), ...extra });
  dataDirs.push(env.DATA_DIR as string);
  const server = await startServer(env);
  await waitFor('the server to be ready', async () => ((await getProbe(server.url, '/readyz')).status === 200 ? true : undefined));
  return { proxy, server, exited: server.exited, tenant: await newTenant(jwtSecret) };
}

/** Resolves when the process has logged that it is shutting down. */
function shuttingDown(server: ServerProcess) {
  return waitFor('the "shutting down" log line', async () => (server.output.some((line) => line.includes('shutting down')) ? true : undefined), 5_000, 20);
}

describe.skipIf(!reachable)('SIGTERM while a request is in flight', () => {
  it('stops taking new requests, finishes the one in flight, closes the pool and exits 0 with "stopped"', async () => {
    const { proxy, server, exited, tenant } = await readyServer({});
    const runId = randomUUID().slice(0, 8);

    proxy.pause();
    const inFlight = postGraphql(server.url, CREATE_MODEL, { input: burstInput(runId, 0) }, tenant, 20_000);
    // The insert has left the gateway and is held at the proxy.
    await waitFor('the insert to reach the proxy', async () => (proxy.heldBytes() > 0 ? true : undefined), 5_000, 20);

    server.child.kill('SIGTERM');
    await shuttingDown(server);
    expect(server.running(), 'still running while a request is in flight').toBe(true);

    // A new client is turned away: the port no longer accepts, or /readyz says 503.
    const probe = await getProbe(server.url, '/readyz', 3_000).then(
      (response) => ({ refused: false as const, response }),
      (error: unknown) => ({ refused: true as const, error }),
    );
    if (probe.refused) {
      expect(String((probe.error as Error).cause ?? probe.error)).toMatch(/ECONNREFUSED|ECONNRESET|other side closed|socket/i);
    } else {
      expect(probe.response.status).toBe(503);
      expect(probe.response.body).toMatchObject({ status: 'unavailable', draining: true });
    }

    proxy.resume();
    const answered = await inFlight;
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body.errors, answered.text).toBeUndefined();
    const model = answered.body.data.createModel.model;
    expect(model.resourceUri).toBe(`fault-${runId}-0`);

    const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    expect(exit, server.output.slice(-5).join('\n')).toMatchObject({ code: 0, signal: null });
    expect(server.output.join('\n')).toContain('"msg":"stopped"');

    // What it acknowledged while draining is stored.
    const direct = await directClient();
    try {
      const { rows } = await direct.query('select count(*)::int as n from models where organization_id = $1 and resource_uri = $2', [
        tenant.organizationId,
        model.resourceUri,
      ]);
      expect(rows[0].n).toBe(1);
    } finally {
      await direct.end();
    }
  });

  it('waits for a request whose client already hung up, so its resolvers never meet a closed pool', async () => {
    const { proxy, server, exited, tenant } = await readyServer({});
    proxy.pause();
    const client = new AbortController();
    const abandoned = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.token}` },
      // the page query is held at the proxy; totalCount asks the database again after it returns
      body: JSON.stringify({ query: '{ models(first: 5) { totalCount nodes { id } } }' }),
      signal: client.signal,
    }).catch(() => 'aborted');
    await waitFor('the page query to reach the proxy', async () => (proxy.heldBytes() > 0 ? true : undefined), 5_000, 20);
    client.abort();
    expect(await abandoned).toBe('aborted');

    server.child.kill('SIGTERM');
    await shuttingDown(server);
    // The handler is still running although its client is gone.
    expect(server.output.find((line) => line.includes('shutting down'))).toContain('"inFlight":1');
    proxy.resume();

    const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    expect(exit, server.output.slice(-5).join('\n')).toMatchObject({ code: 0, signal: null });
    expect(server.output.join('\n')).not.toMatch(/destroyed|unexpected error/i);
  });

  it('still exits on its own, soon after SHUTDOWN_TIMEOUT_MS, when the request in flight never finishes', async () => {
    const { proxy, server, exited, tenant } = await readyServer({ SHUTDOWN_TIMEOUT_MS: '1000' });

    proxy.pause();
    const inFlight = postGraphql(server.url, CREATE_MODEL, { input: burstInput(randomUUID().slice(0, 8), 0) }, tenant, 20_000).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
    await waitFor('the insert to reach the proxy', async () => (proxy.heldBytes() > 0 ? true : undefined), 5_000, 20);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const bound = 5_000;
    const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), bound))]);
    expect(
      exit,
      `the process did not exit within ${bound} ms of SIGTERM with SHUTDOWN_TIMEOUT_MS=1000 while its database stopped answering; ` +
        `last log lines:\n${server.output.slice(-4).join('\n')}`,
    ).not.toBe('still running');
    if (exit !== 'still running') {
      // It ended itself (no signal was needed) after waiting out the shutdown timeout.
      expect(exit.signal).toBeNull();
      expect(typeof exit.code).toBe('number');
      expect(exit.at - signalledAt).toBeGreaterThanOrEqual(900);
      expect(server.output.join('\n')).toContain('shutdown timeout reached');
    }
    // The abandoned request ends one way or another (its connection is closed): the client is not left hanging.
    const abandoned = await inFlight;
    if ('response' in abandoned) expect(abandoned.response.status).not.toBe(200);
  });
});

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  burstInput,
  CREATE_MODEL,
  directClient,
  type FaultTenant,
  getProbe,
  MODELS_QUERY,
  newTenant,
  POSTGRES_DIRECT_URL,
  POSTGRES_MODE,
  postGraphql,
  postgresReachable,
  runBurst,
  serverEnv,
  waitFor,
} from '../helpers/fault-support.ts';
import { killAllServers, startServer } from '../helpers/server-process.ts';

/**
 * The real process is killed with SIGKILL in the middle of a burst of creates, then started again
 * on the same database: every create that was answered with success must still be there, once.
 * Against PostgreSQL in the PostgreSQL pass of the suite, against PGlite on disk in the other.
 */
const TOTAL = 300;
const CONCURRENCY = 20;
const KILL_AFTER_ACKS = 100;

const dataDirs: string[] = [];

afterAll(async () => {
  await killAllServers();
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

/** Every model of the tenant through the API, as resourceUri -> global ids (more than one would be a duplicate). */
async function listAll(url: string, tenant: FaultTenant): Promise<{ byUri: Map<string, string[]>; totalCount: number }> {
  const byUri = new Map<string, string[]>();
  let after: string | undefined;
  let totalCount = -1;
  for (let page = 0; page < 20; page++) {
    const response = await postGraphql(url, MODELS_QUERY, { first: 100, ...(after ? { after } : {}) }, tenant);
    expect(response.body.errors, response.text).toBeUndefined();
    const connection = response.body.data.models;
    totalCount = connection.totalCount;
    for (const node of connection.nodes as Array<{ id: string; resourceUri: string }>) {
      byUri.set(node.resourceUri, [...(byUri.get(node.resourceUri) ?? []), node.id]);
    }
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { byUri, totalCount };
}

async function killDuringBurst(baseEnv: Record<string, string>, jwtSecret: string) {
  const server = await startServer(baseEnv, 45_000);
  const tenant = await newTenant(jwtSecret);
  const runId = randomUUID().slice(0, 8);
  const acknowledged = new Map<string, string>();
  let killed = false;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  const results = await runBurst(TOTAL, CONCURRENCY, async (index) => {
    if (killed) throw new Error('not sent: the server was killed');
    const response = await postGraphql(server.url, CREATE_MODEL, { input: burstInput(runId, index) }, tenant, 20_000);
    const model = response.body?.data?.createModel?.model;
    if (response.status === 200 && !response.body.errors && model) {
      acknowledged.set(model.resourceUri, model.id);
      if (acknowledged.size === KILL_AFTER_ACKS && !killed) {
        killed = true;
        exited = server.stop('SIGKILL');
      }
    }
    return response;
  });
  expect(killed, `the server was killed after ${KILL_AFTER_ACKS} acknowledged creates`).toBe(true);
  expect(await exited).toMatchObject({ code: null, signal: 'SIGKILL' });
  // Nothing of the killed process is left listening.
  await expect(fetch(new URL('/healthz', server.url))).rejects.toThrow();

  // Before the kill every request succeeded; after it, none could be answered.
  const answeredWithError = results.filter(
    (result) => result.status === 'fulfilled' && (result.value.status !== 200 || result.value.body?.errors),
  );
  expect(answeredWithError.map((result) => (result.status === 'fulfilled' ? result.value.text : '')), 'no create failed before the kill').toEqual([]);
  const unanswered = results.filter((result) => result.status === 'rejected').length;
  expect(unanswered, 'some creates were cut off by the kill').toBeGreaterThan(0);

  const restarted = await startServer(baseEnv, 45_000);
  await waitFor('the restarted server to be ready', async () => ((await getProbe(restarted.url, '/readyz')).status === 200 ? true : undefined), 15_000);
  const { byUri, totalCount } = await listAll(restarted.url, tenant);

  const missing = [...acknowledged.keys()].filter((uri) => !byUri.has(uri));
  const duplicated = [...byUri.entries()].filter(([, ids]) => ids.length > 1).map(([uri]) => uri);
  const changed = [...acknowledged.entries()].filter(([uri, id]) => byUri.has(uri) && byUri.get(uri)?.[0] !== id).map(([uri]) => uri);
  const evidence =
    `${acknowledged.size} acknowledged, ${byUri.size} found after restart (totalCount ${totalCount}), ` +
    `${unanswered} unanswered; missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`;
  console.info(`SIGKILL during a burst (${baseEnv.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): ${evidence}`);
  expect(missing, `acknowledged creates lost by the SIGKILL: ${evidence}`).toEqual([]);
  expect(changed, `acknowledged creates stored under another id: ${evidence}`).toEqual([]);
  expect(duplicated, `models listed twice: ${evidence}`).toEqual([]);
  expect(totalCount, evidence).toBe(byUri.size);
  // At most the requests that were sent are there (some unanswered ones may have committed).
  expect(byUri.size, evidence).toBeLessThanOrEqual(acknowledged.size + unanswered);

  // The restarted server takes new creates.
  const created = await postGraphql(restarted.url, CREATE_MODEL, { input: burstInput(runId, TOTAL) }, tenant);
  expect(created.body.errors, created.text).toBeUndefined();
  expect(await restarted.stop('SIGTERM')).toMatchObject({ code: 0 });
  return { tenant, acknowledged, byUri };
}

const postgresReady = POSTGRES_MODE && (await postgresReachable());

describe.skipIf(!postgresReady)('SIGKILL during a burst of creates, on PostgreSQL', () => {
  it('keeps every acknowledged model after a restart, none twice', async () => {
    const { env, jwtSecret } = await serverEnv({ DATABASE_URL: POSTGRES_DIRECT_URL });
    dataDirs.push(env.DATA_DIR as string);
    const { tenant, acknowledged } = await killDuringBurst(env, jwtSecret);

    const direct = await directClient();
    try {
      const { rows } = await direct.query(
        'select resource_uri, count(*)::int as n from models where organization_id = $1 and project_id = $2 group by resource_uri',
        [tenant.organizationId, tenant.projectId],
      );
      const stored = new Map(rows.map((row) => [row.resource_uri as string, row.n as number]));
      for (const uri of acknowledged.keys()) expect(stored.get(uri), uri).toBe(1);
      expect(rows.every((row) => row.n === 1)).toBe(true);
    } finally {
      await direct.end();
    }
  }, 120_000);
});

describe.skipIf(POSTGRES_MODE)('SIGKILL during a burst of creates, on PGlite on disk', () => {
  it('keeps every acknowledged model after a restart, none twice', async () => {
    // DATABASE_URL '' = unset: the embedded PGlite in DATA_DIR/pgdata.
    const { env, jwtSecret } = await serverEnv({ DATABASE_URL: '' });
    dataDirs.push(env.DATA_DIR as string);
    await killDuringBurst(env, jwtSecret);
  }, 120_000);
});

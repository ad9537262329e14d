import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { type LoadResult, runLoad } from './load.ts';
import { parseOptions, USAGE } from './options.ts';
import { machineInfo, redactUrl } from './machine.ts';
import { checkPlans, printExplain } from './plan-checks.ts';
import {
  mb,
  ms,
  ratio,
  type PairName,
  type ServerName,
  summarize,
  targetTable,
  type WorkloadOutcome,
  workloadTable,
} from './report.ts';
import { HOT_TENANT, removeWriterRows, seed, WRITER_SUB } from './seed.ts';
import { cpuTimeOf, memoryOf, productionCommand, REPO_ROOT, RssSampler, type ServerProcess, freePort, startServer } from './servers.ts';
import { captureGatewaySql, type Vars, W3_SEARCH } from './sql.ts';
import { evaluateTargets } from './targets.ts';
import { buildGateway, gatewayEnv, gatewayHeaders } from './gateway.ts';
import { workloadData } from './workload-data.ts';
import {
  bodyFactory,
  checkAnswer,
  comparable,
  DESCRIPTIONS,
  DOCUMENTS,
  variablesFor,
  type WorkloadId,
} from './workloads.ts';

/**
 * `npm run bench`: seeds the bench database, starts the gateway (production mode, its own
 * process), the baseline (bench/baseline-server.ts) and the Yoga floor (bench/yoga-floor-server.ts)
 * side by side, checks every workload's answer on each, then measures each workload with
 * autocannon, every server once per round for a number of rounds, and prints medians, ratios and
 * the issue's targets. See bench/README.md.
 */

const benchStarted = performance.now();
const log = (line: string) => console.log(line);
/** A progress line, prefixed with the seconds since the bench started. */
const progress = (line: string) => console.log(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${line}`);
/** Share of bad responses (non-2xx, GraphQL errors, socket errors) above which a workload fails. */
const MAX_BAD_SHARE = 0.001;
/** The short warm-up before rounds 2, 3, …: this many requests per connection. */
const WARMUP_REQUESTS_PER_CONNECTION = 10;

const cleanups: Array<() => Promise<void>> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the servers…`);
    void cleanUp().then(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2), process.env);
  if (parsed === 'help') {
    log(USAGE);
    return 0;
  }
  const options = parsed;
  const started = Date.now();
  const startedAt = new Date(started);
  log(
    `bench: ${options.rows.toLocaleString('en-US')} rows, ${options.duration} s × ${options.rounds} rounds per server and workload, ` +
      `${options.connections} connections, pool ${options.pool}, workloads ${options.workloads.join(',')}`,
  );

  // ── database: create, migrate, seed ─────────────────────────────────────────────────────────
  await ensureDatabase(options.databaseUrl);
  const migrator = createDatabase({
    kind: 'postgres',
    url: options.databaseUrl,
    poolSize: 1,
    statementTimeoutMs: 600_000,
    connectTimeoutMs: 10_000,
  });
  try {
    await migrateToLatest(migrator);
  } finally {
    await migrator.destroy();
  }
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  cleanups.push(() => client.end());

  const seedInfo = await seed(client, options.rows, { reseed: options.reseed, log: progress });
  progress(
    seedInfo.reused
      ? `seed: reusing ${seedInfo.rows.toLocaleString('en-US')} rows already there (--reseed to force)`
      : `seed: ${seedInfo.rows.toLocaleString('en-US')} rows in ${seedInfo.seconds.toFixed(1)} s`,
  );

  // ── what the workloads need to know about the data ─────────────────────────────────────────
  const secretsKey = randomBytes(32).toString('base64');
  const jwtSecret = randomBytes(48).toString('base64url');
  const statements = await captureGatewaySql();
  const data = await workloadData(client, seedInfo.hotRows, secretsKey);
  const tenantVars: Vars = { org: HOT_TENANT.organizationId, project: HOT_TENANT.projectId };
  const planChecks = await checkPlans(client, statements, data, tenantVars);
  if (options.explain) await printExplain(client, statements, data, tenantVars);

  // ── the two servers ─────────────────────────────────────────────────────────────────────────
  const serverEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_SIZE: String(options.pool),
    SECRETS_KEY: secretsKey,
  };
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profileDir = path.join(resultsDir, `cpu-profile-${stamp}`);
  // The floor is profiled beside the gateway: what the gateway spends and the floor does not is its own code.
  const profileFlags = (server: ServerName) =>
    options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, server)] : [];
  // The gateway runs as in production: compiled by `npm run build`, started as `npm run start:prod` starts it.
  progress('building the gateway (npm run build)');
  buildGateway();
  const production = productionCommand();
  const gateway = await startServer({
    name: 'gateway',
    entry: production.entry,
    nodeFlags: [...production.nodeFlags, ...profileFlags('gateway')],
    port: await freePort(),
    env: gatewayEnv(serverEnv, jwtSecret),
    readyPath: '/readyz',
    basePath: '/graphql',
  });
  cleanups.push(() => gateway.stop());
  // The baseline gets the same V8 flags: the garbage-collector settings that spare the gateway
  // CPU spare it too, and the practical limit would otherwise be a lower one.
  const baseline = await startServer({
    name: 'baseline',
    entry: 'bench/baseline-server.ts',
    nodeFlags: production.nodeFlags,
    port: await freePort(),
    env: serverEnv,
    readyPath: '/readyz',
    basePath: '',
  });
  cleanups.push(() => baseline.stop());
  // The Yoga floor: the gateway's schema on Yoga with the baseline's work behind it (see yoga-floor-server.ts).
  const floor = options.floor
    ? await startServer({
        name: 'floor',
        entry: 'bench/yoga-floor-server.ts',
        nodeFlags: [...production.nodeFlags, ...profileFlags('floor')],
        port: await freePort(),
        env: serverEnv,
        readyPath: '/readyz',
        basePath: '/graphql',
      })
    : undefined;
  if (floor) cleanups.push(() => floor.stop());
  progress(
    `gateway ${gateway.url} (pid ${gateway.pid}), baseline ${baseline.url} (pid ${baseline.pid})` +
      (floor ? `, Yoga floor ${floor.url} (pid ${floor.pid})` : ''),
  );

  const headersOfGateway = await gatewayHeaders(jwtSecret);
  const baselineHeaders = {
    'content-type': 'application/json',
    'x-org-id': HOT_TENANT.organizationId,
    'x-project-id': HOT_TENANT.projectId,
    'x-user-id': WRITER_SUB,
  };
  const targets: Record<ServerName, (id: WorkloadId) => { url: string; headers: Record<string, string> }> = {
    gateway: () => ({ url: gateway.url, headers: headersOfGateway }),
    baseline: (id) => ({ url: `${baseline.url}/${id.toLowerCase()}`, headers: baselineHeaders }),
    floor: () => ({ url: floor?.url ?? '', headers: baselineHeaders }),
  };
  const servers: Partial<Record<ServerName, ServerProcess>> = { gateway, baseline, ...(floor ? { floor } : {}) };
  const measured = Object.keys(servers) as ServerName[];
  const sampler = new RssSampler(Object.values(servers));
  cleanups.push(async () => sampler.stop());

  // ── the workloads ───────────────────────────────────────────────────────────────────────────
  const outcomes: WorkloadOutcome[] = [];
  const warmup = Math.min(3, Math.max(0.5, options.duration / 5));
  // W5 writes; it runs last so that the reads see exactly the seeded data.
  const order = [...options.workloads].sort((a, b) => Number(a === 'W5') - Number(b === 'W5'));
  // The gateway's JIT needs a while before its figures settle: warm every server up on every read
  // workload first (W5 gets its warm-up right before it is measured, as it writes).
  for (const name of measured) {
    for (const id of order.filter((id) => id !== 'W5')) {
      await runLoad(
        { ...targets[name](id), body: bodyFactory(id, data, 'warm'), fixedBody: id !== 'W6' },
        { seconds: warmup, connections: options.connections },
      );
    }
  }
  progress(`warmed up: ${warmup} s per read workload on each server`);
  for (const id of order) {
    if (interrupted) break;
    const outcome: WorkloadOutcome = {
      id,
      description:
        id === 'W4' ? `page after ${data.deepOffset.toLocaleString('en-US')} rows (cursor), totalCount` : DESCRIPTIONS[id],
      check: { ok: true, problems: [], bytes: {} },
      measurements: { gateway: [], baseline: [], ...(floor ? { floor: [] } : {}) },
    };
    outcomes.push(outcome);

    // Correctness first: one request to each server, answer checked and compared.
    const answers: Partial<Record<ServerName, unknown>> = {};
    for (const name of measured) {
      const variables = variablesFor(id, data);
      const target = targets[name](id);
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: target.headers,
          body: JSON.stringify({ query: DOCUMENTS[id], variables }),
        });
        const text = await response.text();
        outcome.check.bytes[name] = Buffer.byteLength(text);
        if (response.status !== 200) {
          outcome.check.problems.push(`${name}: HTTP ${response.status}: ${text.slice(0, 300)}`);
          continue;
        }
        const body = JSON.parse(text) as unknown;
        answers[name] = body;
        outcome.check.problems.push(...checkAnswer(id, body, variables, data).map((problem) => `${name}: ${problem}`));
      } catch (error) {
        outcome.check.problems.push(`${name}: ${(error as Error).message}`);
      }
    }
    for (const name of measured.filter((name) => name !== 'baseline')) {
      if (outcome.check.problems.length === 0 && !isDeepStrictEqual(comparable(id, answers[name]), comparable(id, answers.baseline))) {
        outcome.check.problems.push(`the ${name} and the baseline answered differently`);
      }
    }
    outcome.check.ok = outcome.check.problems.length === 0;
    if (!outcome.check.ok) {
      progress(`${id}: FAILED its correctness check, not measured:\n  ${outcome.check.problems.join('\n  ')}`);
      continue;
    }
    progress(`${id} ${outcome.description} — answers checked (${measured.map((name) => outcome.check.bytes[name]).join(' / ')} bytes)`);

    for (let round = 1; round <= options.rounds && !interrupted; round++) {
      // Odd rounds gateway first, even rounds gateway last.
      const sequence = round % 2 === 1 ? measured : [...measured].reverse();
      for (const [index, name] of sequence.entries()) {
        const target = targets[name](id);
        const tag = `${name[0]}${round}-${randomBytes(3).toString('hex')}`;
        // A short warm-up reopens the pool connections that went idle while the other server was
        // measured; W5's first one also warms its code paths up (JIT).
        await runLoad(
          { ...target, body: bodyFactory(id, data, `${tag}-warm`), fixedBody: !['W5', 'W6'].includes(id) },
          round === 1 && id === 'W5'
            ? { seconds: warmup, connections: options.connections }
            : { seconds: warmup, connections: options.connections, amount: options.connections * WARMUP_REQUESTS_PER_CONNECTION },
        );
        sampler.measure(`${id}:${round}`);
        const server = servers[name] as ServerProcess;
        const cpuBefore = cpuTimeOf(server.pid);
        const result = await runLoad(
          { ...target, body: bodyFactory(id, data, tag), fixedBody: !['W5', 'W6'].includes(id) },
          { seconds: options.duration, connections: options.connections },
        );
        sampler.measure(undefined);
        const cpuAfter = cpuTimeOf(server.pid);
        const cpuMsPerRequest = cpuBefore !== null && cpuAfter !== null && result.requests > 0 ? (cpuAfter - cpuBefore) / result.requests : null;
        const peakRss = sampler.peaks.get(`${server.name}:${id}:${round}`) ?? null;
        (outcome.measurements[name] ??= []).push({ round, position: index + 1, result, peakRss, cpuMsPerRequest });
        progress(`  round ${round} ${name.padEnd(8)} ${describe(result)}  CPU ${ms(cpuMsPerRequest ?? NaN)} ms/req  RSS ${mb(peakRss)}`);
      }
    }
    if (outcome.measurements.gateway.length > 0 && outcome.measurements.baseline.length > 0) {
      const gatewaySummary = summarize(outcome.measurements.gateway);
      const baselineSummary = summarize(outcome.measurements.baseline);
      const floorSummary = outcome.measurements.floor?.length ? summarize(outcome.measurements.floor) : undefined;
      outcome.summary = {
        gateway: gatewaySummary,
        baseline: baselineSummary,
        throughputRatio: gatewaySummary.requestsPerSecond / baselineSummary.requestsPerSecond,
        ...(floorSummary
          ? { floor: floorSummary, floorRatio: floorSummary.requestsPerSecond / baselineSummary.requestsPerSecond }
          : {}),
      };
    }
    if (id === 'W3' && !interrupted) {
      // p99 at 16 connections is mostly queueing; one connection shows what a search costs.
      const single: Partial<Record<PairName, LoadResult>> = {};
      for (const name of ['gateway', 'baseline'] as const) {
        const target = { ...targets[name](id), body: bodyFactory(id, data, 'single'), fixedBody: true };
        await runLoad(target, { seconds: 1, connections: 1, amount: 50 });
        single[name] = await runLoad(target, { seconds: Math.max(1, options.duration / 2), connections: 1 });
        progress(`  1 connection ${name.padEnd(8)} ${describe(single[name])}`);
      }
      outcome.singleConnection = single as Record<PairName, LoadResult>;
    }
    if (id === 'W5') {
      const removed = await removeWriterRows(client);
      // Dead rows out of the indexes; no ANALYZE, so the next run plans with the seed's statistics.
      await client.query('vacuum models');
      progress(`  removed the ${removed.toLocaleString('en-US')} models W5 created`);
    }
  }

  // ── memory, shutdown ────────────────────────────────────────────────────────────────────────
  sampler.stop();
  const memory = {
    gateway: { peakRssUnderLoad: sampler.peaks.get('gateway') ?? null, vmHwm: memoryOf(gateway.pid)?.hwm ?? null },
    baseline: { peakRssUnderLoad: sampler.peaks.get('baseline') ?? null, vmHwm: memoryOf(baseline.pid)?.hwm ?? null },
    ...(floor ? { floor: { peakRssUnderLoad: sampler.peaks.get('floor') ?? null, vmHwm: memoryOf(floor.pid)?.hwm ?? null } } : {}),
  };
  const machine = await machineInfo(client);
  await cleanUp();

  // ── report ──────────────────────────────────────────────────────────────────────────────────
  outcomes.sort((a, b) => a.id.localeCompare(b.id));
  const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  const w1 = byId.get('W1')?.summary;
  const w4 = byId.get('W4')?.summary;
  const w4OverW1 = {
    gateway: w1 && w4 ? w4.gateway.p50 / w1.gateway.p50 : NaN,
    baseline: w1 && w4 ? w4.baseline.p50 / w1.baseline.p50 : NaN,
  };
  const targetList = evaluateTargets(byId, w4OverW1, memory, planChecks, data, options.connections);

  log('');
  log(`Results: medians of ${options.rounds} round(s) of ${options.duration} s, ${options.connections} connections; latency in ms`);
  log(workloadTable(outcomes));
  log('');
  log(
    `W4/W1 p50: gateway ${ratio(w4OverW1.gateway)}, baseline ${ratio(w4OverW1.baseline)}` +
      ` (W4 reads the page after ${data.deepOffset.toLocaleString('en-US')} rows)`,
  );
  log(
    `peak RSS under load: gateway ${mb(memory.gateway.peakRssUnderLoad)} (VmHWM ${mb(memory.gateway.vmHwm)}), ` +
      `baseline ${mb(memory.baseline.peakRssUnderLoad)} (VmHWM ${mb(memory.baseline.vmHwm)})` +
      (memory.floor ? `, Yoga floor ${mb(memory.floor.peakRssUnderLoad)} (VmHWM ${mb(memory.floor.vmHwm)})` : ''),
  );
  log('');
  log(targetTable(targetList));
  if (options.rows < 1_000_000) log(`(the targets are set at 1,000,000 rows; at ${options.rows.toLocaleString('en-US')} the marks only show the bench works)`);

  const failures = [
    ...outcomes.filter((outcome) => !outcome.check.ok).map((outcome) => `${outcome.id}: failed its correctness check`),
    ...outcomes.flatMap((outcome) =>
      measured
        .filter((name) => {
          const summary = outcome.summary?.[name];
          return summary && summary.badResponses > summary.requests * MAX_BAD_SHARE;
        })
        .map((name) => `${outcome.id}: ${outcome.summary?.[name]?.badResponses} bad responses from the ${name} during the runs`),
    ),
    ...options.workloads
      .filter((id) => !byId.get(id)?.summary && byId.get(id)?.check.ok !== false)
      .map((id) => `${id}: not measured`),
  ];

  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${stamp}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - started) / 1000,
    options: { ...options, databaseUrl: redactUrl(options.databaseUrl), warmupSeconds: warmup },
    machine,
    seed: seedInfo,
    data: { hotRows: data.hotRows, deepOffset: data.deepOffset, w6Uris: data.uris.length, w3Search: W3_SEARCH },
    sql: Object.fromEntries(Object.entries(statements).map(([name, statement]) => [name, statement.sql])),
    plans: planChecks,
    workloads: outcomes,
    w4OverW1P50: w4OverW1,
    memory,
    targets: targetList,
    failures,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log('');
  log(`written to ${path.relative(process.cwd(), file)}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (options.cpuProf) log(`CPU profiles of the gateway${floor ? ' and the Yoga floor' : ''} (open in Chrome DevTools): ${path.relative(process.cwd(), profileDir)}/`);
  if (failures.length > 0) {
    log(`\nFAILED:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

function describe(result: LoadResult): string {
  const bad = result.non2xx + result.errorBodies + result.connectionErrors + result.timeouts;
  return (
    `${Math.round(result.requestsPerSecond).toLocaleString('en-US').padStart(6)} req/s  p50 ${ms(result.p50).padStart(5)}  ` +
    `p99 ${ms(result.p99).padStart(5)} ms  (${result.requests.toLocaleString('en-US')} requests${bad ? `, ${bad} bad` : ''})`
  );
}


async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  if (name === 'test') throw new Error('the bench seeds and truncates its database; it refuses to use "test" (the test suite’s)');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database "${name.replace(/"/g, '""')}"`);
      progress(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    await cleanUp();
    process.exit(1);
  });

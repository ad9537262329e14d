import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildGateway, gatewayEnv, gatewayHeaders } from './gateway.ts';
import { type LoadResult, runLoad } from './load.ts';
import { int, median } from './report.ts';
import { cpuTimeOf, freePort, productionCommand, REPO_ROOT, type ServerProcess, startServer } from './servers.ts';
import { workloadData } from './workload-data.ts';
import { bodyFactory, DESCRIPTIONS, DOCUMENTS, variablesFor, WORKLOAD_IDS, type WorkloadId } from './workloads.ts';

/**
 * `npm run bench:compare`: two builds of the gateway side by side on the bench database, to tell
 * whether a change to the gateway's own code moves its CPU per request. A difference of a few
 * percent is lost between two full bench runs; here both builds run in the same minutes, in
 * alternating order (A then B, B then A, …), and what is compared is the median CPU time per
 * request of each server process, the steadiest figure on a shared machine.
 */

const USAGE = `npm run bench:compare -- --a <entry.js> [options]

  --a FILE            the build to compare against: a dist/src/main.js built from another commit
  --b FILE            the other build (default: this checkout, built now with npm run build)
  --workloads W2,W6   read workloads to measure (default W2,W6; W5 writes and is not offered)
  --rounds R          A/B alternations per workload (default 6)
  --duration S        seconds per measurement (default 5)
  --connections C     concurrent connections (default 16, to each build)
  --together          load both builds at the same time in every round instead of one after the
                      other: a slowdown of the machine then hits both alike (each gets about half
                      of what it would alone, so compare CPU per request, not throughput)

Both builds run as the bench's gateway does (start:prod's node flags, NODE_ENV=production, request
logs off), against the data \`npm run bench\` seeded: run that once first. Both run the migrations
at start, so they must share them. A build of another commit, for example:

  git worktree add /tmp/gateway-a <commit> && ln -s "$PWD/node_modules" /tmp/gateway-a/
  (cd /tmp/gateway-a && npx tsc -p tsconfig.build.json)
  npm run bench:compare -- --a /tmp/gateway-a/dist/src/main.js

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/gateway_bench.`;

const READ_WORKLOADS = WORKLOAD_IDS.filter((id) => id !== 'W5');

interface CompareOptions {
  a: string;
  b: string | null;
  workloads: WorkloadId[];
  rounds: number;
  duration: number;
  connections: number;
  together: boolean;
  databaseUrl: string;
}

function parseOptions(argv: string[]): CompareOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      workloads: { type: 'string', default: 'W2,W6' },
      rounds: { type: 'string', default: '6' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '16' },
      together: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  if (!values.a) throw new Error('--a <entry.js> is required');
  const positive = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, not "${text}"`);
    return value;
  };
  const workloads = values.workloads.split(',').map((id) => id.trim().toUpperCase());
  for (const id of workloads) {
    if (!(READ_WORKLOADS as readonly string[]).includes(id)) {
      throw new Error(`--workloads takes ${READ_WORKLOADS.join(', ')}, not "${id}"`);
    }
  }
  return {
    a: path.resolve(values.a),
    b: values.b ? path.resolve(values.b) : null,
    workloads: workloads as WorkloadId[],
    rounds: positive('rounds', values.rounds),
    duration: positive('duration', values.duration),
    connections: positive('connections', values.connections),
    together: values.together,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gateway_bench',
  };
}

async function seededHotRows(databaseUrl: string): Promise<{ client: pg.Client; hotRows: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const seeded = await client
    .query<{ hot_rows: string }>('select hot_rows from bench_seed')
    .catch(() => ({ rows: [] as { hot_rows: string }[] }));
  const hotRows = Number(seeded.rows[0]?.hot_rows ?? 0);
  if (hotRows === 0) {
    await client.end();
    throw new Error(`no bench data in ${databaseUrl}: run npm run bench first`);
  }
  return { client, hotRows };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { client, hotRows } = await seededHotRows(options.databaseUrl);
  const secretsKey = randomBytes(32).toString('base64');
  const jwtSecret = randomBytes(48).toString('base64url');
  let data;
  try {
    data = await workloadData(client, hotRows, secretsKey);
  } finally {
    await client.end();
  }

  const production = productionCommand();
  if (!options.b) {
    console.log('building this checkout (npm run build)');
    buildGateway();
  }
  const entries = { A: options.a, B: options.b ?? path.join(REPO_ROOT, production.entry) };
  const env = gatewayEnv({ NODE_ENV: 'production', DATABASE_URL: options.databaseUrl, SECRETS_KEY: secretsKey }, jwtSecret);
  const servers: Partial<Record<'A' | 'B', ServerProcess>> = {};
  try {
    for (const name of ['A', 'B'] as const) {
      servers[name] = await startServer({
        name,
        entry: entries[name],
        nodeFlags: production.nodeFlags,
        port: await freePort(),
        env,
        readyPath: '/readyz',
        basePath: '/graphql',
      });
      console.log(`${name}: ${entries[name]} (pid ${servers[name].pid})`);
    }
    const headers = await gatewayHeaders(jwtSecret);
    const both = servers as Record<'A' | 'B', ServerProcess>;

    for (const id of options.workloads) {
      // The same request to both first: a build that answers differently is not the same program.
      const answers: string[] = [];
      for (const server of [both.A, both.B]) {
        const response = await fetch(server.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ query: DOCUMENTS[id], variables: variablesFor(id, data) }),
        });
        answers.push(`${response.status} ${await response.text()}`);
      }
      const same = answers[0] === answers[1];
      console.log(`\n${id} ${DESCRIPTIONS[id]} — answers ${same ? 'identical' : `DIFFER:\n  A ${answers[0]?.slice(0, 300)}\n  B ${answers[1]?.slice(0, 300)}`}`);

      const target = (server: ServerProcess) => ({ url: server.url, headers, body: bodyFactory(id, data, 'compare'), fixedBody: id !== 'W6' });
      for (const server of [both.A, both.B]) await runLoad(target(server), { seconds: 3, connections: options.connections });
      const cpu: Record<'A' | 'B', number[]> = { A: [], B: [] };
      const rate: Record<'A' | 'B', number[]> = { A: [], B: [] };
      // Loads the named builds at once for one measurement and records each one's figures.
      const measure = async (names: readonly ('A' | 'B')[]) => {
        const before = names.map((name) => cpuTimeOf(both[name].pid));
        const results = await Promise.all(
          names.map((name) => runLoad(target(both[name]), { seconds: options.duration, connections: options.connections })),
        );
        names.forEach((name, index) => {
          const result = results[index] as LoadResult;
          const [start, end] = [before[index], cpuTimeOf(both[name].pid)];
          const bad = result.non2xx + result.errorBodies + result.connectionErrors + result.timeouts;
          if (bad > 0) throw new Error(`${name} answered ${bad} of ${result.requests} ${id} requests badly`);
          if (start != null && end !== null) cpu[name].push((end - start) / result.requests);
          rate[name].push(result.requestsPerSecond);
        });
      };
      for (let round = 0; round < options.rounds; round++) {
        if (options.together) await measure(['A', 'B']);
        else for (const name of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) await measure([name]);
      }
      for (const name of ['A', 'B'] as const) {
        const rounds = cpu[name].map((value) => value.toFixed(3)).join(' ');
        console.log(`  ${name}  ${int(median(rate[name])).padStart(7)} req/s   CPU ${median(cpu[name]).toFixed(3)} ms/req   (rounds: ${rounds})`);
      }
      const ratio = (values: Record<'A' | 'B', number[]>) => (median(values.B) / median(values.A)).toFixed(3);
      console.log(`  B/A  throughput ${ratio(rate)} ×, CPU per request ${ratio(cpu)} ×`);
      // The machine's speed drifts over minutes; the two measurements of one round are seconds
      // apart (or simultaneous, with --together), so their ratio is steadier than that of the medians.
      const paired = cpu.B.map((b, round) => b / (cpu.A[round] as number)).sort((x, y) => x - y);
      if (paired.length > 0) {
        const spread = `${paired[0]?.toFixed(3)}–${paired.at(-1)?.toFixed(3)}`;
        console.log(`  B/A  CPU per request of each alternation: median ${median(paired).toFixed(3)} × (${spread})`);
      }
    }
    return 0;
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

import { parseArgs } from 'node:util';
import { WORKLOAD_IDS, type WorkloadId } from './workloads.ts';

export interface BenchOptions {
  rows: number;
  /** seconds per measurement */
  duration: number;
  connections: number;
  /** A/B alternations per workload */
  rounds: number;
  /** pg pool size of every server */
  pool: number;
  reseed: boolean;
  explain: boolean;
  /** run the gateway and the Yoga floor with --cpu-prof, profiles written under bench/results/ */
  cpuProf: boolean;
  workloads: WorkloadId[];
  /** also measure the Yoga floor (bench/yoga-floor-server.ts) */
  floor: boolean;
  databaseUrl: string;
}

export const USAGE = `npm run bench -- [options]

  --rows N            models to seed, 20 % in the hot project (default 1000000)
  --duration S        seconds per measurement (default 10)
  --connections C     concurrent connections of the load generator (default 16)
  --rounds R          rounds per workload, each measuring every server; medians are reported (default 3)
  --pool P            pg pool size of every server (default 10)
  --workloads W1,W2   which workloads (default all: ${WORKLOAD_IDS.join(',')})
  --reseed            truncate and seed again even if the data matches
  --explain           print EXPLAIN (ANALYZE, BUFFERS) of each workload's SQL
  --cpu-prof          run the gateway and the floor under node --cpu-prof (profiles in bench/results/)
  --without-floor     measure only the gateway and the baseline, not the Yoga floor
  --help

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gateway_bench) is created if missing.`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string', default: '1000000' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      rounds: { type: 'string', default: '3' },
      pool: { type: 'string', default: '10' },
      workloads: { type: 'string', default: WORKLOAD_IDS.join(',') },
      reseed: { type: 'boolean', default: false },
      explain: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'without-floor': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';

  const number = (name: string, text: string, min: number, integer = true) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min} (got "${text}")`);
    }
    return value;
  };
  const workloads = values.workloads
    .split(',')
    .map((id) => id.trim().toUpperCase())
    .filter(Boolean);
  for (const id of workloads) {
    if (!(WORKLOAD_IDS as readonly string[]).includes(id)) throw new Error(`unknown workload ${id} (known: ${WORKLOAD_IDS.join(', ')})`);
  }
  return {
    rows: number('rows', values.rows, 100),
    duration: number('duration', values.duration, 1, false),
    connections: number('connections', values.connections, 1),
    rounds: number('rounds', values.rounds, 1),
    pool: number('pool', values.pool, 1),
    reseed: values.reseed,
    explain: values.explain,
    cpuProf: values['cpu-prof'],
    workloads: WORKLOAD_IDS.filter((id) => workloads.includes(id)),
    floor: !values['without-floor'],
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/gateway_bench',
  };
}

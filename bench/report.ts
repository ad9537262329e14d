import type { LoadResult } from './load.ts';
import type { WorkloadId } from './workloads.ts';

/** The servers a run measures: the gateway, the baseline, and the Yoga floor unless --without-floor. */
export type ServerName = 'gateway' | 'baseline' | 'floor';
/** The two every run measures. */
export type PairName = Exclude<ServerName, 'floor'>;

export interface Measurement {
  round: number;
  /** 1 = measured first in its round, 2 = second, … */
  position: number;
  result: LoadResult;
  /** highest VmRSS sampled during this measurement, bytes */
  peakRss: number | null;
  /** CPU time (user + system) the server process spent per request during this measurement, ms */
  cpuMsPerRequest: number | null;
}

export interface Summary {
  /** medians over rounds */
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** median over rounds of the server process's CPU ms per request */
  cpuMsPerRequest: number;
  /** non-2xx + error bodies + connection errors + timeouts, over every round */
  badResponses: number;
}

export interface WorkloadOutcome {
  id: WorkloadId;
  description: string;
  check: { ok: boolean; problems: string[]; bytes: Partial<Record<ServerName, number>> };
  /** the floor's only when it runs */
  measurements: Record<PairName, Measurement[]> & { floor?: Measurement[] };
  summary?: Record<PairName, Summary> & {
    throughputRatio: number;
    floor?: Summary;
    /** the floor's throughput as a share of the baseline's */
    floorRatio?: number;
  };
  /** W3 only: the same requests from a single connection, i.e. latency without queueing */
  singleConnection?: Record<PairName, LoadResult>;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  /** the baseline's figure, where the target has one: what this machine allows */
  baseline?: string;
  status: 'PASS' | 'MISS' | 'n/a';
  note?: string;
}

export function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(measurements: Measurement[]): Summary {
  const results = measurements.map((m) => m.result);
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    cpuMsPerRequest: median(measurements.map((m) => m.cpuMsPerRequest ?? NaN)),
    badResponses: results.reduce((sum, r) => sum + r.non2xx + r.errorBodies + r.connectionErrors + r.timeouts, 0),
  };
}

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '–');
const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)} %` : '–');
export const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} ×` : '–');
export const mb = (bytes: number | null | undefined) => (bytes ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : '–');

function table(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (rightAligned(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export function workloadTable(outcomes: WorkloadOutcome[]): string {
  const withFloor = outcomes.some((outcome) => outcome.summary?.floor);
  const rows = outcomes.map((outcome) => {
    const s = outcome.summary;
    if (!s) return [outcome.id, outcome.description, 'FAILED CHECK'];
    const floor = s.floor;
    return [
      outcome.id,
      outcome.description,
      int(s.gateway.requestsPerSecond),
      ms(s.gateway.p50),
      ms(s.gateway.p99),
      int(s.baseline.requestsPerSecond),
      ms(s.baseline.p50),
      ms(s.baseline.p99),
      percent(s.throughputRatio),
      ms(s.gateway.cpuMsPerRequest),
      ms(s.baseline.cpuMsPerRequest),
      ...(withFloor ? [floor ? int(floor.requestsPerSecond) : '–', percent(s.floorRatio ?? NaN), floor ? ms(floor.cpuMsPerRequest) : '–'] : []),
      `${s.gateway.badResponses}/${s.baseline.badResponses}${floor ? `/${floor.badResponses}` : ''}`,
      mb(Math.max(0, ...outcome.measurements.gateway.map((m) => m.peakRss ?? 0))),
    ];
  });
  return table(
    [
      '',
      'workload',
      'gw req/s',
      'gw p50',
      'gw p99',
      'bl req/s',
      'bl p50',
      'bl p99',
      'gw/bl',
      'gw CPU',
      'bl CPU',
      ...(withFloor ? ['fl req/s', 'fl/bl', 'fl CPU'] : []),
      'errors',
      'gw RSS',
    ],
    rows,
    (column) => column >= 2,
  );
}

export function targetTable(targets: Target[]): string {
  return table(
    ['target', 'goal', 'gateway', 'baseline', 'result'],
    targets.map((target) => [
      target.name,
      target.goal,
      target.measured,
      target.baseline ?? '',
      target.status + (target.note ? ` (${target.note})` : ''),
    ]),
    () => false,
  );
}

export { int, ms, percent };

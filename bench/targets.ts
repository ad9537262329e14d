import type { PlanChecks } from './plan-checks.ts';
import type { PlanSummary } from './plans.ts';
import { mb, ms, percent, ratio, type PairName, type Target, type WorkloadOutcome } from './report.ts';
import { RARE_SEARCH, W3_SEARCH } from './sql.ts';
import type { WorkloadData, WorkloadId } from './workloads.ts';

/** The targets of the benchmark issue, each judged on this run's figures (see bench/README.md). */
export function evaluateTargets(
  byId: Map<WorkloadId, WorkloadOutcome>,
  w4OverW1: { gateway: number; baseline: number },
  memory: Record<PairName, { peakRssUnderLoad: number | null; vmHwm: number | null }>,
  plans: PlanChecks,
  data: WorkloadData,
  connections: number,
): Target[] {
  const targets: Target[] = [];
  const mark = (ok: boolean | undefined): Target['status'] => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS');
  const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
  for (const id of ['W2', 'W3', 'W4', 'W6'] as const) {
    const summary = byId.get(id)?.summary;
    targets.push({
      name: `${id} throughput vs baseline`,
      goal: '≥ 70 %',
      measured: summary ? `${percent(summary.throughputRatio)} (${rate(summary.gateway.requestsPerSecond)})` : 'not measured',
      baseline: summary ? rate(summary.baseline.requestsPerSecond) : undefined,
      status: mark(summary ? summary.throughputRatio >= 0.7 : undefined),
      note: summary?.floorRatio === undefined ? undefined : `Yoga floor ${percent(summary.floorRatio)}`,
    });
  }
  const countReadsRows = plans.count.relations.includes('models');
  targets.push({
    name: 'W1 totalCount without scanning',
    goal: 'counters; ≈ a page without count',
    measured: `reads ${plans.count.relations.join(', ')}: ${ms(plans.countMs)} ms vs page ${ms(plans.firstPageMs)} ms`,
    status: mark(!countReadsRows && plans.countMs <= plans.firstPageMs),
  });
  targets.push({
    name: 'W4 p50 / W1 p50',
    goal: '≤ 1.5 ×',
    measured: Number.isFinite(w4OverW1.gateway) ? ratio(w4OverW1.gateway) : 'not measured',
    baseline: Number.isFinite(w4OverW1.baseline) ? ratio(w4OverW1.baseline) : undefined,
    status: mark(Number.isFinite(w4OverW1.gateway) ? w4OverW1.gateway <= 1.5 : undefined),
  });
  const w3 = byId.get('W3');
  const rows = `${data.hotRows.toLocaleString('en-US')} in the project`;
  targets.push({
    name: `W3 p99, ${connections} connections`,
    goal: `< 20 ms (${rows})`,
    measured: w3?.summary ? `${ms(w3.summary.gateway.p99)} ms` : 'not measured',
    baseline: w3?.summary ? `${ms(w3.summary.baseline.p99)} ms` : undefined,
    status: mark(w3?.summary ? w3.summary.gateway.p99 < 20 : undefined),
    note: w3?.summary ? queueingNote(connections, w3.summary.gateway.requestsPerSecond, w3.summary.baseline.requestsPerSecond) : undefined,
  });
  const single = w3?.singleConnection;
  targets.push({
    name: 'W3 p99, 1 connection',
    goal: `< 20 ms (${rows})`,
    measured: single ? `${ms(single.gateway.p99)} ms` : 'not measured',
    baseline: single ? `${ms(single.baseline.p99)} ms` : undefined,
    status: mark(single ? single.gateway.p99 < 20 : undefined),
  });
  const usesTrigram = (plan: PlanSummary) => plan.indexes.some((index) => index.includes('trgm'));
  const planText = (plan: PlanSummary) =>
    `${plan.indexes.join(' + ') || plan.nodeTypes.join('/')}, ${ms(plan.executionMs ?? NaN)} ms`;
  targets.push({
    name: 'W3 plan, common term',
    goal: 'EXPLAIN ANALYZE < 20 ms',
    measured: `"${W3_SEARCH}": ${planText(plans.search)}`,
    status: mark(plans.search.executionMs === null ? undefined : plans.search.executionMs < 20),
    note: usesTrigram(plans.search) ? 'trigram bitmap over every project: see bench/README.md' : undefined,
  });
  targets.push({
    name: 'W3 plan, rare term',
    goal: 'uses the trigram index',
    measured: `"${RARE_SEARCH}": ${planText(plans.rareSearch)}`,
    status: mark(usesTrigram(plans.rareSearch)),
  });
  const w5 = byId.get('W5')?.summary;
  targets.push({
    name: 'W5 creates per second',
    goal: '≥ 2,000/s',
    measured: w5 ? rate(w5.gateway.requestsPerSecond) : 'not measured',
    baseline: w5 ? rate(w5.baseline.requestsPerSecond) : undefined,
    status: mark(w5 ? w5.gateway.requestsPerSecond >= 2000 : undefined),
    note: joinNotes(
      w5 && w5.baseline.requestsPerSecond < 2000 ? 'the baseline itself is below 2,000/s here' : undefined,
      w5?.floor ? `Yoga floor ${rate(w5.floor.requestsPerSecond)}` : undefined,
    ),
  });
  const peak = memory.gateway.peakRssUnderLoad;
  targets.push({
    name: 'gateway peak RSS under load',
    goal: '< 200 MB',
    measured: `${mb(peak)} (VmHWM ${mb(memory.gateway.vmHwm)})`,
    baseline: `${mb(memory.baseline.peakRssUnderLoad)}`,
    status: mark(peak ? peak < 200 * 1024 * 1024 : undefined),
  });
  return targets;
}

/**
 * Little's law: with `connections` requests always in flight, the mean latency is connections ÷
 * throughput, whatever the server does with its time. A p99 below that mean would need the
 * slowest 1 % of the requests to carry most of the waiting.
 */
function queueingNote(connections: number, gatewayRate: number, baselineRate: number): string {
  const meanMs = (rate: number) => ms((connections / rate) * 1000);
  return `saturated: ${connections} in flight ÷ throughput = mean ${meanMs(gatewayRate)} ms, baseline ${meanMs(baselineRate)} ms`;
}

function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const given = notes.filter((note) => note !== undefined);
  return given.length > 0 ? given.join('; ') : undefined;
}

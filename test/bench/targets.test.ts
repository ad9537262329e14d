import { describe, expect, it } from 'vitest';
import type { PlanChecks } from '../../bench/plan-checks.ts';
import type { PlanSummary } from '../../bench/plans.ts';
import type { Summary, Target, WorkloadOutcome } from '../../bench/report.ts';
import { evaluateTargets } from '../../bench/targets.ts';
import type { WorkloadData, WorkloadId } from '../../bench/workloads.ts';

// The bench's target table on made-up figures: what it marks, and the notes that say why a miss
// is out of any server's reach.

const plan: PlanSummary = { relations: ['models'], indexes: ['models_name_trgm'], nodeTypes: ['Bitmap Heap Scan'], executionMs: 1 };
const plans: PlanChecks = {
  count: { ...plan, relations: ['model_counts'] },
  countMs: 0.3,
  firstPageMs: 0.6,
  search: plan,
  rareSearch: plan,
  deepPage: plan,
};
const data = { hotRows: 200_000 } as WorkloadData;
const memory = {
  gateway: { peakRssUnderLoad: 180 * 1024 * 1024, vmHwm: null },
  baseline: { peakRssUnderLoad: 160 * 1024 * 1024, vmHwm: null },
};

function summary(requestsPerSecond: number, p99: number): Summary {
  return { requestsPerSecond, p50: p99 / 2, p99, requests: requestsPerSecond * 10, cpuMsPerRequest: 1, badResponses: 0 };
}

function outcome(id: WorkloadId, gateway: Summary, baseline: Summary): WorkloadOutcome {
  return {
    id,
    description: id,
    check: { ok: true, problems: [], bytes: { gateway: 1, baseline: 1 } },
    measurements: { gateway: [], baseline: [] },
    summary: { gateway, baseline, throughputRatio: gateway.requestsPerSecond / baseline.requestsPerSecond },
  };
}

function targets(w5BaselineRate: number): Target[] {
  const byId = new Map<WorkloadId, WorkloadOutcome>([
    ['W3', outcome('W3', summary(400, 78), summary(500, 64))],
    ['W5', outcome('W5', summary(1_300, 30), summary(w5BaselineRate, 20))],
  ]);
  return evaluateTargets(byId, { gateway: 1, baseline: 1 }, memory, plans, data, 16);
}

const named = (list: Target[], name: string) => list.find((target) => target.name === name);

describe('bench targets', () => {
  it("notes the mean latency Little's law sets at the bench's connections, for both servers", () => {
    const w3 = named(targets(1_500), 'W3 p99, 16 connections');
    expect(w3?.status).toBe('MISS');
    // 16 in flight ÷ 400/s = 40 ms; ÷ 500/s = 32 ms
    expect(w3?.note).toBe('saturated: 16 in flight ÷ throughput = mean 40.0 ms, baseline 32.0 ms');
  });

  it('notes a W5 miss when the baseline itself stays below 2,000/s, and only then', () => {
    expect(named(targets(1_500), 'W5 creates per second')).toMatchObject({
      status: 'MISS',
      note: 'the baseline itself is below 2,000/s here',
    });
    const reachable = named(targets(2_400), 'W5 creates per second');
    expect(reachable?.status).toBe('MISS');
    expect(reachable?.note).toBeUndefined();
  });

  it("notes the Yoga floor's share of the baseline beside a throughput target, when the floor was measured", () => {
    const w6 = outcome('W6', summary(1_300, 30), summary(2_500, 12));
    const withFloor = { ...w6, summary: { ...w6.summary!, floor: summary(1_500, 25), floorRatio: 0.6 } };
    const list = evaluateTargets(new Map([['W6', withFloor]]), { gateway: 1, baseline: 1 }, memory, plans, data, 16);
    expect(named(list, 'W6 throughput vs baseline')).toMatchObject({ status: 'MISS', measured: '52 % (1,300/s)', note: 'Yoga floor 60 %' });
    const without = evaluateTargets(new Map([['W6', w6]]), { gateway: 1, baseline: 1 }, memory, plans, data, 16);
    expect(named(without, 'W6 throughput vs baseline')?.note).toBeUndefined();
  });

  it("adds the floor's creates per second to the W5 note", () => {
    const w5 = outcome('W5', summary(1_300, 30), summary(1_500, 20));
    const withFloor = { ...w5, summary: { ...w5.summary!, floor: summary(1_400, 25), floorRatio: 1_400 / 1_500 } };
    const list = evaluateTargets(new Map([['W5', withFloor]]), { gateway: 1, baseline: 1 }, memory, plans, data, 16);
    expect(named(list, 'W5 creates per second')?.note).toBe('the baseline itself is below 2,000/s here; Yoga floor 1,400/s');
  });
});

import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.ts';
import { type Summary, type WorkloadOutcome, workloadTable } from '../../bench/report.ts';

// The bench's third server: measured unless --without-floor, and shown in its own columns only
// when it was measured.

function summary(requestsPerSecond: number, cpuMsPerRequest: number): Summary {
  return { requestsPerSecond, p50: 5, p99: 10, requests: requestsPerSecond * 10, cpuMsPerRequest, badResponses: 0 };
}

function w6(floor?: Summary): WorkloadOutcome {
  const gateway = summary(1_200, 0.71);
  const baseline = summary(2_000, 0.28);
  return {
    id: 'W6',
    description: 'lookup',
    check: { ok: true, problems: [], bytes: {} },
    measurements: { gateway: [], baseline: [] },
    summary: {
      gateway,
      baseline,
      throughputRatio: 0.6,
      ...(floor ? { floor, floorRatio: floor.requestsPerSecond / baseline.requestsPerSecond } : {}),
    },
  };
}

describe('bench options', () => {
  it('measures the Yoga floor by default and not with --without-floor', () => {
    expect(parseOptions([], {})).toMatchObject({ floor: true });
    expect(parseOptions(['--without-floor'], {})).toMatchObject({ floor: false });
  });

  it('refuses an unknown option', () => {
    expect(() => parseOptions(['--no-floor'], {})).toThrow(/no-floor/);
  });
});

describe('bench workload table', () => {
  it("shows the floor's rate, share of the baseline and CPU when it was measured", () => {
    const [header, , row] = workloadTable([w6(summary(1_360, 0.56))]).split('\n');
    expect(header).toMatch(/gw\/bl +gw CPU +bl CPU +fl req\/s +fl\/bl +fl CPU +errors/);
    expect(row).toMatch(/60 % +0\.71 +0\.28 +1,360 +68 % +0\.56 +0\/0\/0/);
  });

  it('has no floor columns when the floor did not run', () => {
    const [header, , row] = workloadTable([w6()]).split('\n');
    expect(header).not.toContain('fl ');
    expect(row).toMatch(/60 % +0\.71 +0\.28 +0\/0 /);
  });
});

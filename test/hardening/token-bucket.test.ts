import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../src/rate-limit/token-bucket.ts';

/** The in-memory token bucket, driven by an injected clock (milliseconds). */

function clock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

async function takeMany(limiter: ReturnType<typeof createMemoryRateLimiter>, key: string, times: number) {
  const decisions = [];
  for (let i = 0; i < times; i++) decisions.push(await limiter.take(key));
  return decisions;
}

describe('memory token bucket', () => {
  it('allows a burst of `burst` requests at once, then refuses with the seconds until the next token', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 3 }, time.now);
    const decisions = await takeMany(limiter, 'k', 5);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions[0]).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(decisions[3]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at perSecond: nothing after 999 ms, one token after 1000 ms', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 3 }, time.now);
    await takeMany(limiter, 'k', 3);
    time.advance(999);
    expect((await limiter.take('k')).allowed).toBe(false);
    time.advance(1);
    expect((await limiter.take('k')).allowed).toBe(true);
    expect((await limiter.take('k')).allowed).toBe(false);
  });

  it('never holds more than `burst` tokens, however long it rests', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 10, burst: 4 }, time.now);
    await takeMany(limiter, 'k', 4);
    time.advance(24 * 60 * 60 * 1000);
    const decisions = await takeMany(limiter, 'k', 6);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, false, false]);
  });

  it('keeps a bucket per key', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 2 }, time.now);
    await takeMany(limiter, 'a', 2);
    expect((await limiter.take('a')).allowed).toBe(false);
    expect((await limiter.take('b')).allowed).toBe(true);
    expect((await limiter.take('b')).allowed).toBe(true);
    expect((await limiter.take('b')).allowed).toBe(false);
  });

  it('rounds Retry-After up to whole seconds, at least 1', async () => {
    const time = clock();
    const slow = createMemoryRateLimiter({ perSecond: 0.5, burst: 1 }, time.now);
    await slow.take('k');
    expect(await slow.take('k')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    time.advance(1_500); // 0.75 of a token: 0.5 s to go
    expect(await slow.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });

    const slower = createMemoryRateLimiter({ perSecond: 0.2, burst: 1 }, time.now);
    await slower.take('k');
    time.advance(1_000); // 0.2 of a token: 4 s to go
    expect(await slower.take('k')).toEqual({ allowed: false, retryAfterSeconds: 4 });

    const quick = createMemoryRateLimiter({ perSecond: 1_000, burst: 1 }, time.now);
    await quick.take('k');
    expect(await quick.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('does not let refused requests push the next token further away', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 1 }, time.now);
    await limiter.take('k');
    for (let i = 0; i < 100; i++) {
      time.advance(5);
      expect((await limiter.take('k')).allowed).toBe(false);
    }
    time.advance(500); // 1000 ms since the token was taken
    expect((await limiter.take('k')).allowed).toBe(true);
  });

  it('keeps the state of a bucket in use when it forgets full buckets (at 10,000 keys)', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 3 }, time.now);
    await takeMany(limiter, 'hot', 3);
    for (let i = 0; i < 9_999; i++) await limiter.take(`cold-${i}`);
    time.advance(1_500); // the cold buckets are full again (2 + 1.5 ≥ 3), hot has 1.5 tokens
    await limiter.take('newcomer'); // 10,000 buckets: this take prunes
    expect((await limiter.take('hot')).allowed).toBe(true);
    expect((await limiter.take('hot')).allowed).toBe(false);
    // a forgotten bucket is a full one: its key gets the whole burst again
    expect((await takeMany(limiter, 'cold-0', 4)).map((decision) => decision.allowed)).toEqual([true, true, true, false]);
  });

  it('does not lock a principal out when the wall clock steps backwards', async () => {
    // Date.now() (the default clock) follows the system clock, which NTP or a VM migration can
    // step back. Time that runs backwards must not count as negative refill.
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 3 }, time.now);
    await takeMany(limiter, 'k', 3);
    time.advance(-60 * 60 * 1000); // the clock is corrected back by one hour
    const refused = await limiter.take('k');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(1);
    time.advance(1_000);
    expect((await limiter.take('k')).allowed).toBe(true);
  });

  it('forgets everything on close', async () => {
    const time = clock();
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 1 }, time.now);
    await limiter.take('k');
    expect((await limiter.take('k')).allowed).toBe(false);
    await limiter.close();
    expect((await limiter.take('k')).allowed).toBe(true);
  });
});

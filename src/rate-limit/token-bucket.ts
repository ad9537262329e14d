/**
 * Token buckets, one per key: `burst` tokens at most, refilled at `perSecond`; each request
 * takes one. A refusal says how long until a token is back.
 */
export interface BucketOptions {
  perSecond: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** whole seconds until the next token, when refused */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const PRUNE_AT = 10_000;

/** `now` is in milliseconds; the default is monotonic, so a wall-clock step cannot empty a bucket. */
export function createMemoryRateLimiter(options: BucketOptions, now: () => number = () => performance.now()): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = options.perSecond / 1000;

  const refilled = (bucket: Bucket, at: number) =>
    Math.min(options.burst, bucket.tokens + Math.max(0, at - bucket.updatedAt) * perMs);

  return {
    async take(key) {
      const at = now();
      if (buckets.size >= PRUNE_AT) {
        // A full bucket is the same as no bucket: forget those to bound memory.
        for (const [bucketKey, bucket] of buckets) if (refilled(bucket, at) >= options.burst) buckets.delete(bucketKey);
      }
      const bucket = buckets.get(key) ?? { tokens: options.burst, updatedAt: at };
      bucket.tokens = refilled(bucket, at);
      bucket.updatedAt = at;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
    async close() {
      buckets.clear();
    },
  };
}

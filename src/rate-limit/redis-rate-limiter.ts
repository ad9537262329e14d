import { Redis } from 'ioredis';
import type { BucketOptions, RateDecision, RateLimiter } from './token-bucket.ts';

// One atomic step of a token bucket, timed by the Redis server's clock so that every gateway
// instance sharing the bucket agrees on time. Returns { allowed, ms until the next token }.
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * per_ms)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return { allowed, wait }
`;

export interface RedisRateLimiterOptions extends BucketOptions {
  url: string;
  keyPrefix?: string;
  /** called when Redis cannot be asked; the request is then let through (fail open) */
  onError: (error: Error) => void;
}

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const redis = new Redis(options.url, {
    // Fail fast while Redis is away instead of queueing requests behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    lazyConnect: false,
  });
  redis.on('error', options.onError);
  const prefix = options.keyPrefix ?? 'gateway:ratelimit:';

  return {
    async take(key): Promise<RateDecision> {
      try {
        const [allowed, waitMs] = (await redis.eval(
          TAKE_SCRIPT,
          1,
          `${prefix}${key}`,
          options.burst,
          options.perSecond / 1000,
        )) as [number, number];
        return { allowed: allowed === 1, retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)) };
      } catch (error) {
        options.onError(error as Error);
        return { allowed: true, retryAfterSeconds: 0 };
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.ts';
import { RateLimitedError } from '../errors.ts';
import type { RateLimiter } from '../rate-limit/token-bucket.ts';
import type { Metrics } from './metrics.ts';

/** Spends one token of the caller's bucket (organization + user) per operation, before it runs. */
export function useRateLimit(limiter: RateLimiter, metrics: Metrics): Plugin<GraphQLContext> {
  return {
    async onExecute({ args }) {
      const { auth } = args.contextValue;
      if (!auth.ok) return;
      const key = JSON.stringify([auth.principal.organizationId, auth.principal.userId]);
      const decision = await limiter.take(key);
      if (!decision.allowed) {
        metrics.rateLimited.inc();
        throw new RateLimitedError(decision.retryAfterSeconds);
      }
    },
  };
}

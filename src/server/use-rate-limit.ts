import { getOperationAST, parse } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/verify-token.ts';
import type { AuthState } from '../context.ts';
import { RateLimitedError } from '../errors.ts';
import type { RateLimiter } from '../rate-limit/token-bucket.ts';
import type { Metrics } from './metrics.ts';
import { recordOperationName, requestState } from './request-state.ts';
import { authenticationOf } from './use-authentication.ts';

/**
 * Spends one token of the caller's bucket (organization + user) per operation as soon as its
 * parameters are read, before the document is parsed or validated: a principal over its limit is
 * refused whatever it sends, malformed documents included.
 */
export function useRateLimit(limiter: RateLimiter, metrics: Metrics, verifyToken: TokenVerifier, maxTokens: number): Plugin {
  const spend = (auth: AuthState, request: Request, params: GraphQLParams) => {
    if (!auth.ok) return;
    const key = JSON.stringify([auth.principal.organizationId, auth.principal.userId]);
    return limiter.take(key).then((decision) => {
      if (decision.allowed) return;
      metrics.rateLimited.inc();
      nameRefusedOperation(request, params, maxTokens);
      throw new RateLimitedError(decision.retryAfterSeconds);
    });
  };
  return {
    onParams({ request, params }) {
      // settled already by useAuthentication's hook, when that runs first
      const auth = authenticationOf(request, verifyToken);
      return auth instanceof Promise ? auth.then((settled) => spend(settled, request, params)) : spend(auth, request, params);
    },
  };
}

/**
 * A refused request is never executed, so its log line and metrics would lack the operation's
 * name when the client did not send operationName: it is read from the document here, on the
 * refusal path only, within the same token limit as the parser's.
 */
function nameRefusedOperation(request: Request, params: GraphQLParams, maxTokens: number): void {
  if (requestState(request).operationName !== undefined || typeof params.query !== 'string') return;
  try {
    const document = parse(params.query, { maxTokens, noLocation: true });
    recordOperationName(request, getOperationAST(document, params.operationName)?.name?.value);
  } catch {
    // a document that does not parse has no name to give
  }
}

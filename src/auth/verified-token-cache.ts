import type { Principal } from './principal.ts';
import type { TokenVerifier } from './verify-token.ts';

/**
 * Remembers tokens that verified, until they expire (and for `maxAgeMs` at most, so a key removed
 * from a JWKS stops being honoured soon), so a client sending the same token on every request
 * pays for one signature check. Only successes are kept; the oldest entries go first when full.
 */
export interface VerifiedTokenCacheOptions {
  maxEntries?: number;
  maxAgeMs?: number;
  now?: () => Date;
}

export function withVerifiedTokenCache(verify: TokenVerifier, options: VerifiedTokenCacheOptions = {}): TokenVerifier {
  const { maxEntries = 10_000, maxAgeMs = 5 * 60_000, now = () => new Date() } = options;
  const entries = new Map<string, { principal: Principal; validUntil: number }>();

  // A token already verified is answered synchronously: no promise on the path of every request.
  return (token) => {
    const at = now().getTime();
    const cached = entries.get(token);
    if (cached && at < cached.validUntil) return cached.principal;
    if (cached) entries.delete(token);

    return Promise.resolve(verify(token)).then((principal) => {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(token, { principal, validUntil: Math.min(principal.expiresAt.getTime(), at + maxAgeMs) });
      return principal;
    });
  };
}

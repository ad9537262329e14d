import { describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/dev-token.ts';
import { withVerifiedTokenCache } from '../../src/auth/verified-token-cache.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/verify-token.ts';
import { UnauthenticatedError } from '../../src/errors.ts';

const SECRET = 'a-secret-that-is-at-least-32-characters-long';
const config = { jwtSecret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined };

function countingVerifier(now: () => Date): { verify: TokenVerifier; calls: () => number } {
  let calls = 0;
  const inner = createTokenVerifier(config, now);
  return {
    verify: (token) => {
      calls++;
      return inner(token);
    },
    calls: () => calls,
  };
}

describe('verified-token cache', () => {
  it('checks the signature of a token once while it stays valid', async () => {
    const clock = { at: new Date() };
    const now = () => clock.at;
    const { verify, calls } = countingVerifier(now);
    const cached = withVerifiedTokenCache(verify, { now });
    const token = await signDevToken(SECRET, { sub: 'alice', org: 'acme', projects: ['demo'], expiresIn: 3600 });

    const first = await cached(token);
    const second = await cached(token);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ userId: 'alice', organizationId: 'acme', projects: ['demo'] });
    expect(calls()).toBe(1);
  });

  it('answers a token it has verified before synchronously, without a promise to wait on', async () => {
    const now = () => new Date();
    const cached = withVerifiedTokenCache(countingVerifier(now).verify, { now });
    const token = await signDevToken(SECRET, { sub: 'alice', org: 'acme', projects: ['demo'] });

    const first = cached(token);
    expect(first).toBeInstanceOf(Promise);
    const principal = await first;
    const again = cached(token);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toBe(principal);
  });

  it('refuses a cached token once it has expired', async () => {
    const clock = { at: new Date() };
    const now = () => clock.at;
    const cached = withVerifiedTokenCache(countingVerifier(now).verify, { now });
    const token = await signDevToken(SECRET, { sub: 'alice', org: 'acme', projects: ['demo'], expiresIn: 60 });
    await cached(token);

    clock.at = new Date(clock.at.getTime() + 61_000);
    await expect(cached(token)).rejects.toThrow(UnauthenticatedError);
    await expect(cached(token)).rejects.toThrow(/expired/);
  });

  it('verifies again after maxAgeMs, and never caches a refusal', async () => {
    const clock = { at: new Date() };
    const now = () => clock.at;
    const { verify, calls } = countingVerifier(now);
    const cached = withVerifiedTokenCache(verify, { now, maxAgeMs: 1_000 });
    const token = await signDevToken(SECRET, { sub: 'alice', org: 'acme', projects: ['demo'] });
    await cached(token);
    clock.at = new Date(clock.at.getTime() + 1_500);
    await cached(token);
    expect(calls()).toBe(2);

    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(cached(forged)).rejects.toThrow(UnauthenticatedError);
    await expect(cached(forged)).rejects.toThrow(UnauthenticatedError);
    expect(calls()).toBe(4);
  });

  it('keeps at most maxEntries tokens, dropping the oldest', async () => {
    const now = () => new Date();
    const { verify, calls } = countingVerifier(now);
    const cached = withVerifiedTokenCache(verify, { now, maxEntries: 2 });
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((sub) => signDevToken(SECRET, { sub, org: 'acme', projects: ['demo'] })),
    );
    for (const token of tokens) await cached(token);
    expect(calls()).toBe(3);
    await cached(tokens[2] as string);
    expect(calls()).toBe(3);
    await cached(tokens[0] as string);
    expect(calls()).toBe(4);
  });
});

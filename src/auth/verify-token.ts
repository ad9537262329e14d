import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';
import type { AuthConfig } from '../config.ts';
import { storableString } from '../storable-text.ts';
import { ServiceUnavailableError, UnauthenticatedError } from '../errors.ts';
import type { Principal } from './principal.ts';

/**
 * Verifies a bearer token (HS256 shared secret, or RS256/ES256 through a JWKS) into a Principal.
 * A verifier that already knows the answer may give it synchronously (see verified-token-cache.ts).
 */
export type TokenVerifier = (token: string) => Principal | Promise<Principal>;

const claim = storableString().min(1).max(255);
const claimsSchema = z.object({ sub: claim, org_id: claim, projects: z.array(claim).max(1000) });

export function createTokenVerifier(config: AuthConfig, now: () => Date = () => new Date()): TokenVerifier {
  const options = () => ({
    algorithms: config.jwksUrl ? ['RS256', 'ES256'] : ['HS256'],
    issuer: config.issuer,
    audience: config.audience,
    requiredClaims: ['exp', 'sub'],
    currentDate: now(),
  });
  let verifyJwt: (token: string) => Promise<{ payload: JWTPayload }>;
  if (config.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(config.jwksUrl));
    verifyJwt = (token) => jwtVerify(token, jwks, options());
  } else {
    // Imported once: given the raw bytes, jose would import the key again on every request.
    const hmacKey = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(config.jwtSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    verifyJwt = async (token) => jwtVerify(token, await hmacKey, options());
  }

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verifyJwt(token));
    } catch (error) {
      // The token may be fine: the keys to check it with could not be fetched. Saying 401 would
      // make clients throw away a good token.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new ServiceUnavailableError('The identity provider keys cannot be fetched; try again shortly', {
          cause: error,
        });
      }
      throw new UnauthenticatedError(describeFailure(error));
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new UnauthenticatedError('The token lacks valid sub, org_id and projects claims');
    }
    return {
      userId: claims.data.sub,
      organizationId: claims.data.org_id,
      projects: claims.data.projects,
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not valid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not accepted';
  return 'The token is malformed or cannot be verified';
}

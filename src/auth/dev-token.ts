import { SignJWT } from 'jose';

export interface DevTokenClaims {
  sub: string;
  org: string;
  projects: string[];
  /** lifetime in seconds */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

/** An HS256 token of the shape the gateway verifies; for development and tests. */
export async function signDevToken(secret: string, claims: DevTokenClaims): Promise<string> {
  let jwt = new SignJWT({ org_id: claims.org, projects: claims.projects })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresIn ?? 24 * 60 * 60));
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

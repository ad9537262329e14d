import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, type JWTPayload, SignJWT } from 'jose';

/** Tokens the dev-token helper cannot make: odd claims, odd headers, no signature at all. */

const encoder = new TextEncoder();

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The claims a valid token carries; override or drop (with undefined) any of them. */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    sub: 'alice',
    org_id: 'acme',
    projects: ['demo'],
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    ...overrides,
  };
  for (const [key, value] of Object.entries(base)) if (value === undefined) delete base[key];
  return base as JWTPayload;
}

/** An HS256 (or another HMAC alg) token over exactly the payload given. */
export async function signHmac(secret: string, payload: JWTPayload, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(encoder.encode(secret));
}

/** An unsecured JWT ({"alg":"none"}) with an empty signature, built by hand. */
export function unsignedToken(payload: JWTPayload): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/** A JWKS served over plain HTTP on 127.0.0.1, as an identity provider would. */
export interface JwksServer {
  url: string;
  /** how many times the JWKS was fetched */
  hits(): number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    if (request.url === '/jwks.json') {
      hits++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

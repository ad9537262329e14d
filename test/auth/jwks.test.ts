import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_MODEL,
  countModelsNamed,
  expectUnauthenticated,
  LIST_MODELS,
  modelInput,
  uniqueName,
} from '../helpers/auth-expect.ts';
import { claims, type JwksServer, signHmac, startJwksServer, unsignedToken } from '../helpers/auth-tokens.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/** RS256 and ES256 tokens checked against the keys an identity provider publishes (AUTH_JWKS_URL). */

let jwks: JwksServer;
let t: TestApp;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let strangerRsa: { privateKey: CryptoKey; publicKey: CryptoKey };

const organizationId = `org-jwks-${randomUUID()}`;
const projectId = 'jwks-project';

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  strangerRsa = await generateKeyPair('RS256');
  jwks = await startJwksServer([
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ]);
  t = await createTestApp({ env: { AUTH_JWKS_URL: jwks.url } });
});
afterAll(async () => {
  await t?.close();
  await jwks?.close();
});

const payload = (overrides: Record<string, unknown> = {}) =>
  claims({ sub: 'idp-user', org_id: organizationId, projects: [projectId], ...overrides });

function sign(key: CryptoKey, alg: 'RS256' | 'ES256', kid: string | undefined, overrides: Record<string, unknown> = {}) {
  return new SignJWT(payload(overrides)).setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);
}

async function expectWorks(token: string) {
  const name = uniqueName('jwks');
  const created = await t.gql(CREATE_MODEL, { input: modelInput({ name }) }, { token });
  expect(created.status, created.text).toBe(200);
  expect(created.body.errors, created.text).toBeUndefined();
  expect(created.body.data?.createModel.model).toMatchObject({
    organizationId,
    projectId,
    createdBy: 'user:idp-user',
  });
  const listed = await t.gql(LIST_MODELS, { first: 100 }, { token });
  expect(listed.body.errors, listed.text).toBeUndefined();
  expect(listed.body.data?.models.nodes.map((node: any) => node.name)).toContain(name);
}

async function expectRefused(token: string) {
  const name = uniqueName('jwks-refused');
  expectUnauthenticated(await t.gql(LIST_MODELS, {}, { token }));
  expectUnauthenticated(await t.gql(CREATE_MODEL, { input: modelInput({ name }) }, { token }));
  expect(await countModelsNamed(t, name)).toBe(0);
}

describe('with AUTH_JWKS_URL', () => {
  it('accepts an RS256 token signed by a published key', async () => {
    await expectWorks(await sign(rsa.privateKey, 'RS256', 'rsa-1'));
  });

  it('accepts an ES256 token signed by a published key', async () => {
    await expectWorks(await sign(ec.privateKey, 'ES256', 'ec-1'));
  });

  it('fetches the key set from the URL it was given', () => {
    expect(jwks.hits()).toBeGreaterThan(0);
  });

  it('refuses an HS256 token, even one signed with the HS256 secret the app also holds', async () => {
    await expectRefused(await signHmac('some-shared-secret-of-at-least-32-chars', payload()));
    await expectRefused(await signHmac(t.config.auth.jwtSecret as string, payload()));
  });

  it('refuses an HS256 token keyed with the published RSA public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const token = await new SignJWT(payload())
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(pem));
    await expectRefused(token);
  });

  it('refuses a token signed by an RSA key that is not published, under a published kid', async () => {
    await expectRefused(await sign(strangerRsa.privateKey, 'RS256', 'rsa-1'));
  });

  it('refuses a token signed by an RSA key that is not published, under an unknown kid', async () => {
    await expectRefused(await sign(strangerRsa.privateKey, 'RS256', 'unknown-kid'));
  });

  it('refuses a token whose kid names the EC key but is signed with RS256', async () => {
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'ec-1'));
  });

  it('refuses an expired RS256 token signed by a published key', async () => {
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', { exp: Math.floor(Date.now() / 1000) - 60 }));
  });

  it('refuses an RS256 token signed by a published key that lacks org_id', async () => {
    await expectRefused(await sign(rsa.privateKey, 'RS256', 'rsa-1', { org_id: undefined }));
  });

  it('refuses an unsigned ({"alg":"none"}) token', async () => {
    await expectRefused(unsignedToken(payload()));
  });
});

describe('when the identity provider cannot be reached', () => {
  it('answers SERVICE_UNAVAILABLE (503), not UNAUTHENTICATED, so clients keep their valid token', async () => {
    const keys = await generateKeyPair('RS256');
    const provider = await startJwksServer([{ ...(await exportJWK(keys.publicKey)), kid: 'k', alg: 'RS256', use: 'sig' }]);
    const app = await createTestApp({ env: { AUTH_JWKS_URL: provider.url } });
    try {
      await provider.close();
      const token = await new SignJWT(payload()).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(keys.privateKey);
      const response = await app.gql(LIST_MODELS, { first: 1 }, { token });
      expect(response.status, response.text).toBe(503);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(response.text).not.toContain('ECONNREFUSED');
    } finally {
      await app.close();
    }
  });
});

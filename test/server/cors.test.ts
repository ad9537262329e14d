import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../helpers/hardening-http.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * Browser pages may call the API cross-origin only from the origins in CORS_ORIGINS. With none
 * configured (the default) no CORS header is sent, so a page on another origin cannot read any
 * answer; Yoga's own default reflected every origin and allowed credentials.
 */
const CHROMIUM = '/usr/bin/chromium';
const APP_ORIGIN = 'https://app.example.com';
const QUERY = JSON.stringify({ query: '{ __typename }' });

function preflight(t: TestApp, origin: string) {
  return t.app.yoga.fetch('http://gateway.test/graphql', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-project-id',
    },
  });
}

function post(t: TestApp, origin: string) {
  return t.app.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: QUERY,
  });
}

describe('CORS with no CORS_ORIGINS (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('answers a page on another origin without any header that would let the browser read it', async () => {
    const answer = await post(t, 'https://evil.example');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();

    const check = await preflight(t, 'https://evil.example');
    expect(check.headers.get('access-control-allow-origin')).toBeNull();
    expect(check.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('CORS with CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: `${APP_ORIGIN},http://localhost:5173` } });
  });
  afterAll(() => t?.close());

  it('lets a listed origin send the headers the API reads, without credentials', async () => {
    const check = await preflight(t, APP_ORIGIN);
    expect(check.status).toBe(204);
    expect(check.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(check.headers.get('access-control-allow-methods')).toBe('GET, POST');
    const allowedHeaders = check.headers.get('access-control-allow-headers')?.split(/,\s*/);
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-project-id']));
    expect(check.headers.get('access-control-allow-credentials')).toBeNull();
    expect(check.headers.get('vary')).toContain('Origin');

    const answer = await post(t, 'http://localhost:5173');
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(answer.headers.get('vary')).toContain('Origin');
  });

  it.each(['https://evil.example', 'null', 'https://app.example.com.evil.example', 'http://app.example.com'])(
    'gives the unlisted origin %j no CORS header',
    async (origin) => {
      const check = await preflight(t, origin);
      expect(check.headers.get('access-control-allow-origin')).toBeNull();
      const answer = await post(t, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      // the same URL answers differently per origin: caches must keep them apart
      expect(answer.headers.get('vary')).toContain('Origin');
    },
  );

  it('answers a request that names no origin (a server, not a browser) as before', async () => {
    const answer = await t.app.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: QUERY,
    });
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS_ORIGINS=*', () => {
  it('lets any origin read answers, still without credentials', async () => {
    const t = await createTestApp({ env: { CORS_ORIGINS: '*' } });
    try {
      const answer = await post(t, 'https://anywhere.example');
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await t.close();
    }
  });
});

/** A loopback server for a blank page: the browser test's pages must be local too, or Chromium's
 * Local Network Access rules, not CORS, would stop them from calling the gateway on 127.0.0.1. */
async function servePage(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The CI script installs Debian's chromium; elsewhere the test says why it did not run.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('CORS in a browser', () => {
  let t: TestApp;
  let served: { url: string; close(): Promise<void> };
  let page: { port: number; close(): Promise<void> };
  // One page server, two origins: only the localhost one is listed, 127.0.0.1 is another origin.
  const allowedOrigin = () => `http://localhost:${page.port}`;
  const otherOrigin = () => `http://127.0.0.1:${page.port}`;
  beforeAll(async () => {
    page = await servePage();
    t = await createTestApp({ env: { CORS_ORIGINS: allowedOrigin() } });
    served = await listen(t.app);
  });
  afterAll(async () => {
    await served?.close();
    await t?.close();
    await page?.close();
  });

  /** Loads a blank page on `origin` and has it call the gateway with a token and a project. */
  async function callFromPage(origin: string) {
    const tenant = await t.newTenant();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage();
      await tab.goto(`${origin}/`);
      return await tab.evaluate(
        async ({ url, token, project }) => {
          try {
            const response = await fetch(url, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'x-project-id': project, 'content-type': 'application/json' },
              body: JSON.stringify({ query: '{ models(first: 1) { totalCount } }' }),
            });
            return { body: await response.json(), requestId: response.headers.get('x-request-id') };
          } catch (error) {
            return { refused: String(error) };
          }
        },
        { url: `${served.url}/graphql`, token: tenant.token, project: tenant.projectId },
      );
    } finally {
      await browser.close();
    }
  }

  it('lets a page on the listed origin call the API with a bearer token and read the answer', async () => {
    const result = await callFromPage(allowedOrigin());
    expect(result).toEqual({ body: { data: { models: { totalCount: 0 } } }, requestId: expect.any(String) });
  });

  it('keeps a page on any other origin from reading an answer', async () => {
    const result = await callFromPage(otherOrigin());
    expect(result).toEqual({ refused: expect.stringContaining('Failed to fetch') });
  });
});

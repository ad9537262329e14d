import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall, listen, postJson, type RawResponse, rawFetch } from '../helpers/hardening-http.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * The shape of the HTTP request itself: bodies over MAX_BODY_BYTES are refused with 413 before
 * anything parses them (declared by Content-Length or streamed without it), and malformed JSON,
 * wrong content types and missing queries get a GraphQL error with a stable code — never a 500,
 * never a stack, never the body echoed back.
 */

const MiB = 1024 * 1024;
let defaults: TestApp;
let small: TestApp;
let defaultsUrl: string;
let smallUrl: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [defaults, small] = await Promise.all([createTestApp(), createTestApp({ env: { MAX_BODY_BYTES: '1024' } })]);
  const served = await Promise.all([listen(defaults.app), listen(small.app)]);
  defaultsUrl = `${served[0]!.url}/graphql`;
  smallUrl = `${served[1]!.url}/graphql`;
  closers.push(...served.map((server) => server.close));
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await Promise.all([defaults, small].map((app) => app?.close()));
});

/** A valid request body of exactly `bytes` bytes (UTF-8): `{ __typename }` padded with spaces. */
function bodyOfSize(bytes: number): string {
  const base = JSON.stringify({ query: '{ __typename }' });
  const body = JSON.stringify({ query: `{ __typename }${' '.repeat(bytes - Buffer.byteLength(base))}` });
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}

function chunksOf(text: string, size = 64 * 1024): Buffer[] {
  const buffer = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) chunks.push(buffer.subarray(at, at + size));
  return chunks;
}

/** With a Content-Length header, the whole body in one write. */
function sendSized(url: string, body: string) {
  return httpCall(url, {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    chunks: [body],
  });
}

/** Without Content-Length: Transfer-Encoding: chunked, in 64 KiB pieces. */
function sendStreamed(url: string, body: string) {
  return httpCall(url, { headers: { 'content-type': 'application/json' }, chunks: chunksOf(body) });
}

function expectTooLarge(response: { status: number; json: any; text: string }, limit: number): void {
  expect(response.status, response.text).toBe(413);
  expect(response.json?.errors, response.text).toHaveLength(1);
  expect(response.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  expect(response.json.errors[0].message).toBe(`Request body is larger than ${limit} bytes`);
  expect(response.json.data ?? null).toBeNull();
}

function expectTypename(response: { status: number; json: any; text: string }): void {
  expect(response.status, response.text).toBe(200);
  expect(response.json, response.text).toEqual({ data: { __typename: 'Query' } });
}

/** No stack frames, file paths or internals in a response. */
function expectNoInternals(text: string): void {
  // (Yoga's `extensions.originalError` on malformed JSON is checked once, in the no-echo test below.)
  expect(text).not.toMatch(/\n\s+at |node_modules|\/work\/|\.ts:\d+|"stack"/);
}

describe('request body size (MAX_BODY_BYTES, default 1 MiB)', () => {
  it('refuses a body one byte over 1 MiB with 413 PAYLOAD_TOO_LARGE, declared by Content-Length', async () => {
    expectTooLarge(await sendSized(defaultsUrl, bodyOfSize(MiB + 1)), MiB);
  });

  it('refuses a body one byte over 1 MiB with 413 PAYLOAD_TOO_LARGE, streamed without Content-Length', async () => {
    expectTooLarge(await sendStreamed(defaultsUrl, bodyOfSize(MiB + 1)), MiB);
  });

  it('serves a body of exactly 1 MiB, with and without Content-Length', async () => {
    expectTypename(await sendSized(defaultsUrl, bodyOfSize(MiB)));
    expectTypename(await sendStreamed(defaultsUrl, bodyOfSize(MiB)));
  });

  it('refuses a declared 10 MiB body as soon as the headers arrive, without waiting for the body', async () => {
    const started = Date.now();
    // only 1 KiB of the declared 10 MiB is ever sent: an answer proves the body was not awaited
    const response = await httpCall(defaultsUrl, {
      headers: { 'content-type': 'application/json', 'content-length': String(10 * MiB) },
      chunks: ['{"query":"{ __typename }","pad":"', 'x'.repeat(1024)],
      endBody: false,
    });
    expectTooLarge(response, MiB);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a 10 MiB body streamed without Content-Length', async () => {
    expectTooLarge(await sendStreamed(defaultsUrl, bodyOfSize(10 * MiB)), MiB);
  });

  it('refuses a body that lies about its length (Content-Length smaller than what is streamed) without a 500', async () => {
    const response = await rawFetch(defaults, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '10' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(100 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expectTooLarge({ ...response, json: response.json }, MiB);
  });

  it('over a socket, takes only Content-Length bytes of a body that lies about its length: 400, and the server goes on', async () => {
    const response = await httpCall(defaultsUrl, {
      headers: { 'content-type': 'application/json', 'content-length': '10' },
      chunks: chunksOf(' '.repeat(2 * MiB)),
    });
    expect(response.status, response.text).toBe(400);
    expectTypename(await sendSized(defaultsUrl, bodyOfSize(100)));
  });

  describe('with MAX_BODY_BYTES=1024', () => {
    it('serves exactly 1024 bytes and refuses 1025, with and without Content-Length', async () => {
      expectTypename(await sendSized(smallUrl, bodyOfSize(1024)));
      expectTypename(await sendStreamed(smallUrl, bodyOfSize(1024)));
      expectTooLarge(await sendSized(smallUrl, bodyOfSize(1025)), 1024);
      expectTooLarge(await sendStreamed(smallUrl, bodyOfSize(1025)), 1024);
    });

    it('counts bytes, not characters: 600 two-byte characters are over 1024', async () => {
      const body = JSON.stringify({ query: `{ __typename } # ${'é'.repeat(600)}` });
      expect(body.length).toBeLessThan(1024);
      expectTooLarge(await sendSized(smallUrl, body), 1024);
      expectTooLarge(await sendStreamed(smallUrl, body), 1024);
    });

    it('refuses an oversized body through the in-process fetch handler too (no socket, no Content-Length)', async () => {
      expectTooLarge(await postJson(small, bodyOfSize(2048)), 1024);
    });
  });
});

describe('malformed requests', () => {
  it('answers malformed JSON with 400 BAD_REQUEST "POST body sent invalid JSON.", whatever it accepts', async () => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json']) {
      const response = await postJson(defaults, '{"query": "{ __typename }", oops}', accept ? { accept } : {});
      expect(response.status, `${accept}: ${response.text}`).toBe(400);
      expect(response.json.errors).toHaveLength(1);
      expect(response.json.errors[0].message).toBe('POST body sent invalid JSON.');
      expect(response.json.errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('does not echo any part of a malformed body back to the caller (nor into the logs)', async () => {
    const marker = 'sk-ECHO-CHECK-4711';
    for (const body of [
      `{"query": ${marker}`,
      `{"query":"mutation { x }","variables":{"input":{"credentials":{"api_key":"${marker}"}}} trailing`,
      `${marker}`,
    ]) {
      const mark = defaults.logs.length;
      const response = await postJson(defaults, body);
      expect(response.text, 'the response echoes the body').not.toContain(marker);
      expect(response.text, 'the response carries the parser\'s own error').not.toContain('originalError');
      expect(defaults.logs.slice(mark).join('\n')).not.toContain(marker);
      expect(response.json.errors[0].extensions.code, response.text).toBe('BAD_REQUEST');
    }
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['application/xml', 'application/xml'],
    ['no content type at all', undefined],
  ])('answers a POST with content type %s with 415 UNSUPPORTED_MEDIA_TYPE', async (_label, contentType) => {
    const response = await rawFetch(defaults, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status, response.text).toBe(415);
    expect(response.json.errors).toHaveLength(1);
    expect(response.json.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.json.errors[0].message).toBe('Unsupported content type: send application/json');
  });

  it('answers a request without a query with 400 BAD_REQUEST "Must provide query string.", whatever it accepts', async () => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json']) {
      const response = await postJson(defaults, '{"variables":{}}', accept ? { accept } : {});
      expect(response.status, `${accept}: ${response.text}`).toBe(400);
      expect(response.json.errors).toHaveLength(1);
      expect(response.json.errors[0]).toMatchObject({ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST' } });
    }
  });

  // Every odd shape a client (or an attacker) may send: a stable code, a 4xx or a GraphQL error, never a 500.
  const shapes: Array<{ name: string; init: RequestInit & { duplex?: 'half' }; status: number; code: string }> = [
    { name: 'an empty body', init: json(''), status: 400, code: 'BAD_REQUEST' },
    { name: 'the JSON null', init: json('null'), status: 400, code: 'BAD_REQUEST' },
    { name: 'a JSON string', init: json('"{ __typename }"'), status: 400, code: 'BAD_REQUEST' },
    { name: 'a JSON number', init: json('42'), status: 400, code: 'BAD_REQUEST' },
    { name: 'an empty batch', init: json('[]'), status: 400, code: 'BAD_REQUEST' },
    { name: 'a batch of one', init: json('[{"query":"{ __typename }"}]'), status: 400, code: 'BAD_REQUEST' },
    { name: 'a numeric query', init: json('{"query":5}'), status: 400, code: 'BAD_REQUEST' },
    { name: 'an object as query', init: json('{"query":{"a":1}}'), status: 400, code: 'BAD_REQUEST' },
    { name: 'an empty query', init: json('{"query":""}'), status: 200, code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'a query that is not GraphQL', init: json('{"query":"SELECT * FROM models"}'), status: 200, code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'variables as a string', init: json('{"query":"{ __typename }","variables":"x"}'), status: 400, code: 'BAD_REQUEST' },
    { name: 'variables as an array', init: json('{"query":"{ __typename }","variables":[1]}'), status: 400, code: 'BAD_REQUEST' },
    { name: 'extensions as a number', init: json('{"query":"{ __typename }","extensions":5}'), status: 400, code: 'BAD_REQUEST' },
    {
      name: 'a numeric operationName',
      init: json('{"query":"{ __typename }","operationName":5}'),
      status: 400,
      code: 'OPERATION_RESOLUTION_FAILURE',
    },
    {
      name: 'an operationName that names no operation',
      init: json('{"query":"query A { __typename }","operationName":"B"}'),
      status: 400,
      code: 'OPERATION_RESOLUTION_FAILURE',
    },
    { name: 'deeply nested JSON', init: json(`${'['.repeat(5_000)}${']'.repeat(5_000)}`), status: 400, code: 'BAD_REQUEST' },
    { name: 'bytes that are not UTF-8', init: json(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), status: 400, code: 'BAD_REQUEST' },
    {
      name: 'a gzip-compressed body (request compression is not supported)',
      init: json(gzipSync(JSON.stringify({ query: '{ __typename }' })), { 'content-encoding': 'gzip' }),
      status: 400,
      code: 'BAD_REQUEST',
    },
    { name: 'a GET without a query', init: { method: 'GET' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'a PUT', init: { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }, status: 405, code: 'BAD_REQUEST' },
    { name: 'a DELETE', init: { method: 'DELETE' }, status: 405, code: 'BAD_REQUEST' },
  ];

  function json(body: string | Uint8Array, headers: Record<string, string> = {}): RequestInit {
    return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body as BodyInit };
  }

  it.each(shapes)('answers $name with $status $code, no 500 and no internals', async ({ init, status, code }) => {
    const response: RawResponse = await rawFetch(defaults, init);
    expect(response.status, response.text).toBe(status);
    expect(response.json?.errors?.[0]?.extensions?.code, response.text).toBe(code);
    for (const error of response.json.errors) expect(typeof error.extensions?.code).toBe('string');
    expectNoInternals(response.text);
  });

  it.each([
    ['a form (application/x-www-form-urlencoded)', 'application/x-www-form-urlencoded', 'query=%7B%20__typename%20%7D'],
    ['multipart/form-data', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ __typename }"}\r\n--x--\r\n'],
    ['application/graphql', 'application/graphql', '{ __typename }'],
  ])('refuses GraphQL posted as %s with 415 (a plain HTML form on another site cannot post JSON)', async (_label, contentType, body) => {
    const response = await rawFetch(defaults, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.status, response.text).toBe(415);
    expect(response.json.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.json.data ?? null).toBeNull();
  });

  it.each([
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    // media types are case-insensitive (RFC 9110 §8.3.1), and whitespace around the ";" is allowed
    'Application/JSON',
    'APPLICATION/JSON; charset=utf-8',
    ' application/json ; charset=utf-8',
    'application/json ; charset=utf-8',
  ])('accepts the content type %s', async (contentType) => {
    const response = await rawFetch(defaults, { method: 'POST', headers: { 'content-type': contentType }, body: '{"query":"{ __typename }"}' });
    expect(response.json).toEqual({ data: { __typename: 'Query' } });
  });

  it('accepts a content type in capitals over HTTP, with the body read as sent', async () => {
    const body = '{"query":"query Named { __typename }","operationName":"Named"}';
    const response = await httpCall(defaultsUrl, {
      headers: { 'content-type': 'Application/JSON; Charset=UTF-8', 'content-length': String(Buffer.byteLength(body)) },
      chunks: [body],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ data: { __typename: 'Query' } });
  });
});

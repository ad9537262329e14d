import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ServerProcess } from './server-process.ts';
import type { TestApp } from './test-app.ts';

/** Helpers of the hardening tests (test/hardening/*): raw requests, log lines, metrics, Redis. */

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** the parsed JSON body, or undefined when the body is not JSON */
  json: any;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A request straight into the app's fetch handler (no socket), with whatever body and headers. */
export async function rawFetch(
  t: TestApp,
  init: RequestInit & { duplex?: 'half' },
  path = '/graphql',
): Promise<RawResponse> {
  const response = await t.app.yoga.fetch(`http://gateway.test${path}`, init as RequestInit);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseJson(text) };
}

/** A JSON POST of `body` (serialized as given) with the given headers. */
export function postJson(t: TestApp, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawFetch(t, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body as BodyInit });
}

/** The app served over a real socket on 127.0.0.1, as src/main.ts serves it. */
export async function listen(app: App): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/**
 * One HTTP/1.1 request over a socket. `chunks` are written one by one; without a content-length
 * header Node sends them chunked (no Content-Length at all). With `endBody: false` the request body
 * is never finished: the promise resolves as soon as the server answers anyway.
 */
export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; chunks?: Array<string | Buffer>; endBody?: boolean },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        if (options.endBody === false) request.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: parseJson(text) });
      });
      response.on('error', reject);
    });
    // The server may answer (413) and close while the body is still being sent.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    for (const chunk of options.chunks ?? []) request.write(chunk);
    if (options.endBody !== false) request.end();
  });
}

/** Every log line of the app, parsed (each line pino writes is one JSON object). */
export function logEntries(lines: string[]): Array<Record<string, any>> {
  return lines.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, any>),
  );
}

/** The 'request completed' lines carrying this request id. */
export function completedLines(lines: string[], requestId: string): Array<Record<string, any>> {
  return logEntries(lines).filter((entry) => entry.msg === 'request completed' && entry.requestId === requestId);
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
export function metricSamples(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]!] = label[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of one sample (undefined when there is none) whose labels include `labels`. */
export function sampleValue(samples: MetricSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Makes sure the Redis of this machine answers on 127.0.0.1:6379, starting it when it is down.
 * Resolves with why the Redis tests cannot run only when there is no redis-server binary at all;
 * a binary that does not start is a failure, not a reason to skip.
 */
export async function ensureRedis(): Promise<{ available: true } | { available: false; reason: string }> {
  if (await portAnswers(6379)) return { available: true };
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((candidate) => existsSync(candidate));
  if (!binary) {
    return { available: false, reason: 'no redis-server binary on this machine and nothing listens on 127.0.0.1:6379' };
  }
  execFileSync(binary, [
    '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
    '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
  ]);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await portAnswers(6379)) return { available: true };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`started ${binary} but nothing answers on 127.0.0.1:6379 (see /var/log/redis/ci.log)`);
}

/** Stops the real server and resolves once its exit is seen and all of its output has been read. */
export async function stopAndDrain(server: ServerProcess): Promise<number | null> {
  const closed = new Promise<void>((resolve) => {
    if (server.child.exitCode !== null && server.child.stdout?.readableEnded) resolve();
    else server.child.once('close', () => resolve());
  });
  const { code } = await server.stop('SIGTERM');
  await closed;
  return code;
}

/** Fails with the place of the first secret found in `text`, naming the secret by its label. */
export function expectNoSecretIn(text: string, secrets: Record<string, string>, where: string): void {
  for (const [label, secret] of Object.entries(secrets)) {
    expect(secret.length, `secret ${label} is too short to search for`).toBeGreaterThanOrEqual(8);
    const at = text.indexOf(secret);
    expect(at, `${where} contains ${label}: …${text.slice(Math.max(0, at - 200), at + secret.length + 50)}…`).toBe(-1);
  }
}

import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/tables.ts';
import type { TestApp } from './test-app.ts';

/**
 * A real node:http server around the app's Yoga handler, and a raw HTTP client that sends exactly
 * the bytes a test gives it: any method, any headers (or none), a body with its Content-Length, or
 * a body streamed in chunks with no Content-Length at all. Used by test/adversarial/*.
 */
export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(t: TestApp): Promise<HttpServer> {
  const server: Server = createServer(t.app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface RawRequest {
  method?: string;
  /** path and query string; default /graphql */
  path?: string;
  /** sent exactly as given; nothing is added but Host (and Content-Length for `body`) */
  headers?: Record<string, string>;
  /** sent with its Content-Length */
  body?: string | Buffer;
  /** sent with Transfer-Encoding: chunked and no Content-Length, one write per chunk */
  chunks?: Buffer[];
  /** bytes written to a bare TCP socket instead: the whole request, request line included */
  socket?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  json: any;
  elapsedMs: number;
}

/** Sends one request and resolves with the response; rejects when none comes in `timeoutMs` (a hang). */
export function sendRaw(port: number, raw: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  if (raw.socket !== undefined) return sendOverSocket(port, raw.socket, timeoutMs);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...raw.headers };
    if (raw.body !== undefined) headers['content-length'] = String(Buffer.byteLength(raw.body));
    if (raw.chunks) headers['transfer-encoding'] = 'chunked';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: raw.method ?? 'POST',
      path: raw.path ?? '/graphql',
      headers,
      // A fresh connection per request: a refused upload must not poison the next case's socket.
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(() => reject(new Error(`no response within ${timeoutMs} ms (the server hangs)`)));
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish(() => reject(error)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish(() =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text), elapsedMs: performance.now() - started }),
        );
      });
    });
    // The server may answer (413) and close before an upload ends: the response is what counts.
    req.on('error', (error) => {
      setTimeout(() => finish(() => reject(error)), 1_000);
    });
    void (async () => {
      if (raw.chunks) {
        for (const chunk of raw.chunks) {
          if (req.destroyed) return;
          if (!req.write(chunk)) await new Promise<void>((resolve) => req.once('drain', resolve).once('close', resolve));
        }
        req.end();
      } else {
        req.end(raw.body);
      }
    })();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Writes bytes no HTTP client would send to a bare socket, and reads what comes back until close. */
function sendOverSocket(port: number, bytes: string | Buffer, timeoutMs: number): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms (the server hangs)`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = rest.join('\r\n\r\n');
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, text: body, json: parseJson(body), elapsedMs: performance.now() - started });
    });
  });
}

/** Every column of every model of these organizations, in a stable order, binary columns as hex. */
export async function snapshotModels(db: Kysely<Database>, organizationIds: string[]): Promise<string> {
  const rows = await db
    .selectFrom('models')
    .selectAll()
    .where('organization_id', 'in', organizationIds)
    .orderBy('id')
    .execute();
  return JSON.stringify(rows, (_key, value: unknown) => {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('hex');
    }
    return value;
  });
}

/** How many models an organization has, over all its projects. */
export async function countOrganizationModels(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('models')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Text no response may contain: stack frames, source paths, SQL. */
export const INTERNALS = [
  / {4}at /,
  /node_modules/,
  /\.ts:/,
  /\bselect\s/i,
  /insert into/i,
  / from "models"/i,
  /\bfrom models\b/i,
  /"stack"/,
];

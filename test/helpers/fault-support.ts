import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { signDevToken } from '../../src/auth/dev-token.ts';

/**
 * Shared by test/faults/*: the PostgreSQL the fault tests break (always the one on 127.0.0.1:5432,
 * whichever mode the suite runs in), a direct connection to it that no fault touches, and a small
 * HTTP client for spawned server processes.
 */
export const POSTGRES_DIRECT_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the suite runs against PostgreSQL (DATABASE_URL set): the spawned-process PostgreSQL tests run only then. */
export const POSTGRES_MODE = Boolean(process.env.DATABASE_URL);

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_DIRECT_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1 from models limit 1');
    return true;
  } catch (error) {
    console.warn(
      `test/faults: PostgreSQL at ${POSTGRES_DIRECT_URL} is not reachable or not migrated (${(error as Error).message}); ` +
        'the tests that break its connection are skipped',
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection straight to PostgreSQL (not through any proxy), for checking what was written. */
export async function directClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_DIRECT_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

export interface FaultTenant {
  organizationId: string;
  projectId: string;
  token: string;
}

export async function newTenant(jwtSecret: string): Promise<FaultTenant> {
  const organizationId = `org-fault-${randomUUID()}`;
  const projectId = `proj-${randomUUID().slice(0, 8)}`;
  const token = await signDevToken(jwtSecret, { sub: 'fault-tester', org: organizationId, projects: [projectId] });
  return { organizationId, projectId, token };
}

/** Environment for a spawned gateway: fixed secrets (so tokens can be signed here), no rate limit. */
export async function serverEnv(extra: Record<string, string>): Promise<{ env: Record<string, string>; jwtSecret: string }> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-fault-'));
  return {
    jwtSecret,
    env: {
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: jwtSecret,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_PER_SECOND: '0',
      LOG_LEVEL: 'info',
      ...extra,
    },
  };
}

export const CREATE_MODEL = /* GraphQL */ `
  mutation Create($input: CreateModelInput!) {
    createModel(input: $input) { model { id resourceUri name } }
  }
`;

export const MODELS_QUERY = /* GraphQL */ `
  query List($first: Int, $after: String) {
    models(first: $first, after: $after) {
      totalCount
      nodes { id resourceUri }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/** A create input with an explicit, unique resource URI, so each request names exactly one row. */
export function burstInput(runId: string, index: number): Record<string, unknown> {
  return {
    name: `Fault ${runId} ${index}`,
    resourceUri: `fault-${runId}-${index}`,
    litellmModel: 'openai/gpt-4o',
    credentials: { api_key: `sk-fault-${index}`, org: 'fault' },
    tags: ['fault'],
  };
}

export interface HttpResult {
  status: number;
  body: any;
  text: string;
  elapsedMs: number;
}

/** POSTs a GraphQL request to a running server; rejects on a network error or after `timeoutMs` (a hang). */
export async function postGraphql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  tenant: FaultTenant,
  timeoutMs = 15_000,
): Promise<HttpResult> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${tenant.token}`,
      'x-project-id': tenant.projectId,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, elapsedMs: performance.now() - started };
}

/** GET /healthz or /readyz of a server whose GraphQL URL is `graphqlUrl`. */
export async function getProbe(graphqlUrl: string, probe: '/healthz' | '/readyz', timeoutMs = 5_000): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(probe, graphqlUrl), { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.json() };
}

/** Polls `check` until it returns a value other than undefined; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Runs `task(0..total-1)` with at most `concurrency` at a time. `afterEach` sees each result as it
 * settles (a fault can be injected from there); every task's outcome is returned in index order.
 */
export async function runBurst<T>(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
  afterEach?: (settled: number) => void | Promise<void>,
): Promise<Array<PromiseSettledResult<T>>> {
  const results: Array<PromiseSettledResult<T>> = new Array(total);
  let next = 0;
  let settled = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(index) };
      } catch (error) {
        results[index] = { status: 'rejected', reason: error };
      }
      settled++;
      await afterEach?.(settled);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

export function errorCodesOf(body: any): unknown[] {
  return ((body?.errors ?? []) as Array<{ extensions?: { code?: unknown } }>).map((error) => error.extensions?.code);
}

import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type App, createApp } from '../../src/app.ts';
import { type DevTokenClaims, signDevToken } from '../../src/auth/dev-token.ts';
import type { Tenant } from '../../src/auth/principal.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/tables.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * An app on its own database: in-memory PGlite, or the PostgreSQL of DATABASE_URL. Tests on a
 * shared PostgreSQL stay apart by working in tenants of their own (see `newTenant`).
 */
export const DATABASE_KIND = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface GraphQLResponse<TData = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
  text: string;
}

export interface RequestOptions {
  /** a bearer token, or null to send no Authorization header */
  token?: string | null;
  project?: string | null;
  headers?: Record<string, string>;
  /** which operation of a document with several to run */
  operationName?: string;
}

export interface TestApp {
  app: App;
  db: Kysely<Database>;
  config: Config;
  /** every log line the app wrote */
  logs: string[];
  gql<TData = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<TData>>;
  token(claims: Partial<DevTokenClaims> & { org: string }): Promise<string>;
  /** a fresh organization and project, with a token that may use that project */
  newTenant(): Promise<Tenant & { token: string; userId: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: { now(): Date };
  /** called with the SQL and parameters of every statement the app runs */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = await loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: '/nonexistent-test-data-dir',
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'debug',
    // Suites create hundreds of models quickly; the rate-limit tests turn it back on.
    RATE_LIMIT_PER_SECOND: '0',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_POOL_SIZE: '8' } : {}),
    ...options.env,
  });
  if (config.database.kind === 'pglite') config.database = { kind: 'pglite', dataDir: 'memory://' };

  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const onQuery = options.onQuery;
  const db = createDatabase(
    config.database,
    onQuery
      ? { log: (event) => void (event.level === 'query' && onQuery(event.query.sql, event.query.parameters)) }
      : {},
  );
  await migrateToLatest(db);
  const app = createApp({ config, db, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const secret = config.auth.jwtSecret as string;

  const token = (claims: Partial<DevTokenClaims> & { org: string }) =>
    signDevToken(secret, { sub: 'alice', projects: ['demo'], ...claims });

  return {
    app,
    db,
    config,
    logs,
    token,
    async gql(query, variables, requestOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...requestOptions.headers };
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      if (requestOptions.project) headers['x-project-id'] = requestOptions.project;
      const response = await app.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables, operationName: requestOptions.operationName }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
    },
    async newTenant() {
      const organizationId = `org-${randomUUID()}`;
      const projectId = `proj-${randomUUID().slice(0, 8)}`;
      const userId = `user-${randomUUID().slice(0, 8)}`;
      return {
        organizationId,
        projectId,
        userId,
        token: await token({ sub: userId, org: organizationId, projects: [projectId] }),
      };
    },
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}

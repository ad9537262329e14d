import { mkdirSync } from 'node:fs';
import { Kysely, type LogEvent, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { withFailureTranslation } from './failure-dialect.ts';
import type { Database } from './tables.ts';

const pools = new WeakMap<Kysely<Database>, pg.Pool>();

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Connections of the pg pool behind `db`; null for PGlite, which is one in-process connection. */
export function poolStatsOf(db: Kysely<Database>): PoolStats | null {
  const pool = pools.get(db);
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

export interface DatabaseOptions {
  /** sees every statement Kysely runs (tests use it to check which queries a request costs) */
  log?: (event: LogEvent) => void;
  /** a pooled connection failed, idle or mid-query (the pool drops it and reconnects on demand) */
  onConnectionError?: (error: Error) => void;
}

/** Embedded PGlite by default (a directory, or `memory://` in tests); a pg Pool for a real server. */
export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Kysely<Database> {
  const log = options.log;
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      // A statement that runs too long is cancelled by the server, and a request never waits
      // forever for a connection when the database is away.
      statement_timeout: config.statementTimeoutMs,
      connectionTimeoutMillis: config.connectTimeoutMs,
      // statement_timeout needs the server to hear the cancel; this bounds a query the network lost.
      query_timeout: config.statementTimeoutMs + 1_000,
    });
    // pg-pool listens for errors only on idle clients; a checked-out client whose connection drops
    // emits 'error' too, which would crash the process without a listener.
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
    // Without a listener, an idle client whose connection drops would crash the process.
    pool.on('error', (error) => options.onConnectionError?.(error));
    const db = new Kysely<Database>({ dialect: withFailureTranslation(new PostgresDialect({ pool })), log });
    pools.set(db, pool);
    return db;
  }
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const dataDir = config.dataDir;
  // Loaded only when used: PGlite's WebAssembly build costs ~40 MB that a PostgreSQL deployment needn't carry.
  const pglite = async () => {
    const [{ PGlite }, { pg_trgm }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
    ]);
    return new PGlite(dataDir, { extensions: { pg_trgm } });
  };
  return new Kysely<Database>({ dialect: withFailureTranslation(new PGliteDialect({ pglite })), log });
}

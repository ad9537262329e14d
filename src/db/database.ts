import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, type LogEvent, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { Database } from './tables.ts';

/** Embedded PGlite by default (a directory, or `memory://` in tests); a pg Pool for a real server. */
export interface DatabaseOptions {
  /** sees every statement Kysely runs (tests use it to check which queries a request costs) */
  log?: (event: LogEvent) => void;
}

export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Kysely<Database> {
  const log = options.log;
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  }
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const pglite = new PGlite(config.dataDir, { extensions: { pg_trgm } });
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), log });
}

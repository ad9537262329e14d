import { createDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { POSTGRES_DIRECT_URL } from './fault-support.ts';

/**
 * Against PostgreSQL, migrate once before the test files run side by side on the same database.
 * On PGlite, the fault tests still break the local PostgreSQL: migrate it when it is there, so that
 * they run on a fresh machine instead of being skipped as "not migrated".
 */
export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (url) return migrate(url, 10_000);
  await migrate(POSTGRES_DIRECT_URL, 2_000).catch(() => undefined);
}

async function migrate(url: string, connectTimeoutMs: number): Promise<void> {
  const db = createDatabase({ kind: 'postgres', url, poolSize: 1, statementTimeoutMs: 60_000, connectTimeoutMs });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

import { createDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/** Against PostgreSQL, migrate once before the test files run side by side on the same database. */
export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const db = createDatabase({ kind: 'postgres', url, poolSize: 1, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

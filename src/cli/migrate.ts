import { loadConfig } from '../config.ts';
import { createDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';

/** npm run migrate: brings the configured database to the newest migration. */
const config = await loadConfig(process.env);
const db = createDatabase(config.database);
try {
  const applied = await migrateToLatest(db);
  if (applied.length === 0) console.log('database is up to date');
  for (const migration of applied) console.log(`${migration.status}: ${migration.migrationName}`);
} finally {
  await db.destroy();
}

import { type Kysely, sql } from 'kysely';

/**
 * Finer statistics for the searched text. With the default sample, PostgreSQL's estimate of how
 * many rows `description ILIKE '%term%'` matches swung a hundredfold between ANALYZE runs (the
 * benchmark saw 92 to 9,290 for an actual 27,534), flipping a project's search between a 3 ms
 * walk of its own index and a 100 ms trigram scan across every project.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table models alter column description set statistics 1000`.execute(db);
  await sql`alter table models alter column name set statistics 1000`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table models alter column description set statistics -1`.execute(db);
  await sql`alter table models alter column name set statistics -1`.execute(db);
}

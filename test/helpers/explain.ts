import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/tables.ts';

export interface RecordedQuery {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * The plan PostgreSQL picks for a recorded statement when the given plan types are switched off.
 * Small test tables make sequential scans the cheapest plan; turning them off shows whether an
 * index can serve the statement at all.
 */
export async function explain(
  db: Kysely<Database>,
  query: RecordedQuery,
  disable: Array<'seqscan' | 'indexscan' | 'sort'> = ['seqscan'],
): Promise<string> {
  return db.connection().execute(async (connection) => {
    for (const setting of disable) await sql`${sql.raw(`set enable_${setting} = off`)}`.execute(connection);
    try {
      const result = await connection.executeQuery<Record<string, string>>(
        CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]),
      );
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      for (const setting of disable) await sql`${sql.raw(`reset enable_${setting}`)}`.execute(connection);
    }
  });
}

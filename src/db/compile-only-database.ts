import {
  DummyDriver,
  Kysely,
  type LogConfig,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import type { Database } from './tables.ts';

/**
 * A Kysely that compiles PostgreSQL statements and runs none (every query answers no rows): for
 * checking or recording the SQL the repository would send, without a database.
 */
export function createCompileOnlyDatabase(log?: LogConfig): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log,
  });
}

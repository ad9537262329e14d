import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from './tables.ts';
import { type Migration, type MigrationProvider, type MigrationResult, Migrator } from 'kysely/migration';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
/** .ts from the sources, .js from the production build (`npm run build` compiles both folders). */
const MIGRATION_EXTENSION = path.extname(fileURLToPath(import.meta.url));

/**
 * Loads migrations/NNNN_name.ts. Kysely's FileMigrationProvider imports from inside node_modules,
 * where TypeScript files are not transformed under every runner (vitest); importing here they are.
 */
const migrationProvider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(MIGRATIONS_DIR))
      .filter((file) => /^\d{4}_[\w-]+$/.test(path.basename(file, MIGRATION_EXTENSION)) && file.endsWith(MIGRATION_EXTENSION))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as Migration;
      migrations[path.basename(file, MIGRATION_EXTENSION)] = { up: module.up, down: module.down };
    }
    return migrations;
  },
};

export function createMigrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

export class MigrationError extends Error {}

/** Brings the schema to the newest migration; concurrent callers wait on Kysely's migration lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  return results ?? [];
}

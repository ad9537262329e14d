import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { migrateToLatest } from './migrate.ts';
import type { Database } from './tables.ts';

export interface ReadinessReport {
  ready: boolean;
  database: 'up' | 'down';
  migrations: 'applied' | 'pending';
  draining: boolean;
}

export interface Readiness {
  /** Migrates now if the database answers; otherwise keeps retrying in the background. */
  start(): Promise<void>;
  check(): Promise<ReadinessReport>;
  /** From now on report not-ready, so a load balancer stops sending traffic before shutdown. */
  drain(): void;
  stop(): void;
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * Whether this instance can serve: the database answers and the migrations are applied. The
 * process starts even when the database is down and becomes ready when it comes back.
 */
export function createReadiness(db: Kysely<Database>, logger: Logger, retryMs = 2_000): Readiness {
  let migrated = false;
  let draining = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let migrating: Promise<boolean> | undefined;

  const migrate = () => {
    migrating ??= migrateToLatest(db)
      .then((applied) => {
        migrated = true;
        logger.info({ applied: applied.map((migration) => migration.migrationName) }, 'database ready');
        return true;
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'database not ready; migrations will be retried');
        return false;
      })
      .finally(() => {
        migrating = undefined;
      });
    return migrating;
  };

  const scheduleRetry = () => {
    retryTimer = setTimeout(async () => {
      if (!(await migrate()) && !draining) scheduleRetry();
    }, retryMs);
    retryTimer.unref();
  };

  const databaseAnswers = async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    });
    const probe = sql`select 1`.execute(db).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async start() {
      if (!(await migrate())) scheduleRetry();
    },
    async check() {
      const up = await databaseAnswers();
      if (up && !migrated) await migrate();
      return {
        ready: up && migrated && !draining,
        database: up ? 'up' : 'down',
        migrations: migrated ? 'applied' : 'pending',
        draining,
      };
    },
    drain() {
      draining = true;
    },
    stop() {
      draining = true;
      clearTimeout(retryTimer);
    },
  };
}

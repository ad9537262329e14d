import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger } from './logger.ts';

const config = await loadConfig(process.env);
const logger = createLogger(config.log.level);
if (config.generatedSecrets.length > 0) {
  logger.warn(
    { generated: config.generatedSecrets, dataDir: config.dataDir },
    'generated missing secrets into the data directory (development only; set them in the environment in production)',
  );
}

const db = createDatabase(config.database);
const applied = await migrateToLatest(db);
logger.info(
  { database: config.database.kind, applied: applied.map((migration) => migration.migrationName) },
  'database ready',
);

const app = createApp({ config, db, logger });
const server = createServer(app.yoga);

server.listen(config.server.port, config.server.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url }, `GraphQL API and GraphiQL at ${url}`);
  if (config.auth.jwtSecret && !config.auth.jwksUrl) {
    logger.info('mint a development token with: npm run token -- --sub alice --org acme --projects demo');
  }
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.destroy();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

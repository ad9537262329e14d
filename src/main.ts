import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createDatabase } from './db/database.ts';
import { createLogger } from './logger.ts';
import { createInFlightTracker } from './server/in-flight.ts';

const config = await loadConfig(process.env);
const logger = createLogger(config.log.level);
if (config.generatedSecrets.length > 0) {
  logger.warn(
    { generated: config.generatedSecrets, dataDir: config.dataDir },
    'generated missing secrets into the data directory (development only; set them in the environment in production)',
  );
}

const db = createDatabase(config.database, {
  onConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection failed; it will be replaced'),
});
const app = createApp({ config, db, logger });
// Migrates now, or, if the database is not reachable yet, keeps trying while the server already
// answers (/readyz says 503 until it succeeds).
await app.readiness.start();

const inFlight = createInFlightTracker();
const server = createServer((request, response) => inFlight.track(app.yoga(request, response)));

server.listen(config.server.port, config.server.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url, database: config.database.kind }, `GraphQL API${config.graphql.graphiql ? ' and GraphiQL' : ''} at ${url}`);
  if (config.auth.jwtSecret && !config.auth.jwksUrl) {
    logger.info('mint a development token with: npm run token -- --sub alice --org acme --projects demo');
  }
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, inFlight: inFlight.count() }, 'shutting down: no new connections, finishing requests in flight');
  app.readiness.drain();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const finished = await inFlight.settled(config.shutdownTimeoutMs);
  if (!finished) logger.warn({ inFlight: inFlight.count() }, 'shutdown timeout reached; closing remaining connections');
  server.closeAllConnections();
  await closed;
  // A pool whose connections no longer answer never finishes ending: bound it too.
  const released = await Promise.race([
    Promise.all([app.close(), db.destroy()]).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000).unref()),
  ]);
  if (!released) logger.warn('the database pool did not close in time; exiting anyway');
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

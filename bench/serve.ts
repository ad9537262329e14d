import type { Server } from 'node:http';
import type pg from 'pg';

/**
 * Listens on PORT (0 = any) and HOST as the bench gives them, prints the URL, and on SIGTERM or
 * SIGINT closes the connections and the pool and exits: the start and stop of the baseline and
 * the Yoga floor.
 */
export function serve(server: Server, pool: pg.Pool, path = ''): void {
  const env = process.env;
  server.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    console.log(JSON.stringify({ level: 'info', url: `http://127.0.0.1:${port}${path}` }));
  });

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    void pool.end().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

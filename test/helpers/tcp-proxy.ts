import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of another server (PostgreSQL in test/faults), to break the
 * network between the gateway's pool and the database for real:
 *
 * - `cut()`: every live connection is destroyed and the port refuses new ones (ECONNREFUSED), as
 *   when the database host goes away; `restore()` listens on the same port again.
 * - `pause()`: connections stay open but no byte is forwarded either way (new connections are
 *   accepted and held too), as in a network partition; `resume()` delivers what was held back.
 */
export interface TcpProxy {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  postgresUrl(database?: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  pause(): void;
  resume(): void;
  /** connections currently open through the proxy */
  liveConnections(): number;
  /** bytes from clients held back while paused (proof that a query is waiting on the proxy) */
  heldBytes(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Array<{ to: Socket; chunk: Buffer; fromClient: boolean }>;
}

export async function startTcpProxy(target: { host: string; port: number } = { host: '127.0.0.1', port: 5432 }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let listening = false;
  let closed = false;
  let server: Server = createListener();
  let port = 0;

  function createListener(): Server {
    return createServer({ noDelay: true }, (client) => {
      if (!listening) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: target.host, port: target.port, noDelay: true });
      const pair: Pair = { client, upstream, held: [] };
      pairs.add(pair);
      const forward = (to: Socket, fromClient: boolean) => (chunk: Buffer) => {
        if (paused) pair.held.push({ to, chunk, fromClient });
        else if (!to.destroyed) to.write(chunk);
      };
      client.on('data', forward(upstream, true));
      upstream.on('data', forward(client, false));
      const teardown = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      // An end on one side ends the other once everything held back has been delivered.
      client.on('end', () => (paused ? teardown() : upstream.end()));
      upstream.on('end', () => (paused ? teardown() : client.end()));
      client.on('error', teardown);
      upstream.on('error', teardown);
      client.on('close', teardown);
      upstream.on('close', teardown);
    });
  }

  async function listen(onPort: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as AddressInfo).port;
    listening = true;
  }

  async function stopListening(): Promise<void> {
    listening = false;
    const current = server;
    await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  function destroyAll(): void {
    for (const pair of pairs) {
      // resetAndDestroy sends RST, as a vanished host's kernel would; a FIN would look like a clean close.
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  }

  await listen(0);

  return {
    get port() {
      return port;
    },
    postgresUrl: (database = 'test') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async cut() {
      if (!listening) return;
      const stopped = stopListening();
      destroyAll();
      await stopped;
    },
    async restore() {
      if (listening || closed) return;
      server = createListener();
      // The same port, so the pool's connection string stays valid. Retry briefly if the kernel is slow to free it.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          server = createListener();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const pair of pairs) {
        const held = pair.held.splice(0);
        for (const { to, chunk } of held) if (!to.destroyed) to.write(chunk);
      }
    },
    liveConnections: () => pairs.size,
    heldBytes: () => {
      let bytes = 0;
      for (const pair of pairs) for (const { chunk, fromClient } of pair.held) if (fromClient) bytes += chunk.length;
      return bytes;
    },
    async close() {
      closed = true;
      paused = false;
      // server.close() waits for open connections: destroy them first.
      const stopped = listening ? stopListening() : Promise.resolve();
      destroyAll();
      await stopped;
    },
  };
}

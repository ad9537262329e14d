import type { Server } from 'node:http';

/** Counts requests being answered, so shutdown can wait for them (for a bounded time). */
export function trackInFlight(server: Server) {
  let active = 0;
  let onIdle: (() => void) | undefined;
  server.on('request', (_request, response) => {
    active++;
    response.on('close', () => {
      active--;
      if (active === 0) onIdle?.();
    });
  });
  return {
    count: () => active,
    /** resolves true once nothing is in flight, or false when `timeoutMs` passes first */
    settled(timeoutMs: number): Promise<boolean> {
      if (active === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
}

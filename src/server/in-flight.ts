/**
 * Counts requests being handled, so shutdown can wait for them (for a bounded time). A request
 * counts until its handler has finished, not until its client hangs up: a client that goes away
 * early must not let the database close under a resolver that is still running.
 */
export function createInFlightTracker() {
  let active = 0;
  let onIdle: (() => void) | undefined;
  return {
    count: () => active,
    track(work: unknown): void {
      active++;
      void Promise.resolve(work)
        .catch(() => {})
        .finally(() => {
          active--;
          if (active === 0) onIdle?.();
        });
    },
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

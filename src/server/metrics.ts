import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/database.ts';

export interface Metrics {
  registry: Registry;
  requests: Counter<'operation' | 'outcome'>;
  duration: Histogram<'operation' | 'outcome'>;
  rateLimited: Counter;
}

/** Prometheus metrics of one app: requests and latency by operation and outcome, pool, rate limiting. */
export function createMetrics(poolStats: () => PoolStats | null): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation name and outcome (ok, or the first error code)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'graphql_rate_limited_total',
    help: 'Requests refused by the per-principal rate limit',
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = poolStats();
        if (stats) this.set(read(stats));
      },
    });
  poolGauge('db_pool_connections_in_use', 'Database connections executing a statement', (s) => s.total - s.idle);
  poolGauge('db_pool_connections_idle', 'Open database connections waiting for work', (s) => s.idle);
  poolGauge('db_pool_requests_waiting', 'Queries waiting for a free database connection', (s) => s.waiting);

  return { registry, requests, duration, rateLimited };
}

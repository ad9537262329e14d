import type { Plugin } from 'graphql-yoga';
import type { Readiness } from '../db/readiness.ts';
import type { Metrics } from './metrics.ts';

/** /healthz (the process answers), /readyz (database reachable and migrated), /metrics (Prometheus). */
export function useHealthRoutes(readiness: Readiness, metrics: Metrics): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      switch (url.pathname) {
        case '/healthz':
          endResponse(fetchAPI.Response.json({ status: 'ok' }));
          return;
        case '/readyz': {
          const report = await readiness.check();
          endResponse(fetchAPI.Response.json({ status: report.ready ? 'ready' : 'unavailable', ...report }, { status: report.ready ? 200 : 503 }));
          return;
        }
        case '/metrics':
          endResponse(
            new fetchAPI.Response(await metrics.registry.metrics(), {
              headers: { 'content-type': metrics.registry.contentType },
            }),
          );
          return;
      }
    },
  };
}

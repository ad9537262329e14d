import type { Plugin } from 'graphql-yoga';
import type { Readiness } from '../db/readiness.ts';
import type { Metrics } from './metrics.ts';
import { isGraphQLPath } from './request-path.ts';

/** /healthz (the process answers), /readyz (database reachable and migrated), /metrics (Prometheus). */
export function useHealthRoutes(readiness: Readiness, metrics: Metrics): Plugin {
  return {
    // Synchronous for every other path: a GraphQL request neither parses its URL nor waits on a promise here.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (isGraphQLPath(request.url)) return;
      switch (url.pathname) {
        case '/healthz':
          endResponse(fetchAPI.Response.json({ status: 'ok' }));
          return;
        case '/readyz':
          return readiness.check().then((report) =>
            endResponse(
              fetchAPI.Response.json({ status: report.ready ? 'ready' : 'unavailable', ...report }, { status: report.ready ? 200 : 503 }),
            ),
          );
        case '/metrics':
          return metrics.registry
            .metrics()
            .then((text) => endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } })));
      }
    },
  };
}

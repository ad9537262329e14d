import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Readiness } from '../db/readiness.ts';
import type { Metrics } from './metrics.ts';
import { isGraphQLPath } from './request-path.ts';

/**
 * /healthz (the process answers), /readyz (database reachable and migrated), /metrics (Prometheus;
 * with a metrics token, only for a scrape that sends it as its bearer token).
 */
export function useHealthRoutes(readiness: Readiness, metrics: Metrics, metricsToken?: string): Plugin {
  const scrapeIsAllowed = metricsToken === undefined ? () => true : bearerMatcher(metricsToken);
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
          if (!scrapeIsAllowed(request.headers.get('authorization'))) {
            endResponse(
              fetchAPI.Response.json(
                { error: 'UNAUTHENTICATED', message: '/metrics needs the metrics token as a bearer token' },
                { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"' } },
              ),
            );
            return;
          }
          return metrics.registry
            .metrics()
            .then((text) => endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } })));
      }
    },
  };
}

/** Whether an Authorization header carries `token` as its bearer token, compared in constant time. */
function bearerMatcher(token: string): (authorization: string | null) => boolean {
  // Both sides are hashed first so that timingSafeEqual compares equal lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = digest(token);
  return (authorization) => {
    const given = authorization === null ? undefined : /^bearer +(\S+) *$/i.exec(authorization)?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

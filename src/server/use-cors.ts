import type { Plugin } from 'graphql-yoga';

/** What a browser page on an allowed origin may send and read. */
const ALLOWED_METHODS = 'GET, POST';
const ALLOWED_HEADERS = 'authorization, content-type, x-project-id, x-request-id';
const EXPOSED_HEADERS = 'x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * Cross-origin access for browser pages on the listed origins only (CORS_ORIGINS); with none
 * listed the gateway sends no CORS headers at all, which is what a gateway behind a BFF wants.
 *
 * Yoga's built-in CORS is turned off because of its defaults: with no list it reflects every
 * origin with `Access-Control-Allow-Credentials: true`, and with a list it answers an origin not
 * on it with `Access-Control-Allow-Origin: null`, which sandboxed pages (origin "null") pass.
 * Here an origin not on the list gets no CORS header, and credentials are never allowed: the
 * gateway authenticates by bearer token, not by cookie.
 */
export function useCors(allowedOrigins: readonly string[]): Plugin {
  const allowed = new Set(allowedOrigins);
  const allowsAny = allowed.has('*');
  const isAllowed = (origin: string | null): origin is string => origin !== null && (allowsAny || allowed.has(origin));

  return {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method !== 'OPTIONS') return;
      const origin = request.headers.get('origin');
      const headers = new fetchAPI.Headers({ vary: 'Origin' });
      if (isAllowed(origin)) {
        headers.set('access-control-allow-origin', origin);
        headers.set('access-control-allow-methods', ALLOWED_METHODS);
        headers.set('access-control-allow-headers', ALLOWED_HEADERS);
        headers.set('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      }
      endResponse(new fetchAPI.Response(null, { status: 204, headers }));
    },
    onResponse({ request, response }) {
      if (request.method === 'OPTIONS') return;
      response.headers.append('vary', 'Origin');
      const origin = request.headers.get('origin');
      if (!isAllowed(origin)) return;
      response.headers.set('access-control-allow-origin', origin);
      response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
    },
  };
}

import type { Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/verify-token.ts';
import { type AuthState, authenticate } from '../context.ts';
import { requestState } from './request-state.ts';

/**
 * Settles who a request is for as soon as its GraphQL parameters are read, before the document
 * is parsed and validated, so that a request refused there is still logged with its principal.
 * A failed authentication is only recorded here; it becomes an error when a field needs a tenant
 * (introspection works without a token).
 */
export function useAuthentication(verifyToken: TokenVerifier): Plugin {
  return {
    onParams({ request }) {
      const auth = authenticationOf(request, verifyToken);
      if (auth instanceof Promise) return auth.then(() => undefined);
    },
  };
}

/**
 * The request's authentication, made once: by onParams, or by whatever asks first. Synchronous
 * when the token was verified before, so that the common request waits on no promise for it.
 */
export function authenticationOf(request: Request, verifyToken: TokenVerifier): AuthState | Promise<AuthState> {
  const state = requestState(request);
  if (state.auth) return state.auth;
  const auth = authenticate(request.headers, verifyToken);
  if (auth instanceof Promise) return auth.then((settled) => (state.auth ??= settled));
  return (state.auth = auth);
}

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
    async onParams({ request }) {
      await authenticationOf(request, verifyToken);
    },
  };
}

/** The request's authentication, made once: by onParams, or by whatever asks first. */
export async function authenticationOf(request: Request, verifyToken: TokenVerifier): Promise<AuthState> {
  const state = requestState(request);
  state.auth ??= await authenticate(request.headers, verifyToken);
  return state.auth;
}

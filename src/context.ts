import type { Principal, Tenant } from './auth/principal.ts';
import { resolveTenant, PROJECT_HEADER } from './auth/tenant.ts';
import type { TokenVerifier } from './auth/verify-token.ts';
import { AppError, UnauthenticatedError } from './errors.ts';
import type { ModelService } from './models/model.service.ts';

/** Who the request is for, settled once per request; failures wait until a field needs a tenant. */
export type AuthState = { ok: true; principal: Principal; tenant: Tenant } | { ok: false; error: AppError };

export interface GraphQLContext {
  requestId: string;
  auth: AuthState;
  models: ModelService;
}

export function requireAuth(context: GraphQLContext): { principal: Principal; tenant: Tenant } {
  if (!context.auth.ok) throw context.auth.error;
  return context.auth;
}

/** Synchronous when the verifier answers synchronously (a token it has verified before). */
export function authenticate(headers: Headers, verify: TokenVerifier): AuthState | Promise<AuthState> {
  const header = headers.get('authorization');
  if (!header) {
    return { ok: false, error: new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>') };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    return { ok: false, error: new UnauthenticatedError('The Authorization header must be "Bearer <token>"') };
  }
  const withTenant = (principal: Principal): AuthState => {
    try {
      return { ok: true, principal, tenant: resolveTenant(principal, headers.get(PROJECT_HEADER)) };
    } catch (error) {
      return refusal(error);
    }
  };
  let verified: Principal | Promise<Principal>;
  try {
    verified = verify(match[1]);
  } catch (error) {
    return refusal(error);
  }
  return verified instanceof Promise ? verified.then(withTenant, refusal) : withTenant(verified);
}

/** A refusal the client should see; anything else is not the client's fault and goes on up. */
function refusal(error: unknown): AuthState {
  if (error instanceof AppError) return { ok: false, error };
  throw error;
}

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

export async function authenticate(headers: Headers, verify: TokenVerifier): Promise<AuthState> {
  const header = headers.get('authorization');
  if (!header) {
    return { ok: false, error: new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>') };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    return { ok: false, error: new UnauthenticatedError('The Authorization header must be "Bearer <token>"') };
  }
  try {
    const principal = await verify(match[1]);
    return { ok: true, principal, tenant: resolveTenant(principal, headers.get(PROJECT_HEADER)) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
}

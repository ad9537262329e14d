import { randomUUID } from 'node:crypto';
import type { AuthState } from '../context.ts';

/** What the server learns about one HTTP request as it goes, for its log line and metrics. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  operationName?: string;
  /** who the request is for, once authenticated (see use-authentication.ts) */
  auth?: AuthState;
  errorCodes: string[];
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * The state rides on the request object itself. A WeakMap keyed by short-lived requests would
 * keep every state alive through V8's young-generation collections (only a full collection
 * clears a weak entry), so each one would be copied and promoted to the old generation.
 */
const STATE = Symbol('requestState');

export function requestState(request: Request): RequestState {
  const carrier = request as Request & { [STATE]?: RequestState };
  let state = carrier[STATE];
  if (!state) {
    const given = request.headers.get('x-request-id');
    state = {
      requestId: given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID(),
      startedAt: performance.now(),
      errorCodes: [],
    };
    carrier[STATE] = state;
  }
  return state;
}

/** A GraphQL name of at most 64 characters; anything else is not logged or used as a metric label. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Records the operation's name for the request's log line and metrics, when it is a usable one. */
export function recordOperationName(request: Request, name: unknown): void {
  if (typeof name === 'string' && OPERATION_NAME.test(name)) requestState(request).operationName = name;
}

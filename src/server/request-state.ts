import { randomUUID } from 'node:crypto';

/** What the server learns about one HTTP request as it goes, for its log line and metrics. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  operationName?: string;
  principal?: { organizationId: string; userId: string };
  errorCodes: string[];
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const states = new WeakMap<Request, RequestState>();

export function requestState(request: Request): RequestState {
  let state = states.get(request);
  if (!state) {
    const given = request.headers.get('x-request-id');
    state = {
      requestId: given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID(),
      startedAt: performance.now(),
      errorCodes: [],
    };
    states.set(request, state);
  }
  return state;
}

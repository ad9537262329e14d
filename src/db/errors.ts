/**
 * Which database failures a client should see as "try again later" rather than as a bug: the
 * server is unreachable or shutting down, a connection broke, the schema is not migrated yet, or
 * a statement hit statement_timeout.
 */
export type DatabaseFailure = 'unavailable' | 'timeout';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '42P01', // undefined_table: migrations have not run yet
]);
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'connect ECONNREFUSED',
];

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === '57014') return 'timeout'; // query_canceled, as statement_timeout reports it
  if (error.message === 'Query read timeout') return 'timeout'; // pg's client-side query_timeout
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || NETWORK_CODES.has(code))) {
    return 'unavailable';
  }
  if (error instanceof AggregateError && error.errors.some((inner) => classifyDatabaseError(inner))) return 'unavailable';
  if (CONNECTION_MESSAGES.some((message) => error.message.includes(message))) return 'unavailable';
  return undefined;
}

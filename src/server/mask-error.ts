import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { AppError, ServiceUnavailableError, TimeoutError } from '../errors.ts';
import { messageWithoutValues } from './redact-values.ts';
import { withoutSuggestions } from './suggestions.ts';

/**
 * What a client sees of an error. AppErrors become GraphQL errors with their code (and, for
 * input problems, every failing path); GraphQL's and Yoga's own errors keep their code and status
 * but lose any quoted value (and, in production, "did you mean" hints); anything else is logged
 * and replaced by a bare INTERNAL_SERVER_ERROR, so no stack, SQL or secret leaks out.
 */
export function createErrorMasker(logger: Logger, options: { suggestions: boolean }) {
  const hideSuggestions = (message: string) => (options.suggestions ? message : withoutSuggestions(message));

  return (error: unknown, message: string): Error => {
    const graphQLError = error instanceof GraphQLError ? error : undefined;
    const cause = innermostCause(error);
    if (cause instanceof ServiceUnavailableError || cause instanceof TimeoutError) {
      logger.warn({ err: cause.cause, path: graphQLError?.path }, cause.message);
    }

    if (cause instanceof AppError) {
      return new GraphQLError(cause.message, {
        ...locationOf(graphQLError),
        path: graphQLError?.path,
        extensions: {
          code: cause.code,
          ...('issues' in cause ? { issues: cause.issues } : {}),
          ...('retryAfterSeconds' in cause ? { retryAfter: cause.retryAfterSeconds } : {}),
          ...(cause.httpStatus ? { http: httpExtension(cause) } : {}),
        },
      });
    }
    if (graphQLError && isGraphQLError(cause)) {
      // Produced by GraphQL or Yoga itself: a request, parse, validation or coercion problem.
      // Only the code and HTTP status are kept: other extensions (Yoga's `originalError` of a
      // JSON parse failure) can quote the request body, credentials included.
      const code = graphQLError.extensions?.code ?? 'BAD_USER_INPUT';
      // A request that is not GraphQL-over-HTTP at all (malformed JSON, no query) is a 400 for
      // every Accept type; Yoga would answer some of them 200.
      const given = graphQLError.extensions?.http as { status?: number; headers?: Record<string, string> } | undefined;
      const http =
        code === 'BAD_REQUEST'
          ? { status: given?.status ?? 400, ...(given?.headers ? { headers: given.headers } : {}) }
          : given;
      return new GraphQLError(hideSuggestions(messageWithoutValues(graphQLError)), {
        ...locationOf(graphQLError),
        path: graphQLError.path,
        extensions: { code, ...(http ? { http } : {}) },
      });
    }
    logger.error({ err: cause, path: graphQLError?.path }, 'unexpected error while executing a request');
    return new GraphQLError(message, { path: graphQLError?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}

/** Where in the document an error is: AST nodes, or (errors of compiled queries) source positions. */
export function locationOf(error: GraphQLError | undefined) {
  return { nodes: error?.nodes, source: error?.source, positions: error?.positions };
}

function innermostCause(error: unknown): unknown {
  let current = error;
  while (isWrapper(current)) current = current.originalError;
  return current;
}

function isGraphQLError(error: unknown): boolean {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** A GraphQLError that wraps another error (duck-typed: it may come from another copy of graphql). */
function isWrapper(error: unknown): error is { originalError: unknown } {
  return isGraphQLError(error) && (error as { originalError?: unknown }).originalError != null;
}

function httpExtension(error: AppError): { status: number; headers?: Record<string, string> } {
  const status = error.httpStatus as number;
  if (status === 401) return { status, headers: { 'WWW-Authenticate': 'Bearer' } };
  if ('retryAfterSeconds' in error) return { status, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  if (status === 503) return { status, headers: { 'Retry-After': '1' } };
  return { status };
}

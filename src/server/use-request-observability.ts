import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLContext } from '../context.ts';
import { locationOf } from './mask-error.ts';
import type { Metrics } from './metrics.ts';
import { isGraphQLPath } from './request-path.ts';
import { recordOperationName, requestState } from './request-state.ts';

const MAX_OPERATION_LABELS = 200;

/**
 * One log line and one metric sample per request: request id (taken from x-request-id or made,
 * echoed in the response header and in every error's extensions), operation name, duration,
 * principal and outcome. Never the query text or variables, which may carry credentials.
 */
export function useRequestObservability(logger: Logger, metrics: Metrics): Plugin<GraphQLContext> {
  const operationLabels = new Set<string>();
  // Operation names come from clients; cap the distinct label values a metric can grow.
  const operationLabel = (name: string | undefined) => {
    if (!name) return 'anonymous';
    if (operationLabels.has(name)) return name;
    if (operationLabels.size >= MAX_OPERATION_LABELS) return 'other';
    operationLabels.add(name);
    return name;
  };

  return {
    onRequest({ request }) {
      requestState(request);
    },
    onParams({ request, params }) {
      recordOperationName(request, params.operationName);
    },
    onExecute({ args }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      recordOperationName(context.request, getOperationAST(args.document, args.operationName)?.name?.value);
    },
    onResultProcess({ request, result, setResult }) {
      if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || !result.errors) return;
      const state = requestState(request);
      state.errorCodes.push(...result.errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
      setResult({
        ...result,
        errors: result.errors.map(
          (error) =>
            new GraphQLError(error.message, {
              ...locationOf(error),
              path: error.path,
              extensions: { ...error.extensions, requestId: state.requestId },
            }),
        ),
      });
    },
    onResponse({ request, response }) {
      const state = requestState(request);
      response.headers.set('x-request-id', state.requestId);
      if (!isGraphQLPath(request.url)) return;
      const seconds = (performance.now() - state.startedAt) / 1000;
      const outcome = state.errorCodes[0] ?? (response.status < 400 ? 'ok' : `HTTP_${response.status}`);
      const principal = state.auth?.ok ? state.auth.principal : undefined;
      const labels = { operation: operationLabel(state.operationName), outcome };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      logger.info(
        {
          requestId: state.requestId,
          operation: state.operationName ?? null,
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          status: response.status,
          outcome,
          errorCodes: state.errorCodes.length > 0 ? state.errorCodes : undefined,
          org: principal?.organizationId,
          sub: principal?.userId,
        },
        'request completed',
      );
    },
  };
}

import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../models/model.list-input.ts';
import { ANY_VARIABLES, costLimitError, operationCost } from './operation-cost.ts';
import { perOperation } from './per-operation.ts';

/**
 * What one request may ask for: graphql-armor's depth, alias, directive and token limits, plus a
 * cost limit that counts connection sizes.
 */
export function useQueryLimits(limits: LimitsConfig): Plugin[] {
  // armor throws a code-less "Syntax Error: …" from inside validation; reported as a validation
  // error instead, it gets GRAPHQL_VALIDATION_FAILED like any other invalid document.
  const asValidationError = {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
    ],
  };
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ...asValidationError },
      maxAliases: { n: limits.maxAliases, ...asValidationError },
      maxDirectives: { n: limits.maxDirectives, ...asValidationError },
      maxTokens: { n: limits.maxTokens },
      // armor's own cost limit ignores list sizes; the one below counts first/last
      costLimit: { enabled: false },
      // its pattern misses enum suggestions; see suggestions.ts
      blockFieldSuggestion: { enabled: false },
    }),
    useCostLimit(limits.maxCost),
  ];
}

/**
 * Refuses an operation over the cost limit. Most documents stay within it whatever their
 * variables say; that is worked out once per document, and only the others are costed again for
 * the variables of each request.
 */
function useCostLimit(maxCost: number): Plugin {
  const pageSizes = { default: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE };
  const withinLimitForAnyVariables = perOperation(
    (schema, document, operationName) => operationCost(schema, document, operationName, ANY_VARIABLES, pageSizes) <= maxCost,
  );

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const alwaysWithin = withinLimitForAnyVariables(args.schema, args.document, args.operationName);
      if (alwaysWithin) return;
      const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues, pageSizes);
      if (cost > maxCost) setResultAndStopExecution({ errors: [costLimitError(cost, maxCost)] });
    },
  };
}

import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../models/model.list-input.ts';
import { costLimitError, operationCost } from './operation-cost.ts';

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
    {
      onExecute({ args, setResultAndStopExecution }) {
        const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues, {
          default: DEFAULT_PAGE_SIZE,
          max: MAX_PAGE_SIZE,
        });
        if (cost > limits.maxCost) setResultAndStopExecution({ errors: [costLimitError(cost, limits.maxCost)] });
      },
    },
  ];
}

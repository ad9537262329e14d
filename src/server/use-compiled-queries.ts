import {
  type DocumentNode,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  type Source,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { perOperation } from './per-operation.ts';

/**
 * Runs operations through graphql-jit: an operation is compiled once into a function that
 * resolves its exact selection, instead of graphql-js walking the selection set on every request
 * (most of the gateway's per-request CPU on list pages). Answers and errors stay graphql-js's:
 *  - mutations run their root fields one after the other, as graphql-js does;
 *  - subscriptions run on graphql-js (the gateway has none; Yoga refuses them);
 *  - variables graphql-jit refuses run on graphql-js, which reports them in its own words, or
 *    runs the query where graphql-jit is wrong (it requires a non-null input field that has a
 *    default, such as ModelOrder.direction). graphql-jit refuses before resolving anything, so
 *    nothing runs twice;
 *  - an operation graphql-jit cannot compile runs on graphql-js.
 *
 * An operation is compiled on its second use: compiling costs more than one execution, and a
 * stream of one-off documents must not turn into a stream of compilations. Compiled operations
 * live as long as Yoga's parser cache keeps their document.
 */
export function useCompiledQueries(): Plugin {
  const COMPILE_ON_USE = 2;
  const entryFor = perOperation((): { uses: number; compiled?: CompiledQuery | null } => ({ uses: 0 }));

  function compiledFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined) {
    const entry = entryFor(schema, document, operationName);
    if (entry.compiled !== undefined) return entry.compiled;
    if (++entry.uses < COMPILE_ON_USE) return null;
    const result = compileQuery(schema, document, operationName ?? undefined);
    entry.compiled = isCompiledQuery(result) ? result : null;
    return entry.compiled;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || operation.operation === 'subscription') return;
      const compiled = compiledFor(args.schema, args.document, args.operationName);
      if (!compiled) return;
      setExecuteFn((executionArgs) => {
        const result = compiled.query(executionArgs.rootValue, executionArgs.contextValue, executionArgs.variableValues) as
          | ExecutionResult
          | Promise<ExecutionResult>;
        if (result instanceof Promise) return result.then((settled) => locatedIn(args.document, settled));
        const refusedVariables = !('data' in result);
        return refusedVariables ? executeFn(executionArgs) : locatedIn(args.document, result);
      });
    },
  };
}

/**
 * graphql-jit's errors hold line/column locations but not the document positions graphql-js
 * errors carry (Yoga rebuilds every error from those before sending it): the same errors as
 * graphql-js's, positioned in the request's source.
 */
function locatedIn(document: DocumentNode, result: ExecutionResult): ExecutionResult {
  const source = document.loc?.source;
  if (!result.errors?.length || !source) return result;
  return {
    ...result,
    errors: result.errors.map(
      (error) =>
        new GraphQLError(error.message, {
          source,
          positions: error.locations?.map((location) => positionOf(source, location.line, location.column)),
          path: error.path,
          originalError: error.originalError,
          extensions: error.extensions,
        }),
    ),
  };
}

function positionOf(source: Source, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = source.body.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + column - 1;
}

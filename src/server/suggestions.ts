import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * "Did you mean …?" hints help developers and map the schema for attackers: off in production.
 * They appear in validation errors (this plugin) and in variable coercion errors (mask-error.ts).
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

export function useNoSuggestions(): Plugin {
  return {
    onValidate: () => ({ result, setResult }) => {
      if (result.length === 0) return;
      setResult(
        result.map(
          (error) =>
            new GraphQLError(withoutSuggestions(error.message), {
              nodes: error.nodes,
              source: error.source,
              positions: error.positions,
              path: error.path,
              originalError: error.originalError,
              extensions: error.extensions,
            }),
        ),
      );
    },
  };
}

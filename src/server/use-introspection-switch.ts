import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Introspection stays on by default so GraphiQL works; GRAPHQL_INTROSPECTION=false turns it off. */
export function useIntrospectionSwitch(enabled: boolean): Plugin {
  if (enabled) return {};
  return {
    onValidate: ({ addValidationRule }) => {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

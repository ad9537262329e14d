import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  valueFromAST,
} from 'graphql';

/** Costs an operation for the worst variables it could be sent: every page size from a variable at its maximum. */
export const ANY_VARIABLES = Symbol('any variables');

/**
 * The cost of an operation: every field costs 1, and whatever a connection field selects is paid
 * once per item it may return — `first`/`last` (after variables are applied, at most the maximum
 * page size), or the default page size when neither is given. So `models(first: 100) { nodes { id } }` costs 1 + 100 × 2.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined | typeof ANY_VARIABLES,
  pageSizes: { default: number; max: number },
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  let variableValues: Record<string, unknown> | undefined;
  if (variables !== ANY_VARIABLES) {
    // Sizes given through variables count as GraphQL will see them, defaults included.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors) return 0; // execution reports the bad variables itself
    variableValues = coerced.coerced;
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;

  // Each fragment is costed once: walking every path through nested spreads is exponential.
  const fragmentCosts = new Map<string, number>();
  const fragmentCost = (name: string, spreadPath: Set<string>): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    // A fragment that spreads itself is invalid GraphQL; validation reports it, this only must not loop.
    if (!fragment || !type || spreadPath.has(name)) return 0;
    const cost = selectionCost(fragment.selectionSet, type, new Set([...spreadPath, name]));
    fragmentCosts.set(name, cost);
    return cost;
  };

  const selectionCost = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType, spreadPath: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parentType, spreadPath);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type) total += selectionCost(selection.selectionSet, type, spreadPath);
      } else {
        total += fragmentCost(selection.name.value, spreadPath);
      }
    }
    return total;
  };

  const fieldCost = (field: FieldNode, parentType: GraphQLNamedType, spreadPath: Set<string>): number => {
    if (field.name.value.startsWith('__') || !(isObjectType(parentType) || isInterfaceType(parentType))) return 0;
    const definition = parentType.getFields()[field.name.value];
    if (!definition) return 0;
    const type = getNamedType(definition.type);
    const children = field.selectionSet ? selectionCost(field.selectionSet, type, spreadPath) : 0;
    return 1 + itemCount(field, definition.args, type) * children;
  };

  const itemCount = (
    field: FieldNode,
    args: ReadonlyArray<{ name: string; type: Parameters<typeof valueFromAST>[1] }>,
    type: GraphQLNamedType,
  ): number => {
    for (const name of ['first', 'last']) {
      const node = field.arguments?.find((argument) => argument.name.value === name);
      const definition = args.find((arg) => arg.name === name);
      if (!node || !definition) continue;
      if (!variableValues && node.value.kind === Kind.VARIABLE) return pageSizes.max;
      const value = valueFromAST(node.value, definition.type, variableValues);
      // Sizes past the maximum are refused by argument validation, with a more precise message.
      if (typeof value === 'number') return Math.min(Math.max(value, 0), pageSizes.max);
    }
    return type.name.endsWith('Connection') ? pageSizes.default : 1;
  };

  return selectionCost(operation.selectionSet, rootType, new Set());
}

export function costLimitError(cost: number, maxCost: number): GraphQLError {
  return new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for fewer items or fields`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost },
  });
}

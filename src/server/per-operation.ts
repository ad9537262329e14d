import type { DocumentNode, GraphQLSchema } from 'graphql';

/** Operation names are the client's to choose: a document keeps a few entries, not any number. */
const MAX_OPERATIONS_PER_DOCUMENT = 8;

/**
 * Something worked out once per operation of a parsed document, kept as long as the document is
 * (Yoga's parser cache hands out one document object per query text). Past a document's first
 * few operation names, `create` runs on every call and nothing more is kept.
 */
export function perOperation<T>(
  create: (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => T,
): (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined) => T {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, T>>>();
  return (schema, document, operationName) => {
    let byDocument = bySchema.get(schema);
    if (!byDocument) bySchema.set(schema, (byDocument = new WeakMap()));
    let byOperation = byDocument.get(document);
    if (!byOperation) byDocument.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    if (byOperation.has(key)) return byOperation.get(key) as T;
    const value = create(schema, document, operationName ?? undefined);
    if (byOperation.size < MAX_OPERATIONS_PER_DOCUMENT) byOperation.set(key, value);
    return value;
  };
}

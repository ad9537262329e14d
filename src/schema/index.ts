import { type GraphQLSchema, isObjectType } from 'graphql';
import { builder } from '../builder.ts';
import './enums.ts';
import './model.ts';
import './model-list.ts';
import './model-create.ts';

let schema: GraphQLSchema | undefined;

/** The schema is the same for every app, so it is built once. */
export function buildSchema(): GraphQLSchema {
  schema ??= withLazyPageFlags(builder.toSchema({ sortSchema: true }));
  return schema;
}

/**
 * PageInfo's hasNextPage/hasPreviousPage may be promises: the model service reads them only
 * when selected. Pothos drops the resolver of an exposed field; graphql-js awaits a promise found
 * in a plain property anyway, but graphql-jit (server/use-compiled-queries.ts) inlines such a
 * read and would serialize the promise itself. An explicit resolver makes both await it.
 */
function withLazyPageFlags(built: GraphQLSchema): GraphQLSchema {
  const pageInfo = built.getType('PageInfo');
  if (!isObjectType(pageInfo)) throw new Error('the schema has no PageInfo type');
  for (const name of ['hasNextPage', 'hasPreviousPage'] as const) {
    const field = pageInfo.getFields()[name];
    if (!field) throw new Error(`PageInfo has no ${name} field`);
    field.resolve ??= (parent: Record<string, unknown>) => parent[name];
  }
  return built;
}

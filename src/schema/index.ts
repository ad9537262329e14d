import { type GraphQLSchema, isObjectType } from 'graphql';
import { builder } from '../builder.ts';
import { encodeGlobalId } from './global-id.ts';
import './enums.ts';
import './model.ts';
import './model-list.ts';
import './model-create.ts';

let schema: GraphQLSchema | undefined;

/** The schema is the same for every app, so it is built once. */
export function buildSchema(): GraphQLSchema {
  schema ??= withSynchronousModelIds(withLazyPageFlags(builder.toSchema({ sortSchema: true })));
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

/**
 * Relay's `id` field resolves through an async function that awaits the id and then encodes it:
 * a promise per model, which graphql-jit then waits for leaf by leaf (20 per page). The id of a
 * model is at hand; encoding it synchronously gives the same global id.
 */
function withSynchronousModelIds(built: GraphQLSchema): GraphQLSchema {
  const model = built.getType('Model');
  const field = isObjectType(model) ? model.getFields().id : undefined;
  if (!field) throw new Error('the schema has no Model.id field');
  field.resolve = (parent: { id: string }) => encodeGlobalId('Model', parent.id);
  return built;
}

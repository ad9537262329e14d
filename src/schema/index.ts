import type { GraphQLSchema } from 'graphql';
import { builder } from '../builder.ts';
import './enums.ts';
import './model.ts';
import './model-list.ts';
import './model-create.ts';

let schema: GraphQLSchema | undefined;

/** The schema is the same for every app, so it is built once. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: true });
  return schema;
}

import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { GraphQLContext } from './context.ts';
import { ForbiddenError } from './errors.ts';
import { decodeGlobalId, encodeGlobalId } from './schema/global-id.ts';
import { DateTimeScalar, JSONObjectScalar } from './schema/scalars.ts';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { tenant: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({ tenant: context.auth.ok }),
    // The request's own authentication failure (expired token, forbidden project…) is the reason.
    unauthorizedError: (_parent, context) =>
      context.auth.ok ? new ForbiddenError('Not authorized') : context.auth.error,
  },
  relay: {
    cursorType: 'String',
    nodesOnConnection: true,
    nodesQueryOptions: false,
    nodeQueryOptions: { authScopes: { tenant: true } },
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSONObject', JSONObjectScalar);
builder.queryType();
builder.mutationType();

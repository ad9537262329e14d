import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { type GraphQLContext, requireAuth } from './context.ts';
import { decodeGlobalId, encodeGlobalId } from './schema/global-id.ts';
import { DateTimeScalar, JSONObjectScalar } from './schema/scalars.ts';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    nodesOnConnection: true,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: encodeGlobalId,
    // Relay decodes node(id:) before any resolver runs; the request's authentication is judged
    // first there too, so an anonymous client learns nothing about the id it sent.
    decodeGlobalID: (globalId, context) => {
      requireAuth(context);
      return decodeGlobalId(globalId);
    },
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSONObject', JSONObjectScalar);
builder.queryType();
builder.mutationType();

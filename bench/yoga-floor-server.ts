import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { GraphQLResolveInfo } from 'graphql';
import { createSchema, createYoga, useReadinessCheck } from 'graphql-yoga';
import { useCompiledQueries } from '../src/server/use-compiled-queries.ts';
import { handlers, pool } from './baseline-handlers.ts';
import { serve } from './serve.ts';

/**
 * The Yoga floor: the least a graphql-yoga server with the gateway's schema can cost for the
 * bench's workloads. It serves the checked-in schema.graphql with Yoga's defaults and runs queries
 * compiled by graphql-jit as the gateway does, but none of the gateway's own work: a root field
 * resolves to what the baseline's handler for the operation (W1 … W6, by operation name) returns,
 * and GraphQL's default resolvers walk that JSON. No authentication, no input validation, no
 * Pothos, no data layer, no plugins of the gateway's. Its distance from the baseline is what Yoga
 * and GraphQL execution alone cost; the gateway's distance from it is the gateway's own code.
 *
 * As the gateway, it turns off Yoga's 25 MB body limiter (which pipes every body through a second
 * stream; the gateway has its own limit) and serves no landing page or GraphiQL.
 *
 * Environment: as baseline-handlers.ts (tenant and user from the same headers as the baseline),
 * and PORT (0 = any), HOST.
 */

interface FloorContext {
  request: Request;
}

async function resolveWithBaseline(field: string, info: GraphQLResolveInfo, { request }: FloorContext) {
  const operation = info.operation.name?.value ?? '';
  const handler = handlers[`/${operation.toLowerCase()}`];
  if (!handler) throw new Error(`the floor serves the bench's operations W0 … W6, not "${operation}"`);
  const data = await handler({
    variables: info.variableValues,
    tenant: {
      organizationId: String(request.headers.get('x-org-id')),
      projectId: String(request.headers.get('x-project-id')),
    },
    user: String(request.headers.get('x-user-id')),
  });
  return data[field];
}

const root = (field: string) => (_root: unknown, _args: unknown, context: FloorContext, info: GraphQLResolveInfo) =>
  resolveWithBaseline(field, info, context);

const schema = createSchema<FloorContext>({
  typeDefs: readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'),
  resolvers: {
    Query: { model: root('model'), models: root('models') },
    Mutation: { createModel: root('createModel') },
  },
});

const yoga = createYoga({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  maxRequestBodySize: false,
  plugins: [
    useReadinessCheck({ endpoint: '/readyz', check: async () => void (await pool.query('select 1')) }),
    useCompiledQueries(),
  ],
});

serve(createServer(yoga), pool, '/graphql');

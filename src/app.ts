import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { withVerifiedTokenCache } from './auth/verified-token-cache.ts';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { GraphQLContext } from './context.ts';
import { poolStatsOf } from './db/database.ts';
import { createReadiness, type Readiness } from './db/readiness.ts';
import type { Database } from './db/tables.ts';
import { type IdGenerator, randomId } from './ids.ts';
import { createModelService, type ModelService } from './models/model.service.ts';
import { createCursorCodec } from './models/model.cursor.ts';
import { createRedisRateLimiter } from './rate-limit/redis-rate-limiter.ts';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limit/token-bucket.ts';
import { buildSchema } from './schema/index.ts';
import { createKeyring } from './secrets/keyring.ts';
import { createSecretBox } from './secrets/secret-box.ts';
import { createGraphiQLRenderer } from './server/graphiql.ts';
import { createErrorMasker } from './server/mask-error.ts';
import { createMetrics, type Metrics } from './server/metrics.ts';
import { requestState } from './server/request-state.ts';
import { authenticationOf, useAuthentication } from './server/use-authentication.ts';
import { useBodyLimit } from './server/use-body-limit.ts';
import { useCompiledQueries } from './server/use-compiled-queries.ts';
import { useCors } from './server/use-cors.ts';
import { useHealthRoutes } from './server/use-health-routes.ts';
import { useIntrospectionSwitch } from './server/use-introspection-switch.ts';
import { useQueryLimits } from './server/use-query-limits.ts';
import { useRateLimit } from './server/use-rate-limit.ts';
import { useRequestObservability } from './server/use-request-observability.ts';
import { useNoSuggestions } from './server/suggestions.ts';
import { yogaLogger } from './server/yoga-logger.ts';

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock?: Clock;
  newId?: IdGenerator;
  verifyToken?: TokenVerifier;
}

export interface App {
  yoga: YogaServerInstance<Record<string, never>, GraphQLContext>;
  models: ModelService;
  readiness: Readiness;
  metrics: Metrics;
  close(): Promise<void>;
}

export function createApp(deps: AppDeps): App {
  const { config, db, logger } = deps;
  const keyring = createKeyring(config.secrets);
  const models = createModelService({
    db,
    secrets: createSecretBox(keyring),
    cursors: createCursorCodec(keyring.derive('model-cursor-signing')),
    clock: deps.clock ?? systemClock,
    newId: deps.newId ?? randomId,
  });
  const verifyToken = deps.verifyToken ?? withVerifiedTokenCache(createTokenVerifier(config.auth));
  const readiness = createReadiness(db, logger);
  const metrics = createMetrics(() => poolStatsOf(db));
  const rateLimiter = createRateLimiter(config, logger);

  const yoga = createYoga<Record<string, never>, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Yoga's own CORS answers every origin; useCors allows only CORS_ORIGINS.
    cors: false,
    // useBodyLimit reads the body once and enforces MAX_BODY_BYTES; Yoga's own limiter would pipe
    // every body through a second stream (more than half the CPU of a trivial request).
    maxRequestBodySize: false,
    graphiql: config.graphql.graphiql ? { title: 'Model gateway' } : false,
    renderGraphiQL: createGraphiQLRenderer(),
    maskedErrors: {
      maskError: createErrorMasker(logger, { suggestions: config.graphql.fieldSuggestions }),
      isDev: false,
    },
    logging: yogaLogger(logger),
    plugins: [
      useHealthRoutes(readiness, metrics, config.metricsToken),
      useRequestObservability(logger, metrics),
      ...(config.corsOrigins.length > 0 ? [useCors(config.corsOrigins)] : []),
      useBodyLimit(config.limits.maxBodyBytes),
      useIntrospectionSwitch(config.graphql.introspection),
      ...useQueryLimits(config.limits),
      ...(config.graphql.fieldSuggestions ? [] : [useNoSuggestions()]),
      useAuthentication(verifyToken),
      ...(rateLimiter ? [useRateLimit(rateLimiter, metrics, verifyToken, config.limits.maxTokens)] : []),
      useCompiledQueries(),
    ],
    context: ({ request }) => {
      const { requestId } = requestState(request);
      const auth = authenticationOf(request, verifyToken);
      return auth instanceof Promise ? auth.then((settled) => ({ requestId, auth: settled, models })) : { requestId, auth, models };
    },
  });

  return {
    yoga,
    models,
    readiness,
    metrics,
    async close() {
      readiness.stop();
      await rateLimiter?.close();
    },
  };
}

function createRateLimiter(config: Config, logger: Logger): RateLimiter | undefined {
  const { rateLimitPerSecond: perSecond, rateLimitBurst: burst } = config.limits;
  if (perSecond <= 0) return undefined;
  if (!config.redisUrl) return createMemoryRateLimiter({ perSecond, burst });
  let lastWarning = 0;
  return createRedisRateLimiter({
    url: config.redisUrl,
    perSecond,
    burst,
    onError: (error) => {
      // Rate limiting fails open while Redis is away; say so at most every 10 s.
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      logger.warn({ err: error }, 'rate limiter cannot reach Redis; requests are not rate limited meanwhile');
    },
  });
}

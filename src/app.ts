import { randomUUID } from 'node:crypto';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { authenticate, type GraphQLContext } from './context.ts';
import type { Database } from './db/tables.ts';
import { type IdGenerator, randomId } from './ids.ts';
import { createCursorCodec } from './models/model.cursor.ts';
import { createModelService, type ModelService } from './models/model.service.ts';
import { buildSchema } from './schema/index.ts';
import { createKeyring } from './secrets/keyring.ts';
import { createSecretBox } from './secrets/secret-box.ts';
import { createErrorMasker } from './server/mask-error.ts';
import { useIntrospectionSwitch } from './server/use-introspection-switch.ts';
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
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

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
  const verifyToken = deps.verifyToken ?? createTokenVerifier(config.auth);

  const yoga = createYoga<Record<string, never>, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Model gateway' },
    maskedErrors: { maskError: createErrorMasker(logger), isDev: false },
    logging: yogaLogger(logger),
    plugins: [useIntrospectionSwitch(config.graphql.introspection)],
    context: async ({ request }) => {
      const given = request.headers.get('x-request-id');
      const requestId = given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
      return {
        requestId,
        logger: logger.child({ requestId }),
        auth: await authenticate(request.headers, verifyToken),
        models,
      };
    },
  });
  return { yoga, models };
}

import path from 'node:path';
import { z } from 'zod';
import { loadOrCreateLocalSecrets } from './secrets/local-secrets.ts';

/** Every environment variable the gateway reads, parsed once. Nothing else touches process.env. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const count = (fallback: number, min = 1, max = 1_000_000_000) => z.coerce.number().int().min(min).max(max).default(fallback);

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** A comma-separated list of browser origins (`https://app.example.com`), or `*` for any. */
const originList = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
  .pipe(z.array(z.string().refine(isOriginOrWildcard, { error: 'each entry must be an origin such as https://app.example.com (scheme, host and port only), or *' })));

function isOriginOrWildcard(value: string): boolean {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_POOL_SIZE: count(10, 1, 500),
  DATABASE_STATEMENT_TIMEOUT_MS: count(5_000, 100),
  DATABASE_CONNECT_TIMEOUT_MS: count(3_000, 100),
  AUTH_JWT_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  AUTH_JWKS_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  AUTH_ISSUER: optionalText,
  AUTH_AUDIENCE: optionalText,
  SECRETS_KEY: optionalText,
  SECRETS_OLD_KEYS: optionalText,
  // unset: on, except in production (see loadConfig)
  GRAPHQL_INTROSPECTION: booleanFromEnv.optional(),
  GRAPHQL_GRAPHIQL: booleanFromEnv.optional(),
  CORS_ORIGINS: originList,
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  GRAPHQL_MAX_DEPTH: count(10),
  GRAPHQL_MAX_ALIASES: count(15),
  GRAPHQL_MAX_DIRECTIVES: count(10),
  GRAPHQL_MAX_TOKENS: count(2_000),
  GRAPHQL_MAX_COST: count(10_000),
  MAX_BODY_BYTES: count(1024 * 1024, 1024),
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(50),
  RATE_LIMIT_BURST: count(200),
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  SHUTDOWN_TIMEOUT_MS: count(10_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number };

export interface LimitsConfig {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  maxBodyBytes: number;
  /** token bucket per principal: refill rate (0 turns rate limiting off) and capacity */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
}

export interface AuthConfig {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
}

export interface SecretsConfig {
  /** base64 of a 32-byte key: the one new secrets are encrypted with */
  currentKey: string;
  /** base64 keys that can still decrypt what they once encrypted */
  oldKeys: string[];
}

export interface Config {
  env: 'development' | 'production' | 'test';
  server: { host: string; port: number };
  dataDir: string;
  database: DatabaseConfig;
  auth: AuthConfig;
  secrets: SecretsConfig;
  graphql: { introspection: boolean; graphiql: boolean; fieldSuggestions: boolean };
  /** browser origins allowed to call the API cross-origin; empty: no CORS headers at all */
  corsOrigins: string[];
  /** bearer token a Prometheus scrape of /metrics must send; undefined: /metrics is open */
  metricsToken: string | undefined;
  limits: LimitsConfig;
  redisUrl: string | undefined;
  shutdownTimeoutMs: number;
  log: { level: string };
  /** names of the secrets that were generated into dataDir because the environment lacked them */
  generatedSecrets: string[];
}

export class ConfigError extends Error {}

export async function loadConfig(env: NodeJS.ProcessEnv): Promise<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  const dataDir = path.resolve(vars.DATA_DIR);

  let jwtSecret = vars.AUTH_JWT_SECRET;
  let secretsKey = vars.SECRETS_KEY;
  const generatedSecrets: string[] = [];
  const needsJwtSecret = !jwtSecret && !vars.AUTH_JWKS_URL;
  if (needsJwtSecret || !secretsKey) {
    if (vars.NODE_ENV === 'production') {
      const missing = [needsJwtSecret && 'AUTH_JWT_SECRET (or AUTH_JWKS_URL)', !secretsKey && 'SECRETS_KEY'];
      throw new ConfigError(`In production these must be set: ${missing.filter(Boolean).join(', ')}`);
    }
    const local = await loadOrCreateLocalSecrets(dataDir);
    if (needsJwtSecret) jwtSecret = local.secrets.AUTH_JWT_SECRET;
    if (!secretsKey) secretsKey = local.secrets.SECRETS_KEY;
    generatedSecrets.push(...local.created);
  }

  return {
    env: vars.NODE_ENV,
    server: { host: vars.HOST, port: vars.PORT },
    dataDir,
    database: vars.DATABASE_URL
      ? {
          kind: 'postgres',
          url: vars.DATABASE_URL,
          poolSize: vars.DATABASE_POOL_SIZE,
          statementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
          connectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS,
        }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') },
    auth: { jwtSecret, jwksUrl: vars.AUTH_JWKS_URL, issuer: vars.AUTH_ISSUER, audience: vars.AUTH_AUDIENCE },
    secrets: {
      currentKey: secretsKey as string,
      oldKeys: (vars.SECRETS_OLD_KEYS ?? '').split(',').map((key) => key.trim()).filter(Boolean),
    },
    graphql: {
      // A production deployment does not show its schema to whoever asks unless told to.
      introspection: vars.GRAPHQL_INTROSPECTION ?? vars.NODE_ENV !== 'production',
      graphiql: vars.GRAPHQL_GRAPHIQL ?? vars.NODE_ENV !== 'production',
      fieldSuggestions: vars.NODE_ENV !== 'production',
    },
    corsOrigins: vars.CORS_ORIGINS,
    metricsToken: vars.METRICS_TOKEN,
    limits: {
      maxDepth: vars.GRAPHQL_MAX_DEPTH,
      maxAliases: vars.GRAPHQL_MAX_ALIASES,
      maxDirectives: vars.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: vars.GRAPHQL_MAX_TOKENS,
      maxCost: vars.GRAPHQL_MAX_COST,
      maxBodyBytes: vars.MAX_BODY_BYTES,
      rateLimitPerSecond: vars.RATE_LIMIT_PER_SECOND,
      rateLimitBurst: vars.RATE_LIMIT_BURST,
    },
    redisUrl: vars.REDIS_URL,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    log: { level: vars.LOG_LEVEL },
    generatedSecrets,
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-config-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const KEY = Buffer.alloc(32, 7).toString('base64');
const JWT_SECRET = 'x'.repeat(32);

describe('configuration from the environment', () => {
  it('defaults to port 4000 and the embedded database in the data directory', async () => {
    const config = await loadConfig({ DATA_DIR: dataDir, SECRETS_KEY: KEY, AUTH_JWT_SECRET: JWT_SECRET });
    expect(config.server).toEqual({ host: '0.0.0.0', port: 4000 });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    expect(config.graphql.introspection).toBe(true);
    expect(config.graphql.graphiql).toBe(true);
    expect(config.generatedSecrets).toEqual([]);
  });

  it('switches to PostgreSQL with DATABASE_URL and a configurable pool size', async () => {
    const config = await loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      DATABASE_POOL_SIZE: '25',
      SECRETS_KEY: KEY,
      AUTH_JWT_SECRET: JWT_SECRET,
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/test',
      poolSize: 25,
      statementTimeoutMs: 5000,
      connectTimeoutMs: 3000,
    });
  });

  it('generates missing secrets once in development and reuses them afterwards', async () => {
    const first = await loadConfig({ DATA_DIR: dataDir });
    expect(first.generatedSecrets.sort()).toEqual(['AUTH_JWT_SECRET', 'SECRETS_KEY']);
    const second = await loadConfig({ DATA_DIR: dataDir });
    expect(second.generatedSecrets).toEqual([]);
    expect(second.secrets.currentKey).toBe(first.secrets.currentKey);
    expect(second.auth.jwtSecret).toBe(first.auth.jwtSecret);
  });

  it('refuses to start in production without explicit secrets', async () => {
    await expect(loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir })).rejects.toThrow(/SECRETS_KEY/);
    await expect(loadConfig({ NODE_ENV: 'production', SECRETS_KEY: KEY })).rejects.toThrow(/AUTH_JWT_SECRET/);
    const withJwks = await loadConfig({
      NODE_ENV: 'production',
      SECRETS_KEY: KEY,
      AUTH_JWKS_URL: 'https://id.example.test/.well-known/jwks.json',
    });
    expect(withJwks.auth.jwtSecret).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_POOL_SIZE', '0'],
    ['AUTH_JWT_SECRET', 'too-short'],
    ['GRAPHQL_INTROSPECTION', 'maybe'],
    ['GRAPHQL_GRAPHIQL', 'perhaps'],
    ['LOG_LEVEL', 'loud'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/'],
    ['CORS_ORIGINS', 'https://app.example.com,https://app.example.com/console'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['METRICS_TOKEN', 'short'],
  ])('names %s when its value %j is invalid', async (name, value) => {
    const attempt = loadConfig({ SECRETS_KEY: KEY, AUTH_JWT_SECRET: JWT_SECRET, DATA_DIR: dataDir, [name]: value });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(name);
  });

  it('turns GraphiQL and introspection off in production unless they are set', async () => {
    const base = { SECRETS_KEY: KEY, AUTH_JWT_SECRET: JWT_SECRET, DATA_DIR: dataDir };
    expect((await loadConfig(base)).graphql).toMatchObject({ introspection: true, graphiql: true });
    expect((await loadConfig({ ...base, NODE_ENV: 'production' })).graphql).toMatchObject({ introspection: false, graphiql: false });
    const staging = await loadConfig({ ...base, NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', GRAPHQL_GRAPHIQL: '1' });
    expect(staging.graphql).toMatchObject({ introspection: true, graphiql: true });
    const closed = await loadConfig({ ...base, GRAPHQL_INTROSPECTION: 'false', GRAPHQL_GRAPHIQL: '0' });
    expect(closed.graphql).toMatchObject({ introspection: false, graphiql: false });
  });

  it('reads CORS origins as a comma-separated list, none by default', async () => {
    const base = { SECRETS_KEY: KEY, AUTH_JWT_SECRET: JWT_SECRET, DATA_DIR: dataDir };
    expect((await loadConfig(base)).corsOrigins).toEqual([]);
    const config = await loadConfig({ ...base, CORS_ORIGINS: ' https://app.example.com, ,http://localhost:5173' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('reads old keys as a comma-separated list', async () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const config = await loadConfig({ SECRETS_KEY: KEY, SECRETS_OLD_KEYS: ` ${other}, ,${KEY}`, AUTH_JWT_SECRET: JWT_SECRET });
    expect(config.secrets.oldKeys).toEqual([other, KEY]);
  });
});

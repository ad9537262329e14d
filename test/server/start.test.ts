import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, type ServerProcess, startServer } from '../helpers/server-process.ts';

// The real process as `npm start` runs it: no configuration but a data directory.
let dataDir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-start-'));
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, token: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-project-id': 'demo' },
    body: JSON.stringify(body),
  });
  return response.json();
}

describe('starting the server with no configuration', () => {
  it('generates its secrets once, says how to get a token, serves GraphiQL and the API, and stops on SIGTERM', async () => {
    server = await startServer({ DATA_DIR: dataDir });
    const log = server.output.join('\n');
    expect(log).toContain('generated missing secrets');
    expect(log).toContain('npm run token -- --sub alice --org acme --projects demo');

    const secretsFile = path.join(dataDir, 'secrets.json');
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(await readFile(secretsFile, 'utf8'));
    expect(Buffer.from(secrets.SECRETS_KEY, 'base64')).toHaveLength(32);
    // the generated secrets themselves are never logged
    expect(log).not.toContain(secrets.SECRETS_KEY);
    expect(log).not.toContain(secrets.AUTH_JWT_SECRET);

    const graphiql = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('GraphiQL');

    const minted = await runScript('src/cli/token.ts', ['--sub', 'alice', '--org', 'acme', '--projects', 'demo,staging'], {
      DATA_DIR: dataDir,
    });
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const created = await post(
      server.url,
      {
        query: 'mutation($input: CreateModelInput!) { createModel(input: $input) { model { resourceUri createdBy } } }',
        variables: { input: { name: 'Start Check', litellmModel: 'openai/gpt-4o', credentials: { api_key: 'sk-start' } } },
      },
      token,
    );
    expect(created.data.createModel.model).toMatchObject({ createdBy: 'user:alice' });
    const resourceUri = created.data.createModel.model.resourceUri;

    expect((await server.stop('SIGTERM')).code).toBe(0);
    expect(server.output.join('\n')).toContain('"msg":"stopped"');

    // A restart keeps the secrets (the token still verifies) and the data.
    server = await startServer({ DATA_DIR: dataDir });
    expect(server.output.join('\n')).not.toContain('generated missing secrets');
    const found = await post(server.url, { query: `{ model(resourceUri: "${resourceUri}") { name } }` }, token);
    expect(found.data.model).toEqual({ name: 'Start Check' });
    expect((await server.stop('SIGTERM')).code).toBe(0);
    server = undefined;
  });
});

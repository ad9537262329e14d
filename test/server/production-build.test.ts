import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/dev-token.ts';
import { REPO_ROOT, type ServerProcess, startServer } from '../helpers/server-process.ts';

// What `npm run build && npm run start:prod` runs: the compiled gateway under plain node, its
// migrations compiled beside it.
let outDir: string;
let dataDir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'gateway-build-'));
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-build-data-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO_ROOT, stdio: 'pipe' });
  // dist/ sits in the repository, next to node_modules; a build elsewhere needs them at hand
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
}, 120_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(outDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('starts under plain node, applies the compiled migrations, serves the API and stops cleanly on SIGTERM', async () => {
    server = await startServer({ DATA_DIR: dataDir }, 30_000, path.join(outDir, 'src', 'main.js'));
    const ready = await fetch(new URL('/readyz', server.url));
    expect(await ready.json()).toMatchObject({ ready: true, migrations: 'applied' });
    expect(server.output.join('\n')).toContain('0003_search_statistics');

    const { AUTH_JWT_SECRET } = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8'));
    const token = await signDevToken(AUTH_JWT_SECRET, { sub: 'alice', org: 'acme', projects: ['demo'] });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-project-id': 'demo' };
    const created = await fetch(server.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: 'mutation { createModel(input: { name: "Built", litellmModel: "openai/gpt-4o", credentials: { api_key: "sk-built" } }) { model { name credentialKeys } } }',
      }),
    });
    expect(await created.json()).toEqual({ data: { createModel: { model: { name: 'Built', credentialKeys: ['api_key'] } } } });
    // twice: the second listing runs compiled
    for (let attempt = 0; attempt < 2; attempt++) {
      const listed = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query: '{ models { totalCount nodes { name } } }' }) });
      expect(await listed.json()).toEqual({ data: { models: { totalCount: 1, nodes: [{ name: 'Built' }] } } });
    }

    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
  });
});

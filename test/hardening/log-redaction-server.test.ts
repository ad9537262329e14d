import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/dev-token.ts';
import { expectNoSecretIn, stopAndDrain } from '../helpers/hardening-http.ts';
import { runRedactionScenario } from '../helpers/hardening-redaction.ts';
import { type ServerProcess, startServer } from '../helpers/server-process.ts';

/**
 * The same full client run against the real server process (src/main.ts, LOG_LEVEL=debug) over
 * HTTP; everything the process writes to stdout and stderr, from start to exit, is searched.
 */

let server: ServerProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (server && server.child.exitCode === null) await server.stop('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('log redaction (the real server process, LOG_LEVEL=debug)', () => {
  it('never writes a credential, the bearer token, SECRETS_KEY or AUTH_JWT_SECRET to stdout or stderr', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-redaction-'));
    const jwtSecret = randomBytes(32).toString('base64url');
    const secretsKey = randomBytes(32).toString('base64');
    server = await startServer({
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: jwtSecret,
      SECRETS_KEY: secretsKey,
      LOG_LEVEL: 'debug',
      RATE_LIMIT_PER_SECOND: '0',
    });
    const base = new URL(server.url).origin;
    const project = `proj-${randomUUID().slice(0, 8)}`;
    const token = await signDevToken(jwtSecret, { sub: `user-${randomUUID().slice(0, 8)}`, org: `org-${randomUUID()}`, projects: [project] });

    const run = await runRedactionScenario(
      async ({ method = 'POST', path: requestPath = '/graphql', headers, body }) => {
        const response = await fetch(`${base}${requestPath}`, { method, headers, ...(body === undefined ? {} : { body }) });
        return { status: response.status, text: await response.text() };
      },
      { token, project },
    );

    expect(await stopAndDrain(server)).toBe(0);
    const output = server.output.join('\n');
    // the search is not vacuous: the process logged the run at debug level, one line per request
    expect(output.match(/"msg":"request completed"/g)?.length).toBe(run.requests);
    expect(output).toContain('"level":20');
    expect(output).toContain('"msg":"stopped"');

    expectNoSecretIn(
      output,
      {
        ...run.secrets,
        'the bearer token': token,
        "the bearer token's signature": token.split('.')[2]!,
        SECRETS_KEY: secretsKey,
        AUTH_JWT_SECRET: jwtSecret,
      },
      "the server's output",
    );
  });
});

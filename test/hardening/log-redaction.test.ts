import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { expectNoSecretIn, logEntries } from '../helpers/hardening-http.ts';
import { runRedactionScenario } from '../helpers/hardening-redaction.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * Every log line the app writes during a full client run (at debug level) is searched for every
 * secret that went through it: credential values (in variables and in query literals, in good and
 * bad requests), the bearer token, SECRETS_KEY and AUTH_JWT_SECRET. None may appear.
 */

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('log redaction (in process, LOG_LEVEL=debug)', () => {
  it('never writes a credential, the bearer token, SECRETS_KEY or AUTH_JWT_SECRET to the log during a full run', async () => {
    const tenant = await t.newTenant();
    const mark = t.logs.length;
    const run = await runRedactionScenario(
      async ({ method = 'POST', path = '/graphql', headers, body }) => {
        const response = await t.app.yoga.fetch(`http://gateway.test${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
        return { status: response.status, text: await response.text() };
      },
      { token: tenant.token, project: tenant.projectId },
    );

    const lines = t.logs.slice(mark);
    const entries = logEntries(lines);
    // the search is not vacuous: the run was logged, down to debug lines, one line per request
    expect(entries.filter((entry) => entry.msg === 'request completed')).toHaveLength(run.requests);
    expect(entries.some((entry) => entry.level === 20)).toBe(true);

    const everything = lines.join('\n');
    expectNoSecretIn(
      everything,
      {
        ...run.secrets,
        'the bearer token': tenant.token,
        "the bearer token's signature": tenant.token.split('.')[2]!,
        SECRETS_KEY: t.config.secrets.currentKey,
        AUTH_JWT_SECRET: t.config.auth.jwtSecret as string,
      },
      'the log',
    );
  });

  it('censors secrets a log call is handed explicitly, at every path the logger knows (src/logger.ts)', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const secret = 'sk-handed-to-the-logger-31337';
    logger.info({ authorization: `Bearer ${secret}` }, 'a');
    logger.info({ headers: { authorization: `Bearer ${secret}` } }, 'b');
    logger.info({ request: { headers: { authorization: `Bearer ${secret}` } } }, 'c');
    logger.info({ credentials: { api_key: secret } }, 'd');
    logger.info({ input: { credentials: { api_key: secret } } }, 'e');
    logger.info({ args: { input: { credentials: { api_key: secret } } } }, 'f');
    logger.info({ variables: { input: { credentials: { api_key: secret } } } }, 'g');
    logger.info({ SECRETS_KEY: secret, AUTH_JWT_SECRET: secret }, 'h');
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
    }
  });
});

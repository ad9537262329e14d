import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { resealCredentials } from '../../src/models/credential-rotation.ts';
import { createModelInputSchema } from '../../src/models/model.input.ts';
import { credentialsContext } from '../../src/models/model.service.ts';
import { createLogger } from '../../src/logger.ts';
import { createKeyring } from '../../src/secrets/keyring.ts';
import { createSecretBox } from '../../src/secrets/secret-box.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { runScript } from '../helpers/server-process.ts';

const newKey = () => randomBytes(32).toString('base64');
const CREATE = 'mutation($input: CreateModelInput!) { createModel(input: $input) { model { id } } }';

async function sealedRow(t: TestApp, modelName: string) {
  return t.db
    .selectFrom('models')
    .select(['id', 'organization_id', 'project_id', 'credentials_key_id', 'credentials_nonce', 'credentials_ciphertext'])
    .where('name', '=', modelName)
    .executeTakeFirstOrThrow();
}

describe('rotating the secrets key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('re-encrypts every credential with the new key, after which the old key is no longer needed', async () => {
    const tenant = await t.newTenant();
    const names = [1, 2, 3].map((n) => `rotation-${tenant.organizationId}-${n}`);
    for (const name of names) {
      const result = await t.gql(
        CREATE,
        { input: { name, litellmModel: 'openai/gpt-4o', credentials: { api_key: `sk-${name}` } } },
        { token: tenant.token },
      );
      expect(result.body.errors).toBeUndefined();
    }
    const oldKey = t.config.secrets.currentKey;
    const nextKey = newKey();
    const rotated = createSecretBox(createKeyring({ currentKey: nextKey, oldKeys: [oldKey] }));

    const report = await resealCredentials(t.db, rotated, 2);
    const before = await Promise.all(names.map((name) => sealedRow(t, name)));
    // Rows of other test files (other keys) may share a PostgreSQL database; ours must all be re-sealed.
    expect(report.failed.filter((id) => before.some((row) => row.id === id))).toEqual([]);
    expect(report.resealed).toBeGreaterThanOrEqual(3);

    const withNewKeyOnly = createSecretBox(createKeyring({ currentKey: nextKey, oldKeys: [] }));
    for (const [index, row] of before.entries()) {
      expect(row.credentials_key_id).toBe(withNewKeyOnly.currentKeyId);
      const context = credentialsContext({ organizationId: row.organization_id, projectId: row.project_id }, row.id);
      const plaintext = withNewKeyOnly.open(
        { keyId: row.credentials_key_id, nonce: row.credentials_nonce, ciphertext: row.credentials_ciphertext },
        context,
      );
      expect(JSON.parse(plaintext)).toEqual({ api_key: `sk-${names[index]}` });
    }

    // A second run finds nothing left to do for these rows.
    const again = await resealCredentials(t.db, rotated);
    expect(again.failed.filter((id) => before.some((row) => row.id === id))).toEqual([]);
  });
});

describe('npm run rotate-secrets', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-rotate-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it.skipIf(process.env.DATABASE_URL)('re-encrypts the embedded database and reports rows no configured key opens', async () => {
    const oldKey = newKey();
    const env = { DATA_DIR: dataDir, SECRETS_KEY: oldKey, AUTH_JWT_SECRET: randomBytes(32).toString('hex'), NODE_ENV: 'test' };
    const config = await loadConfig(env);
    const db = createDatabase(config.database);
    await migrateToLatest(db);
    const app = createApp({ config, db, logger: createLogger('silent') });
    const tenant = { organizationId: 'acme', projectId: 'demo' };
    const input = createModelInputSchema.parse({
      name: 'Rotated',
      litellmModel: 'openai/gpt-4o',
      credentials: { api_key: 'sk-rotate-me' },
    });
    const model = await app.models.createModel(tenant, { userId: 'alice' }, input);
    await db.destroy();

    const nextKey = newKey();
    const withoutOldKey = await runScript('src/cli/rotate-secrets.ts', [], { ...env, SECRETS_KEY: nextKey });
    expect(withoutOldKey.code).toBe(1);
    expect(withoutOldKey.stderr).toContain(model.id);

    const rotated = await runScript('src/cli/rotate-secrets.ts', [], { ...env, SECRETS_KEY: nextKey, SECRETS_OLD_KEYS: oldKey });
    expect(rotated.stdout).toContain('re-encrypted 1 credential set(s)');
    expect(rotated.code).toBe(0);

    const reopened = createDatabase(config.database);
    const row = await reopened.selectFrom('models').selectAll().where('id', '=', model.id).executeTakeFirstOrThrow();
    await reopened.destroy();
    const box = createSecretBox(createKeyring({ currentKey: nextKey, oldKeys: [] }));
    expect(
      JSON.parse(
        box.open(
          { keyId: row.credentials_key_id, nonce: row.credentials_nonce, ciphertext: row.credentials_ciphertext },
          credentialsContext(tenant, model.id),
        ),
      ),
    ).toEqual({ api_key: 'sk-rotate-me' });
  });
});

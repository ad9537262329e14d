import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRow } from '../../src/db/tables.ts';
import { credentialsContext } from '../../src/models/model.service.ts';
import { createKeyring } from '../../src/secrets/keyring.ts';
import { createSecretBox, type SecretBox } from '../../src/secrets/secret-box.ts';
import { createModel } from '../helpers/auth-expect.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/** What a createModel leaves in the database: ciphertext bound to its row, never the plaintext. */

let t: TestApp;
let box: SecretBox;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
const apiKey = `sk-SECRET-${randomUUID()}`;
const nestedToken = `tok-${randomUUID()}`;
const credentials = { api_key: apiKey, nested: { token: nestedToken } };
const plaintexts = [apiKey, nestedToken, JSON.stringify(credentials)];
let first: ModelRow;
let second: ModelRow;

async function rawRow(name: string): Promise<ModelRow> {
  return t.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

/** Every rendering of a column value a leak could hide in. */
function renderings(value: unknown): string[] {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buffer = Buffer.from(value);
    return [buffer.toString('utf8'), buffer.toString('latin1'), buffer.toString('hex'), buffer.toString('base64')];
  }
  if (value instanceof Date) return [value.toISOString()];
  return [typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)];
}

beforeAll(async () => {
  t = await createTestApp();
  box = createSecretBox(createKeyring(t.config.secrets));
  tenant = await t.newTenant();
  const a = await createModel(t, { token: tenant.token }, { name: `at-rest-a-${randomUUID()}`, credentials });
  const b = await createModel(t, { token: tenant.token }, { name: `at-rest-b-${randomUUID()}`, credentials });
  first = await rawRow(a.name);
  second = await rawRow(b.name);
});
afterAll(() => t?.close());

const contextOf = (row: ModelRow) =>
  credentialsContext({ organizationId: row.organization_id, projectId: row.project_id }, row.id);
const sealedOf = (row: ModelRow) => ({
  keyId: row.credentials_key_id,
  nonce: Buffer.from(row.credentials_nonce),
  ciphertext: Buffer.from(row.credentials_ciphertext),
});

describe('the stored row', () => {
  it('holds the credential values in no column, in any encoding', () => {
    for (const row of [first, second]) {
      for (const [column, value] of Object.entries(row)) {
        for (const rendering of renderings(value)) {
          for (const secret of plaintexts) {
            expect(rendering.includes(secret), `column ${column} holds ${secret}`).toBe(false);
            expect(rendering.includes(Buffer.from(secret).toString('hex')), `column ${column} holds ${secret} as hex`).toBe(false);
            expect(rendering.includes(Buffer.from(secret).toString('base64')), `column ${column} holds ${secret} as base64`).toBe(false);
          }
        }
      }
    }
  });

  it('holds the credential values nowhere in the text the database itself gives for the row', async () => {
    const result = await sql<{ row: string }>`select m::text as row from models m where m.id = ${first.id}`.execute(t.db);
    const text = result.rows[0]?.row ?? '';
    expect(text.length).toBeGreaterThan(0);
    for (const secret of plaintexts) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString('hex'));
    }
  });

  it('holds the ciphertext as bytes, with the 16-byte GCM tag after the encrypted JSON', () => {
    expect(first.credentials_ciphertext).toBeInstanceOf(Uint8Array);
    expect(first.credentials_ciphertext.length).toBe(Buffer.byteLength(JSON.stringify(credentials)) + 16);
  });

  it('names the current key in credentials_key_id', () => {
    expect(first.credentials_key_id).toBe(createKeyring(t.config.secrets).current.id);
    expect(first.credentials_key_id).toMatch(/\S/);
    expect(second.credentials_key_id).toBe(first.credentials_key_id);
  });

  it('keeps only the credential names in clear, sorted', () => {
    expect(first.credential_keys).toEqual(['api_key', 'nested']);
  });

  it('uses a 12-byte nonce that differs between two rows with identical credentials', () => {
    expect(first.credentials_nonce.length).toBe(12);
    expect(second.credentials_nonce.length).toBe(12);
    expect(Buffer.from(first.credentials_nonce).equals(Buffer.from(second.credentials_nonce))).toBe(false);
  });

  it('gives two rows with identical credentials different ciphertexts', () => {
    expect(Buffer.from(first.credentials_ciphertext).equals(Buffer.from(second.credentials_ciphertext))).toBe(false);
  });
});

describe('the secret box', () => {
  it("opens a row's ciphertext back to the exact credentials JSON with the row's own context", () => {
    for (const row of [first, second]) {
      const opened = box.open(sealedOf(row), contextOf(row));
      expect(JSON.parse(opened)).toEqual(credentials);
      expect(opened).toBe(JSON.stringify(credentials));
    }
  });

  it('refuses to open it under the context of another model id', () => {
    const otherId = credentialsContext({ organizationId: first.organization_id, projectId: first.project_id }, second.id);
    expect(() => box.open(sealedOf(first), otherId)).toThrow();
  });

  it('refuses to open it under the context of another project or organization', () => {
    const otherProject = credentialsContext({ organizationId: first.organization_id, projectId: 'another-project' }, first.id);
    const otherOrg = credentialsContext({ organizationId: 'another-org', projectId: first.project_id }, first.id);
    expect(() => box.open(sealedOf(first), otherProject)).toThrow();
    expect(() => box.open(sealedOf(first), otherOrg)).toThrow();
  });

  it('refuses a ciphertext copied onto another row', async () => {
    await t.db
      .updateTable('models')
      .set({
        credentials_key_id: first.credentials_key_id,
        credentials_nonce: Buffer.from(first.credentials_nonce),
        credentials_ciphertext: Buffer.from(first.credentials_ciphertext),
      })
      .where('id', '=', second.id)
      .execute();
    const copied = await rawRow(second.name);
    expect(Buffer.from(copied.credentials_ciphertext).equals(Buffer.from(first.credentials_ciphertext))).toBe(true);
    expect(() => box.open(sealedOf(copied), contextOf(copied))).toThrow();
    // the original still opens where it belongs
    expect(JSON.parse(box.open(sealedOf(first), contextOf(first)))).toEqual(credentials);
  });

  it('refuses a stored ciphertext with one byte changed', () => {
    const tampered = sealedOf(first);
    tampered.ciphertext[0] = (tampered.ciphertext[0] ?? 0) ^ 0x01;
    expect(() => box.open(tampered, contextOf(first))).toThrow();
  });
});

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/tables.ts';
import { createLogger } from '../../src/logger.ts';
import { createKeyring, InvalidKeyError, parseKey } from '../../src/secrets/keyring.ts';
import { createSecretBox } from '../../src/secrets/secret-box.ts';

/** Which keys the gateway accepts, and how an old key keeps opening what it sealed. */

const newKey = () => randomBytes(32).toString('base64');
const context = 'model-credentials:acme:demo:5b7f2f7e-0a47-4e0e-9d0a-1f6a3b1c2d3e';

describe('a key', () => {
  it('of 32 bytes in base64 is accepted', () => {
    const encoded = newKey();
    expect(parseKey(encoded, 'SECRETS_KEY').material).toEqual(Buffer.from(encoded, 'base64'));
  });

  it('of 32 bytes in base64url is accepted', () => {
    const material = randomBytes(32);
    expect(parseKey(material.toString('base64url'), 'SECRETS_KEY').material).toEqual(material);
  });

  const rejected: Array<[string, string]> = [
    ['empty', ''],
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 bytes', randomBytes(64).toString('base64')],
    ['32 bytes written as hex', randomBytes(32).toString('hex')],
    ['a passphrase', 'correct horse battery staple'],
  ];
  for (const [what, encoded] of rejected) {
    it(`that is ${what} is rejected, with a message that names the setting but not the value`, () => {
      expect(() => parseKey(encoded, 'SECRETS_KEY')).toThrow(InvalidKeyError);
      try {
        parseKey(encoded, 'SECRETS_KEY');
      } catch (error) {
        expect((error as Error).message).toContain('SECRETS_KEY');
        if (encoded) expect((error as Error).message).not.toContain(encoded);
      }
    });
  }

  it('has an id derived from the key: stable for the same key, different for another, not the key itself', () => {
    const encoded = newKey();
    const a = parseKey(encoded, 'SECRETS_KEY');
    const b = parseKey(encoded, 'SECRETS_KEY');
    const c = parseKey(newKey(), 'SECRETS_KEY');
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(encoded).not.toContain(a.id);
    expect(Buffer.from(encoded, 'base64').toString('hex')).not.toContain(a.id);
  });
});

describe('the keyring', () => {
  it('refuses a bad current key (SECRETS_KEY)', () => {
    expect(() => createKeyring({ currentKey: 'too-short', oldKeys: [] })).toThrow(/SECRETS_KEY/);
  });

  it('refuses a bad old key, naming which one (SECRETS_OLD_KEYS[i])', () => {
    expect(() => createKeyring({ currentKey: newKey(), oldKeys: [newKey(), 'abc'] })).toThrow(/SECRETS_OLD_KEYS\[1\]/);
  });

  it('opens with an old key what that key sealed, while new seals use the current key id', () => {
    const oldKey = newKey();
    const currentKey = newKey();
    const before = createSecretBox(createKeyring({ currentKey: oldKey, oldKeys: [] }));
    const sealedBefore = before.seal('{"api_key":"sk-old"}', context);

    const rotated = createSecretBox(createKeyring({ currentKey, oldKeys: [oldKey] }));
    expect(rotated.open(sealedBefore, context)).toBe('{"api_key":"sk-old"}');

    const sealedAfter = rotated.seal('{"api_key":"sk-new"}', context);
    expect(sealedAfter.keyId).toBe(parseKey(currentKey, 'SECRETS_KEY').id);
    expect(sealedAfter.keyId).toBe(rotated.currentKeyId);
    expect(sealedAfter.keyId).not.toBe(sealedBefore.keyId);
    expect(rotated.open(sealedAfter, context)).toBe('{"api_key":"sk-new"}');
    // the old key alone cannot open what the new key sealed
    expect(() => before.open(sealedAfter, context)).toThrow();
  });

  it('cannot open what an old key sealed once that key is dropped', () => {
    const oldKey = newKey();
    const sealed = createSecretBox(createKeyring({ currentKey: oldKey, oldKeys: [] })).seal('x', context);
    const withoutOld = createSecretBox(createKeyring({ currentKey: newKey(), oldKeys: [] }));
    expect(() => withoutOld.open(sealed, context)).toThrow();
  });

  it('tolerates the current key repeated among the old keys', () => {
    const key = newKey();
    const box = createSecretBox(createKeyring({ currentKey: key, oldKeys: [key] }));
    expect(box.open(box.seal('x', context), context)).toBe('x');
  });

  it('derives sub-keys that are independent of the encryption key and of each other', () => {
    const keyring = createKeyring({ currentKey: newKey(), oldKeys: [] });
    const cursors = keyring.derive('model-cursor-signing');
    expect(cursors.length).toBe(32);
    expect(cursors.equals(keyring.current.material)).toBe(false);
    expect(cursors.equals(keyring.derive('something-else'))).toBe(false);
    expect(cursors.equals(keyring.derive('model-cursor-signing'))).toBe(true);
  });
});

describe('configuration', () => {
  const baseEnv = {
    NODE_ENV: 'test',
    DATA_DIR: '/nonexistent-keyring-test-dir',
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
  };

  it('reads SECRETS_OLD_KEYS as a comma-separated list, spaces allowed', async () => {
    const [a, b, current] = [newKey(), newKey(), newKey()];
    const config = await loadConfig({ ...baseEnv, SECRETS_KEY: current, SECRETS_OLD_KEYS: ` ${a} , ${b},` });
    expect(config.secrets).toEqual({ currentKey: current, oldKeys: [a, b] });
  });

  it('an app configured with a SECRETS_KEY that is not 32 bytes does not start', async () => {
    const config = await loadConfig({ ...baseEnv, SECRETS_KEY: randomBytes(16).toString('base64') });
    const logger = createLogger('silent');
    const db = {} as Kysely<Database>;
    expect(() => createApp({ config, db, logger })).toThrow(InvalidKeyError);
  });
});

describe('key spelling', () => {
  it('refuses a key with characters base64 does not know, instead of silently skipping them', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    expect(() => parseKey(`${key}====garbage`, 'SECRETS_KEY')).toThrow(InvalidKeyError);
    expect(() => parseKey(`!!!!${key}`, 'SECRETS_KEY')).toThrow(InvalidKeyError);
    expect(parseKey(key, 'SECRETS_KEY').material).toHaveLength(32);
    expect(parseKey(Buffer.alloc(32, 3).toString('base64url'), 'SECRETS_KEY').material).toHaveLength(32);
  });
});

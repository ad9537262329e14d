import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialsContext } from '../../src/models/model.service.ts';
import { createKeyring } from '../../src/secrets/keyring.ts';
import { createSecretBox, SecretDecryptionError } from '../../src/secrets/secret-box.ts';

/** AES-256-GCM sealing of one secret, bound to the context (the row) it belongs to. */

const key = randomBytes(32).toString('base64');
const box = createSecretBox(createKeyring({ currentKey: key, oldKeys: [] }));
const tenant = { organizationId: 'acme', projectId: 'demo' };
const context = credentialsContext(tenant, '5b7f2f7e-0a47-4e0e-9d0a-1f6a3b1c2d3e');
const plaintext = JSON.stringify({ api_key: 'sk-SECRET-box', nested: { token: 'tok-box' } });

describe('sealing', () => {
  it('round-trips the exact plaintext, unicode included', () => {
    const text = JSON.stringify({ api_key: 'sk-ünïcødé-🔑', empty: { deep: '' } });
    expect(box.open(box.seal(text, context), context)).toBe(text);
  });

  it('does not contain the plaintext, in clear or any common encoding', () => {
    const sealed = box.seal(plaintext, context);
    for (const encoding of ['utf8', 'latin1', 'hex', 'base64'] as const) {
      const rendered = sealed.ciphertext.toString(encoding);
      expect(rendered).not.toContain('sk-SECRET-box');
      expect(rendered).not.toContain(Buffer.from('sk-SECRET-box').toString(encoding));
    }
  });

  it('uses a fresh 12-byte nonce each time, so the same plaintext never seals the same way twice', () => {
    const seals = Array.from({ length: 50 }, () => box.seal(plaintext, context));
    expect(new Set(seals.map((sealed) => sealed.nonce.toString('hex'))).size).toBe(50);
    expect(new Set(seals.map((sealed) => sealed.ciphertext.toString('hex'))).size).toBe(50);
    for (const sealed of seals) expect(sealed.nonce.length).toBe(12);
  });

  it('appends a 16-byte tag to a ciphertext as long as the plaintext', () => {
    const sealed = box.seal(plaintext, context);
    expect(sealed.ciphertext.length).toBe(Buffer.byteLength(plaintext) + 16);
  });

  it('stamps the current key id', () => {
    expect(box.seal(plaintext, context).keyId).toBe(box.currentKeyId);
  });
});

describe('opening', () => {
  const sealed = box.seal(plaintext, context);
  const copy = () => ({ keyId: sealed.keyId, nonce: Buffer.from(sealed.nonce), ciphertext: Buffer.from(sealed.ciphertext) });

  it('refuses the context of another model, project or organization', () => {
    const others = [
      credentialsContext(tenant, '00000000-0000-4000-8000-000000000000'),
      credentialsContext({ ...tenant, projectId: 'staging' }, '5b7f2f7e-0a47-4e0e-9d0a-1f6a3b1c2d3e'),
      credentialsContext({ ...tenant, organizationId: 'globex' }, '5b7f2f7e-0a47-4e0e-9d0a-1f6a3b1c2d3e'),
      '',
    ];
    for (const other of others) expect(() => box.open(copy(), other)).toThrow(SecretDecryptionError);
  });

  it('refuses a seal moved to another tenant whose ids differ only in where a ":" falls', () => {
    // Organization ids are any token string and project ids may contain ':' (X-Project-ID allows
    // it), so org "org:x" / project "y" and org "org" / project "x:y" are two different tenants.
    const id = '5b7f2f7e-0a47-4e0e-9d0a-1f6a3b1c2d3e';
    const sealedForA = box.seal(plaintext, credentialsContext({ organizationId: 'org:x', projectId: 'y' }, id));
    const contextOfB = credentialsContext({ organizationId: 'org', projectId: 'x:y' }, id);
    expect(() => box.open(sealedForA, contextOfB)).toThrow(SecretDecryptionError);
  });

  it('refuses a ciphertext, tag or nonce with a single bit flipped', () => {
    const flips: Array<(value: ReturnType<typeof copy>) => void> = [
      (value) => void (value.ciphertext[0]! ^= 1),
      (value) => void (value.ciphertext[value.ciphertext.length - 1]! ^= 1),
      (value) => void (value.nonce[5]! ^= 1),
    ];
    for (const flip of flips) {
      const tampered = copy();
      flip(tampered);
      expect(() => box.open(tampered, context)).toThrow(SecretDecryptionError);
    }
  });

  it('refuses a truncated ciphertext', () => {
    const truncated = copy();
    truncated.ciphertext = truncated.ciphertext.subarray(0, 10);
    expect(() => box.open(truncated, context)).toThrow(SecretDecryptionError);
  });

  it('refuses a seal of a key it does not hold, naming no key material', () => {
    const stranger = createSecretBox(createKeyring({ currentKey: randomBytes(32).toString('base64'), oldKeys: [] }));
    const foreign = stranger.seal(plaintext, context);
    expect(() => box.open(foreign, context)).toThrow(SecretDecryptionError);
    try {
      box.open(foreign, context);
    } catch (error) {
      expect((error as Error).message).not.toContain(key);
    }
  });

  it('refuses a seal relabelled with this box\'s key id', () => {
    const stranger = createSecretBox(createKeyring({ currentKey: randomBytes(32).toString('base64'), oldKeys: [] }));
    const foreign = { ...stranger.seal(plaintext, context), keyId: box.currentKeyId };
    expect(() => box.open(foreign, context)).toThrow(SecretDecryptionError);
  });

  it('says nothing of the plaintext when it refuses', () => {
    try {
      box.open(copy(), 'wrong-context');
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('sk-SECRET-box');
    }
  });
});

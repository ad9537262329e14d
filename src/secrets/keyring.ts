import { createHash, hkdfSync } from 'node:crypto';
import type { SecretsConfig } from '../config.ts';

/**
 * The encryption keys: one current key that seals new secrets, and old keys kept only to open
 * what they sealed before a rotation. A key's id is derived from the key itself, so operators
 * manage one value per key and the id stored beside each ciphertext always names the right key.
 */
export interface SecretKey {
  id: string;
  material: Buffer;
}

export interface Keyring {
  current: SecretKey;
  find(id: string): SecretKey | undefined;
  /** a sub-key for another purpose (e.g. signing cursors), independent of the encryption key */
  derive(purpose: string): Buffer;
}

export class InvalidKeyError extends Error {}

export function createKeyring(config: SecretsConfig): Keyring {
  const current = parseKey(config.currentKey, 'SECRETS_KEY');
  const keys = new Map<string, SecretKey>([[current.id, current]]);
  for (const [index, encoded] of config.oldKeys.entries()) {
    const key = parseKey(encoded, `SECRETS_OLD_KEYS[${index}]`);
    if (!keys.has(key.id)) keys.set(key.id, key);
  }
  return {
    current,
    find: (id) => keys.get(id),
    derive: (purpose) => Buffer.from(hkdfSync('sha256', current.material, Buffer.alloc(0), purpose, 32)),
  };
}

export function parseKey(encoded: string, name: string): SecretKey {
  const material = Buffer.from(encoded, 'base64');
  // Node's decoder skips characters it does not know; a key must be exactly what it decodes from.
  const canonical = encoded === material.toString('base64') || encoded === material.toString('base64url');
  if (!canonical || material.length !== 32) {
    throw new InvalidKeyError(`${name} must be 32 bytes encoded as base64 (got ${material.length} bytes)`);
  }
  const id = createHash('sha256').update(material).digest('hex').slice(0, 16);
  return { id, material };
}

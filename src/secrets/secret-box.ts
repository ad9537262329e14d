import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/**
 * AES-256-GCM envelope. A fresh 96-bit nonce per record; the caller's `context` (who the secret
 * belongs to) is bound as additional authenticated data, so a ciphertext copied onto another
 * row does not decrypt.
 */
export interface SealedSecret {
  keyId: string;
  nonce: Buffer;
  /** ciphertext followed by the 16-byte GCM tag */
  ciphertext: Buffer;
}

export interface SecretBox {
  seal(plaintext: string, context: string): SealedSecret;
  open(sealed: SealedSecret, context: string): string;
  currentKeyId: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptionError extends Error {}

export function createSecretBox(keyring: Keyring): SecretBox {
  return {
    currentKeyId: keyring.current.id,
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyring.current.material, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId: keyring.current.id, nonce, ciphertext: Buffer.concat([body, cipher.getAuthTag()]) };
    },
    open(sealed, context) {
      const key = keyring.find(sealed.keyId);
      if (!key) throw new SecretDecryptionError(`no key with id ${sealed.keyId} is configured`);
      const body = sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES);
      const tag = sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.material, sealed.nonce);
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptionError('secret could not be authenticated with its key and context');
      }
    },
  };
}

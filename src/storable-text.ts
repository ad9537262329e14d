import { z } from 'zod';

/**
 * Text PostgreSQL can store as it was sent: no NUL characters (text columns refuse them) and no
 * unpaired UTF-16 surrogates (they cannot be encoded as UTF-8 and would silently become U+FFFD).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

export const STORABLE_TEXT_MESSAGE = 'contains a NUL character or an unpaired surrogate';

/** z.string() that refuses text `isStorableText` refuses; every string input starts here. */
export function storableString() {
  return z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);
}

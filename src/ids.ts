import { randomUUID } from 'node:crypto';

/** The one source of new record ids. */
export type IdGenerator = () => string;

export const randomId: IdGenerator = randomUUID;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

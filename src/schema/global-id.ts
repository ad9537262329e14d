import { ValidationError } from '../errors.ts';

/** Relay global ids: base64url("<Type>:<id>"), opaque to clients. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0 || globalId.length > 200) throw ValidationError.at(['id'], 'is not a valid ID');
  return { typename: decoded.slice(0, separator), id: decoded.slice(separator + 1) };
}

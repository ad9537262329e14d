import { ValidationError } from '../errors.ts';

/** Relay global ids: base64url("<Type>:<id>"), opaque to clients. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

const NODE_TYPES = new Set(['Model']);

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  if (separator <= 0 || globalId.length > 200 || !NODE_TYPES.has(typename)) {
    throw ValidationError.at(['id'], 'is not a valid ID');
  }
  return { typename, id: decoded.slice(separator + 1) };
}

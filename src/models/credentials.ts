import { z } from 'zod';
import { STORABLE_TEXT_MESSAGE } from '../storable-text.ts';

/**
 * Provider credentials: a non-empty object whose values are strings or nested objects of strings.
 * Messages name the offending key, never its value.
 */
export type CredentialValue = string | CredentialObject;
export interface CredentialObject {
  [key: string]: CredentialValue;
}

export const MAX_CREDENTIALS_BYTES = 16 * 1024;
const MAX_DEPTH = 4;

export const credentialsSchema = z.unknown().transform((value, ctx) => {
  const problem = findProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
    return z.NEVER;
  }
  return value as CredentialObject;
});

interface Problem {
  path: string[];
  message: string;
}

function findProblem(value: unknown): Problem | undefined {
  if (!isPlainObject(value)) return { path: [], message: 'must be an object of strings' };
  // The shape first: its walk stops at MAX_DEPTH, whereas serialising a hostile 10,000-level
  // object would overflow the stack.
  const problem = checkObject(value, [], 1);
  if (problem) return problem;
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_CREDENTIALS_BYTES) {
    return { path: [], message: `must be at most ${MAX_CREDENTIALS_BYTES / 1024} KiB when serialized` };
  }
  return undefined;
}

function checkObject(object: Record<string, unknown>, path: string[], depth: number): Problem | undefined {
  const entries = Object.entries(object);
  if (entries.length === 0) {
    return { path, message: path.length === 0 ? 'must not be empty' : 'nested objects must not be empty' };
  }
  for (const [key, child] of entries) {
    const childPath = [...path, key];
    if (key.trim() === '') return { path, message: 'keys must not be blank' };
    // Sealed as UTF-8: an unpaired surrogate would not come back as it was sent.
    if (!key.isWellFormed()) return { path, message: `a key ${STORABLE_TEXT_MESSAGE}` };
    if (typeof child === 'string') {
      if (!child.isWellFormed()) return { path: childPath, message: STORABLE_TEXT_MESSAGE };
      continue;
    }
    if (!isPlainObject(child)) return { path: childPath, message: 'must be a string or an object of strings' };
    if (depth >= MAX_DEPTH) return { path: childPath, message: `nesting deeper than ${MAX_DEPTH} levels` };
    const problem = checkObject(child, childPath, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * A field's arguments, checked and normalized by `schema`, or BAD_USER_INPUT naming every failing
 * path. Synchronous on purpose (instead of @pothos/plugin-zod, which always uses parseAsync): an
 * asynchronous parse costs a promise per field and skips zod's compiled fast path for objects,
 * which made validating the list arguments 50–90 µs of a W2 request in the server.
 */
export function parseArgs<Schema extends z.ZodType>(schema: Schema, args: unknown): z.output<Schema> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({ path: issue.path.map(pathSegment), message: issue.message })),
  );
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}

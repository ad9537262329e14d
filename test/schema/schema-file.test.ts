import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../../src/schema/print.ts';

describe('schema.graphql', () => {
  it('matches the schema the server serves (run `npm run print-schema` after changing it)', async () => {
    const checkedIn = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(printSchemaSdl()).toBe(checkedIn);
  });
});

import { writeFile } from 'node:fs/promises';
import { printSchemaSdl } from '../schema/print.ts';

/** npm run print-schema: rewrites schema.graphql from the Pothos schema. */
await writeFile(new URL('../../schema.graphql', import.meta.url), printSchemaSdl());
console.log('wrote schema.graphql');

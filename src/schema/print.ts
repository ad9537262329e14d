import { printSchema } from 'graphql';
import { buildSchema } from './index.ts';

/** The schema as SDL, the form checked in as schema.graphql. */
export function printSchemaSdl(): string {
  return `${printSchema(buildSchema()).trim()}\n`;
}

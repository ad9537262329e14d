import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createCompileOnlyDatabase } from '../../src/db/compile-only-database.ts';
import { preparedStatement } from '../../src/db/prepared-statement.ts';
import type { Database } from '../../src/db/tables.ts';

// Compiles only: the statement a prepared statement runs must be exactly the one Kysely would
// build for the same values, whatever values a cached shape was first prepared with.
const db = createCompileOnlyDatabase();

interface Values {
  organizationId: string;
  status: string[] | null;
  tags: string[];
  createdAfter?: Date;
  limit: number;
}

const build = (kysely: Kysely<Database>, values: Values, order: 'ASC' | 'DESC') => {
  let query = kysely
    .selectFrom('models')
    .select(['id', 'name'])
    .where('organization_id', '=', values.organizationId)
    // the same value bound twice
    .where(sql<boolean>`project_id <> ${values.organizationId}`)
    .where(sql<boolean>`tags @> ${values.tags}::text[]`);
  if (values.status) query = query.where(sql<boolean>`status in (${sql.join(values.status)})`);
  if (values.createdAfter) query = query.where('created_at', '>', values.createdAfter);
  return query.orderBy('name', order === 'ASC' ? 'asc' : 'desc').limit(values.limit);
};

const inputs: Array<[Values, 'ASC' | 'DESC']> = [
  [{ organizationId: 'org-a', status: ['ACTIVE'], tags: ['x'], limit: 21 }, 'ASC'],
  [{ organizationId: 'org-b', status: ['PENDING'], tags: ['y', 'z'], limit: 6 }, 'ASC'],
  [{ organizationId: 'org-c', status: ['ACTIVE', 'FAILED', 'PENDING'], tags: [], limit: 2 }, 'ASC'],
  [{ organizationId: 'org-d', status: null, tags: ['x'], createdAfter: new Date('2026-01-02T03:04:05Z'), limit: 1 }, 'DESC'],
  [{ organizationId: 'org-e', status: ['ARCHIVED', 'ACTIVE', 'FAILED'], tags: ['q'], limit: 101 }, 'ASC'],
  [{ organizationId: 'org-f', status: null, tags: [], createdAfter: new Date('2025-12-31T23:59:59.999Z'), limit: 3 }, 'DESC'],
  [{ organizationId: "o'quote", status: ['ACTIVE'], tags: ['x', 'y', 'z'], limit: 50 }, 'DESC'],
];

describe('preparedStatement', () => {
  it('compiles, for every input, the SQL and parameters Kysely builds for it, across cached shapes', () => {
    const statement = preparedStatement(build);
    // twice over, so that every input after the first round runs on a cached template
    for (const [values, order] of [...inputs, ...inputs.slice().reverse()]) {
      const expected = build(db, values, order).compile();
      const prepared = statement.compile(db, values, order);
      expect(prepared.sql).toBe(expected.sql);
      expect(prepared.parameters).toEqual(expected.parameters);
    }
  });

  it('keeps a value of one call out of the next call with the same shape', () => {
    const statement = preparedStatement(build);
    statement.compile(db, { organizationId: 'first', status: ['ACTIVE'], tags: ['t1'], limit: 5 }, 'ASC');
    const second = statement.compile(db, { organizationId: 'second', status: ['FAILED'], tags: ['t2'], limit: 9 }, 'ASC');
    expect(second.parameters).toEqual(['second', 'second', ['t2'], 'FAILED', 9]);
  });

  it('refuses a build that transforms a value instead of binding it', () => {
    const statement = preparedStatement((kysely, values: { search: string }) =>
      kysely.selectFrom('models').select('id').where('name', 'like', `%${values.search}%`),
    );
    expect(() => statement.compile(db, { search: 'gpt' }, null)).toThrow(/must reach the SQL as a parameter/);
  });

  it('refuses a value that never reaches the SQL', () => {
    const statement = preparedStatement((kysely, values: { organizationId: string; unused: string }) =>
      kysely.selectFrom('models').select('id').where('organization_id', '=', values.organizationId),
    );
    expect(() => statement.compile(db, { organizationId: 'o', unused: 'u' }, null)).toThrow(/must reach the SQL/);
  });
});

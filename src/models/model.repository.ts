import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Tenant } from '../auth/principal.ts';
import { preparedStatement } from '../db/prepared-statement.ts';
import type { Database, ModelRecord, NewModelRow } from '../db/tables.ts';
import type { CursorPosition } from './model.cursor.ts';
import type { ModelFilter } from './model.list-input.ts';
import type { OrderDirection, OrderField, OrderTerm } from './model.order.ts';

/** Kysely queries over `models`. Every one is scoped by (organization_id, project_id). */
type Db = Kysely<Database>;

const MODEL_COLUMNS = [
  'id',
  'organization_id',
  'project_id',
  'resource_uri',
  'name',
  'litellm_model',
  'status',
  'status_message',
  'owner_id',
  'created_by',
  'updated_by',
  'created_at',
  'updated_at',
  'description',
  'tags',
  'provider',
  'api_base',
  'api_version',
  'mode',
  'max_input_tokens',
  'max_output_tokens',
  'rpm',
  'tpm',
  'default_temperature',
  'default_max_tokens',
  'timeout',
  'credential_keys',
] as const satisfies ReadonlyArray<keyof ModelRecord>;

const insertStatement = preparedStatement((db, row: NewModelRow) =>
  db
    .insertInto('models')
    .values(row)
    .onConflict((conflict) => conflict.columns(['organization_id', 'project_id', 'resource_uri']).doNothing())
    .returning(MODEL_COLUMNS),
);

/** Inserts unless the resource URI is taken in the project; then returns undefined. */
export async function insertModel(db: Db, row: NewModelRow): Promise<ModelRecord | undefined> {
  const [inserted] = await insertStatement.execute(db, row, null);
  return inserted;
}

type ModelKey = 'id' | 'resource_uri';

/** A prepared statement's values hold only what reaches the SQL: a Tenant may carry more. */
type TenantValues = Pick<Tenant, 'organizationId' | 'projectId'>;
const tenantValues = (tenant: Tenant): TenantValues => ({ organizationId: tenant.organizationId, projectId: tenant.projectId });

const findStatement = preparedStatement((db, values: TenantValues & { value: string }, key: ModelKey) =>
  db
    .selectFrom('models')
    .select(MODEL_COLUMNS)
    .where('organization_id', '=', values.organizationId)
    .where('project_id', '=', values.projectId)
    .where(key, '=', values.value),
);

/** The project's model whose id, or resource URI, is `value`. */
export async function findModel(db: Db, tenant: Tenant, key: ModelKey, value: string): Promise<ModelRecord | undefined> {
  const [row] = await findStatement.execute(db, { ...tenantValues(tenant), value }, key);
  return row;
}

/** Resource URIs of the project that start with `prefix` (which holds only [a-z0-9-]). */
export async function findResourceUrisStartingWith(db: Db, tenant: Tenant, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('models')
    .select('resource_uri')
    .where('organization_id', '=', tenant.organizationId)
    .where('project_id', '=', tenant.projectId)
    .where('resource_uri', 'like', `${prefix}%`)
    .execute();
  return rows.map((row) => row.resource_uri);
}

export interface PageQuery {
  filter: ModelFilter;
  order: readonly OrderTerm[];
  after: CursorPosition | null;
  before: CursorPosition | null;
  limit: number;
  /** read from the end of the order backwards (for `last`); rows come back in that reversed order */
  fromEnd: boolean;
}

/** What a listing's WHERE clause needs, each value as it is bound: the search as its LIKE pattern. */
interface ListValues extends TenantValues {
  search: string | null;
  status: readonly string[] | null;
  mode: readonly string[] | null;
  provider: readonly string[] | null;
  tags: readonly string[] | null;
  createdBy: string | null;
  /** the cursor's sort values (and id), one per sort key: rows strictly after / before it */
  after: string[] | null;
  before: string[] | null;
}

function listValues(
  tenant: Tenant,
  filter: ModelFilter,
  order: readonly OrderTerm[],
  bounds: { after?: CursorPosition | null; before?: CursorPosition | null },
): ListValues {
  const keyCount = sortKeyCount(order);
  const cursorValues = (position: CursorPosition | null | undefined) =>
    position ? [...position.values, position.id].slice(0, keyCount) : null;
  return {
    ...tenantValues(tenant),
    search: filter.search ? `%${escapeLike(filter.search)}%` : null,
    status: filter.status,
    mode: filter.mode,
    provider: filter.provider,
    tags: filter.tags,
    createdBy: filter.createdBy,
    after: cursorValues(bounds.after),
    before: cursorValues(bounds.before),
  };
}

const pageStatement = preparedStatement(
  (db, values: ListValues & { limit: number }, shape: { order: readonly OrderTerm[]; fromEnd: boolean }) => {
    const keys = sortKeys(shape.order);
    const travel = shape.fromEnd ? keys.map((key) => ({ ...key, direction: flip(key.direction) })) : keys;
    const orderBy = sql.join(travel.map((key) => sql`${key.expression} ${sql.raw(key.direction)}`));
    return db
      .selectFrom('models')
      .select(MODEL_COLUMNS)
      .where(listConditions(values, keys))
      .orderBy(sql`${orderBy}`)
      .limit(values.limit);
  },
);

export async function findModelPage(db: Db, tenant: Tenant, query: PageQuery): Promise<ModelRecord[]> {
  const values = listValues(tenant, query.filter, query.order, query);
  return pageStatement.execute(db, { ...values, limit: query.limit }, { order: query.order, fromEnd: query.fromEnd });
}

const existsStatement = preparedStatement((db, values: ListValues, order: readonly OrderTerm[]) =>
  db.selectFrom('models').select(sql`1`.as('one')).where(listConditions(values, sortKeys(order))).limit(1),
);

/** Whether any row of the filtered list lies strictly on `side` of `position`. */
export async function existsBeyond(
  db: Db,
  tenant: Tenant,
  filter: ModelFilter,
  order: readonly OrderTerm[],
  position: CursorPosition,
  side: 'after' | 'before',
): Promise<boolean> {
  const rows = await existsStatement.execute(db, listValues(tenant, filter, order, { [side]: position }), order);
  return rows.length > 0;
}

const countStatement = preparedStatement((db, values: ListValues) =>
  db.selectFrom('models').select(sql<number>`count(*)::int`.as('count')).where(listConditions(values, [])),
);

export async function countModels(db: Db, tenant: Tenant, filter: ModelFilter): Promise<number> {
  if (Object.values(filter).every((condition) => condition === null)) return countAllModels(db, tenant);
  const [row] = await countStatement.execute(db, listValues(tenant, filter, [], {}), null);
  return row?.count ?? 0;
}

const countAllStatement = preparedStatement((db, values: TenantValues) =>
  db
    .selectFrom('model_counts')
    .select(sql<number>`coalesce(sum(model_count), 0)::int`.as('count'))
    .where('organization_id', '=', values.organizationId)
    .where('project_id', '=', values.projectId),
);

/** The whole project's count, from the trigger-maintained counters rather than the rows. */
async function countAllModels(db: Db, tenant: Tenant): Promise<number> {
  const [row] = await countAllStatement.execute(db, tenantValues(tenant), null);
  return row?.count ?? 0;
}

function listConditions(values: ListValues, keys: SortKey[]): RawBuilder<SqlBool> {
  const conditions = [sql<SqlBool>`organization_id = ${values.organizationId}`, sql<SqlBool>`project_id = ${values.projectId}`];
  if (values.search) {
    // name is stored under "C" (byte order for sorting); ILIKE under "C" folds only ASCII letters.
    conditions.push(sql`(name collate "default" ilike ${values.search} or description ilike ${values.search})`);
  }
  if (values.status) conditions.push(sql`status in (${sql.join(values.status)})`);
  if (values.mode) conditions.push(sql`mode in (${sql.join(values.mode)})`);
  if (values.provider) conditions.push(sql`provider in (${sql.join(values.provider)})`);
  if (values.tags) conditions.push(sql`tags @> ${values.tags}::text[]`);
  if (values.createdBy) conditions.push(sql`created_by = ${values.createdBy}`);
  if (values.after) conditions.push(keysetCondition(keys, values.after, 'after'));
  if (values.before) conditions.push(keysetCondition(keys, values.before, 'before'));
  return and(conditions);
}

/** ILIKE treats % and _ as wildcards and \ as the escape: a search is always literal text. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

interface SortKey {
  expression: RawBuilder<unknown>;
  direction: OrderDirection;
  /** turns a cursor value back into a typed SQL parameter */
  param(value: string): RawBuilder<unknown>;
}

const text = (value: string) => sql`${value}::text`;
const timestamp = (value: string) => sql`${value}::timestamptz`;

// Must agree with `sortValue` in model.cursor.ts and with the order indexes of the migrations.
const SORT_EXPRESSIONS: Record<OrderField, Omit<SortKey, 'direction'>> = {
  NAME: { expression: sql`name`, param: text },
  CREATED_AT: { expression: sql`created_at`, param: timestamp },
  UPDATED_AT: { expression: sql`updated_at`, param: timestamp },
  RESOURCE_URI: { expression: sql`resource_uri`, param: text },
  PROVIDER: { expression: sql`coalesce(provider, '')`, param: text },
  STATUS: { expression: sql`status`, param: text },
};

const ID_KEY = { expression: sql`id`, param: (value: string) => sql`${value}::uuid` };

/** Whether the order needs the id as a last key to be total (the resource URI is unique in a project). */
function needsIdKey(order: readonly OrderTerm[]): boolean {
  return order.length > 0 && !order.some((term) => term.field === 'RESOURCE_URI');
}

function sortKeys(order: readonly OrderTerm[]): SortKey[] {
  const keys = order.map((term) => ({ ...SORT_EXPRESSIONS[term.field], direction: term.direction }));
  const last = order[order.length - 1];
  if (!needsIdKey(order) || !last) return keys;
  return [...keys, { ...ID_KEY, direction: last.direction }];
}

/** How many keys `sortKeys(order)` gives, without building them (listValues runs per request). */
function sortKeyCount(order: readonly OrderTerm[]): number {
  return needsIdKey(order) ? order.length + 1 : order.length;
}

/** Rows strictly after/before the cursor whose sort values are `values`, in the order the keys define. */
function keysetCondition(keys: SortKey[], values: readonly string[], side: 'after' | 'before'): RawBuilder<SqlBool> {
  const params = keys.map((key, index) => key.param(values[index] as string));
  const comparison = (direction: OrderDirection) => ((direction === 'ASC') === (side === 'after') ? '>' : '<');

  const firstDirection = keys[0]?.direction;
  if (keys.every((key) => key.direction === firstDirection) && firstDirection) {
    // A row comparison, which PostgreSQL can seek to through the composite index.
    const columns = sql.join(keys.map((key) => key.expression));
    return sql`(${columns}) ${sql.raw(comparison(firstDirection))} (${sql.join(params)})`;
  }
  const alternatives = keys.map((key, index) => {
    const equalBefore = keys.slice(0, index).map((previous, j) => sql`${previous.expression} = ${params[j]}`);
    return and([...equalBefore, sql`${key.expression} ${sql.raw(comparison(key.direction))} ${params[index]}`]);
  });
  return sql`(${sql.join(alternatives.map((alternative) => sql`(${alternative})`), sql` or `)})`;
}

function and(conditions: Expression<unknown>[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
}

function flip(direction: OrderDirection): OrderDirection {
  return direction === 'ASC' ? 'DESC' : 'ASC';
}

// Secret rotation works across every tenant, by primary key: an operator's job, not a request's.

export interface SealedCredentialsRow {
  id: string;
  organization_id: string;
  project_id: string;
  credentials_key_id: string;
  credentials_nonce: Buffer;
  credentials_ciphertext: Buffer;
}

export async function findCredentialsNotSealedWith(
  db: Db,
  keyId: string,
  afterId: string | null,
  limit: number,
): Promise<SealedCredentialsRow[]> {
  let query = db
    .selectFrom('models')
    .select(['id', 'organization_id', 'project_id', 'credentials_key_id', 'credentials_nonce', 'credentials_ciphertext'])
    .where('credentials_key_id', '<>', keyId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}

/** Replaces the sealed credentials unless someone else re-sealed them since they were read. */
export async function replaceSealedCredentials(
  db: Db,
  id: string,
  expectedKeyId: string,
  sealed: { keyId: string; nonce: Buffer; ciphertext: Buffer },
): Promise<boolean> {
  const result = await db
    .updateTable('models')
    .set({ credentials_key_id: sealed.keyId, credentials_nonce: sealed.nonce, credentials_ciphertext: sealed.ciphertext })
    .where('id', '=', id)
    .where('credentials_key_id', '=', expectedKeyId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

import { type Kysely, sql } from 'kysely';

const MODES = ['chat', 'completion', 'embedding', 'image_generation', 'audio_transcription'];
const STATUSES = ['PENDING', 'ACTIVE', 'ERROR', 'DEPRECATED', 'DISABLED'];

function inList(values: string[]) {
  return sql.join(values.map((value) => sql.lit(value)));
}

// Text that is sorted on uses the "C" collation so that order (and therefore keyset paging)
// is the same byte order on every server, whatever locale the database was created with.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await db.schema
    .createTable('models')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('organization_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('resource_uri', sql`text collate "C"`, (col) =>
      col.notNull().check(sql`resource_uri ~ '^[a-z0-9-]+$' and length(resource_uri) <= 255`),
    )
    .addColumn('name', sql`text collate "C"`, (col) => col.notNull().check(sql`length(name) between 1 and 255`))
    .addColumn('litellm_model', 'text', (col) => col.notNull().check(sql`length(litellm_model) between 1 and 500`))
    .addColumn('status', sql`text collate "C"`, (col) =>
      col.notNull().defaultTo('PENDING').check(sql`status in (${inList(STATUSES)})`),
    )
    .addColumn('status_message', 'text')
    .addColumn('owner_id', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('updated_by', 'text', (col) => col.notNull())
    // millisecond precision: the values round-trip exactly through JavaScript Dates and cursors
    .addColumn('created_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('description', 'text', (col) => col.check(sql`length(description) <= 1000`))
    .addColumn('tags', sql`text[]`, (col) =>
      col.notNull().defaultTo(sql`'{}'`).check(sql`cardinality(tags) <= 32`),
    )
    .addColumn('provider', sql`text collate "C"`, (col) => col.check(sql`length(provider) <= 100`))
    .addColumn('api_base', 'text', (col) => col.check(sql`length(api_base) <= 1000`))
    .addColumn('api_version', 'text', (col) => col.check(sql`length(api_version) <= 50`))
    .addColumn('mode', 'text', (col) => col.check(sql`mode in (${inList(MODES)})`))
    .addColumn('max_input_tokens', 'integer', (col) => col.check(sql`max_input_tokens >= 1`))
    .addColumn('max_output_tokens', 'integer', (col) => col.check(sql`max_output_tokens >= 1`))
    .addColumn('rpm', 'integer', (col) => col.check(sql`rpm >= 1`))
    .addColumn('tpm', 'integer', (col) => col.check(sql`tpm >= 1`))
    .addColumn('default_temperature', 'double precision', (col) =>
      col.check(sql`default_temperature between 0 and 9.99`),
    )
    .addColumn('default_max_tokens', 'integer', (col) => col.check(sql`default_max_tokens >= 1`))
    .addColumn('timeout', 'integer', (col) => col.check(sql`timeout >= 1`))
    .addColumn('credential_keys', sql`text[]`, (col) => col.notNull())
    .addColumn('credentials_key_id', 'text', (col) => col.notNull())
    .addColumn('credentials_nonce', 'bytea', (col) => col.notNull())
    .addColumn('credentials_ciphertext', 'bytea', (col) => col.notNull())
    .addUniqueConstraint('models_resource_uri_unique', ['organization_id', 'project_id', 'resource_uri'])
    .execute();

  // One composite index per order field, each led by the tenant, each ending in the id tie-breaker.
  const orderIndexes: Record<string, ReturnType<typeof sql>> = {
    models_order_created_at: sql`(organization_id, project_id, created_at, id)`,
    models_order_updated_at: sql`(organization_id, project_id, updated_at, id)`,
    models_order_name: sql`(organization_id, project_id, name, id)`,
    models_order_provider: sql`(organization_id, project_id, (coalesce(provider, '')), id)`,
    models_order_status: sql`(organization_id, project_id, status, id)`,
  };
  for (const [name, columns] of Object.entries(orderIndexes)) {
    await sql`create index ${sql.id(name)} on models ${columns}`.execute(db);
  }
  await sql`create index models_created_by on models (organization_id, project_id, created_by)`.execute(db);
  await sql`create index models_tags on models using gin (tags)`.execute(db);
  // name sorts in "C" order, but C only folds ASCII case: search it under the database's collation.
  await sql`create index models_name_trgm on models using gin (name collate "default" gin_trgm_ops)`.execute(db);
  await sql`create index models_description_trgm on models using gin (description gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('models').execute();
}

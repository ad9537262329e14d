import { type Kysely, sql } from 'kysely';

/**
 * An exact count of models per (organization, project), kept by statement-level triggers in the
 * same transaction as every insert and delete, so an unfiltered totalCount reads a few rows
 * instead of counting the project. The count is split over 16 shards, each insert adding to a
 * random one: concurrent creates in one project then rarely wait on the same counter row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_counts')
    .addColumn('organization_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('shard', 'smallint', (col) => col.notNull())
    .addColumn('model_count', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('model_counts_pkey', ['organization_id', 'project_id', 'shard'])
    .execute();

  for (const [event, table, sign] of [
    ['insert', 'inserted', '+'],
    ['delete', 'deleted', '-'],
  ] as const) {
    await sql`
      create function ${sql.raw(`model_counts_after_${event}`)}() returns trigger language plpgsql as $$
      begin
        insert into model_counts (organization_id, project_id, shard, model_count)
        select organization_id, project_id, floor(random() * 16)::smallint, ${sql.raw(sign)}count(*)
        from ${sql.raw(table)}
        group by organization_id, project_id
        on conflict (organization_id, project_id, shard)
        do update set model_count = model_counts.model_count + excluded.model_count;
        return null;
      end
      $$`.execute(db);
    await sql`
      create trigger ${sql.raw(`models_count_${event}`)} after ${sql.raw(event)} on models
      referencing ${sql.raw(event === 'insert' ? 'new' : 'old')} table as ${sql.raw(table)}
      for each statement execute function ${sql.raw(`model_counts_after_${event}`)}()`.execute(db);
  }

  await sql`
    insert into model_counts (organization_id, project_id, shard, model_count)
    select organization_id, project_id, 0, count(*) from models group by organization_id, project_id`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists models_count_insert on models`.execute(db);
  await sql`drop trigger if exists models_count_delete on models`.execute(db);
  await sql`drop function if exists model_counts_after_insert()`.execute(db);
  await sql`drop function if exists model_counts_after_delete()`.execute(db);
  await db.schema.dropTable('model_counts').execute();
}

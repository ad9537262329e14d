import type pg from 'pg';
import { RARE_SEARCH, W3_SEARCH } from './sql.ts';

/**
 * Bulk seeding of the bench database: 10 organizations × 10 projects, one hot project holding
 * 20 % of the rows, the rest spread evenly over the other 99. Everything is done by a few
 * INSERT … SELECT generate_series statements inside one transaction (the secondary indexes are
 * dropped first and rebuilt at the end, which is several times faster than maintaining them row
 * by row; if anything fails the transaction rolls back and the indexes are still there).
 *
 * The per-project counters of migrations/0002 are kept by statement-level triggers, so they stay
 * exact through these inserts. A `bench_seed` row records what was seeded; a later run with the
 * same row count reuses the data.
 */

/** Bumped whenever the generated data changes shape, so that older seeds are not reused. */
export const SEED_VERSION = 3;
export const HOT_SHARE = 0.2;
export const ORGANIZATIONS = 10;
export const PROJECTS_PER_ORGANIZATION = 10;

export const HOT_TENANT = { organizationId: 'bench-org-00', projectId: 'proj-00' };
/** W5 creates as this user; its rows are deleted after the workload (and at start-up, if a run was cut short). */
export const WRITER_SUB = 'bench-writer';

/** The sealed credentials every seeded row carries: well-formed, never decrypted by the bench. */
const DUMMY_KEY_ID = 'bench-dummy-key';

export interface SeedInfo {
  rows: number;
  hotRows: number;
  reused: boolean;
  seconds: number;
}

export function hotRowsFor(rows: number): number {
  return Math.round(rows * HOT_SHARE);
}

/** Rows a chunk of the seed inserts per statement. */
const CHUNK = 250_000;

export async function seed(
  client: pg.Client,
  rows: number,
  options: { reseed: boolean; log: (line: string) => void },
): Promise<SeedInfo> {
  const started = performance.now();
  const hotRows = hotRowsFor(rows);
  await client.query(`create table if not exists bench_seed (
    id int primary key default 1 check (id = 1),
    rows bigint not null,
    hot_rows bigint not null,
    version int not null,
    seconds double precision not null,
    seeded_at timestamptz not null default now())`);
  await removeWriterRows(client);

  const previous = await client.query<{ rows: string; hot_rows: string; version: number }>(
    'select rows, hot_rows, version from bench_seed',
  );
  const counted = await client.query<{ total: string }>('select coalesce(sum(model_count), 0)::bigint as total from model_counts');
  const recorded = previous.rows[0];
  if (
    !options.reseed &&
    recorded &&
    Number(recorded.rows) === rows &&
    Number(recorded.hot_rows) === hotRows &&
    recorded.version === SEED_VERSION &&
    Number(counted.rows[0]?.total) === rows
  ) {
    return { rows, hotRows, reused: true, seconds: (performance.now() - started) / 1000 };
  }

  options.log(`seeding ${rows.toLocaleString('en-US')} models (${hotRows.toLocaleString('en-US')} in the hot project)…`);
  await client.query('begin');
  try {
    await client.query("set local maintenance_work_mem = '512MB'");
    await client.query('set local synchronous_commit = off');
    await client.query('truncate models, model_counts, bench_seed');

    // Every index that does not back a constraint is rebuilt after the load, from its own definition.
    const indexes = await client.query<{ name: string; definition: string }>(`
      select i.relname as name, pg_get_indexdef(i.oid) as definition
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      where t.oid = 'models'::regclass
        and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`);
    for (const index of indexes.rows) await client.query(`drop index ${quoteIdent(index.name)}`);

    await client.query('select setseed(0.42)');
    for (let start = 0; start < rows; start += CHUNK) {
      const end = Math.min(rows, start + CHUNK) - 1;
      const chunkStarted = performance.now();
      await client.query(INSERT_SQL, [start, end, hotRows]);
      options.log(`  rows ${start.toLocaleString('en-US')}–${end.toLocaleString('en-US')} in ${seconds(chunkStarted)} s`);
    }
    const indexesStarted = performance.now();
    for (const index of indexes.rows) await client.query(index.definition);
    options.log(`  ${indexes.rows.length} indexes rebuilt in ${seconds(indexesStarted)} s`);

    const total = (performance.now() - started) / 1000;
    await client.query('insert into bench_seed (rows, hot_rows, version, seconds) values ($1, $2, $3, $4)', [
      rows,
      hotRows,
      SEED_VERSION,
      total,
    ]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  const vacuumStarted = performance.now();
  // Statistics for the planner, and a visibility map so that counts can use index-only scans.
  await client.query('vacuum (analyze) models');
  await client.query('vacuum (analyze) model_counts');
  options.log(`  vacuum + analyze in ${seconds(vacuumStarted)} s`);
  return { rows, hotRows, reused: false, seconds: (performance.now() - started) / 1000 };
}

/** Deletes what W5 created (the statement trigger keeps the project's counter right). */
export async function removeWriterRows(client: pg.Client): Promise<number> {
  const result = await client.query('delete from models where organization_id = $1 and project_id = $2 and created_by = $3', [
    HOT_TENANT.organizationId,
    HOT_TENANT.projectId,
    `user:${WRITER_SUB}`,
  ]);
  return result.rowCount ?? 0;
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * One chunk of rows $1..$2; rows below $3 belong to the hot project. Each row draws its own
 * random numbers in the inner select; the outer select turns them into column values.
 *
 * Value mix: providers over 14 model families (10 % without a provider), modes (15 % null),
 * statuses (60 % ACTIVE), 0–4 tags from four small groups, descriptions (8 % null) of which about
 * 3 % mention W3's search term and about 0.02 % the rare term, created_at over a year at
 * millisecond precision, updated_at at or after it.
 */
const INSERT_SQL = `
with families(n, provider, family, label) as (
  values
    (1, 'openai', 'gpt-4o', 'GPT-4o'),
    (2, 'openai', 'gpt-4o-mini', 'GPT-4o mini'),
    (3, 'openai', 'text-embedding-3-large', 'Embedding 3 large'),
    (4, 'openai', 'whisper-1', 'Whisper'),
    (5, 'anthropic', 'claude-3-5-sonnet', 'Claude 3.5 Sonnet'),
    (6, 'anthropic', 'claude-3-haiku', 'Claude 3 Haiku'),
    (7, 'azure', 'gpt-4-turbo', 'Azure GPT-4 Turbo'),
    (8, 'bedrock', 'llama-3-70b', 'Llama 3 70B'),
    (9, 'vertex_ai', 'gemini-1.5-pro', 'Gemini 1.5 Pro'),
    (10, 'vertex_ai', 'gemini-1.5-flash', 'Gemini 1.5 Flash'),
    (11, 'mistral', 'mistral-large', 'Mistral Large'),
    (12, 'cohere', 'command-r-plus', 'Command R+'),
    (13, 'cohere', 'embed-english-v3', 'Cohere Embed v3'),
    (14, 'groq', 'mixtral-8x7b', 'Mixtral 8x7B')
),
draws as (
  select
    i,
    case when i < $3 then 0 else 1 + (i - $3) % ${ORGANIZATIONS * PROJECTS_PER_ORGANIZATION - 1} end as tenant,
    1 + floor(random() * 14)::int as family_n,
    random() as r_provider, random() as r_mode, random() as r_status, random() as r_desc,
    random() as r_term, random() as r_use, random() as r_env, random() as r_region,
    random() as r_speed, random() as r_misc, random() as r_limits, random() as r_temp,
    timestamptz '2024-06-01 00:00:00+00' + floor(random() * 365 * 86400000) * interval '1 millisecond' as created,
    floor(random() * random() * 30 * 86400000) * interval '1 millisecond' as age
  from generate_series($1::int, $2::int) as i
),
rows as (
  select d.*, f.family, f.label,
    case when d.r_provider < 0.1 then null else f.provider end as provider,
    case
      when d.r_mode < 0.50 then 'chat'
      when d.r_mode < 0.65 then 'embedding'
      when d.r_mode < 0.75 then 'completion'
      when d.r_mode < 0.80 then 'image_generation'
      when d.r_mode < 0.85 then 'audio_transcription'
    end as mode,
    case
      when d.r_status < 0.60 then 'ACTIVE'
      when d.r_status < 0.75 then 'PENDING'
      when d.r_status < 0.80 then 'ERROR'
      when d.r_status < 0.90 then 'DEPRECATED'
      else 'DISABLED'
    end as status
  from draws d join families f on f.n = d.family_n
)
insert into models (
  id, organization_id, project_id, resource_uri, name, litellm_model, status, status_message,
  owner_id, created_by, updated_by, created_at, updated_at, description, tags, provider, api_base,
  api_version, mode, max_input_tokens, max_output_tokens, rpm, tpm, default_temperature,
  default_max_tokens, timeout, credential_keys, credentials_key_id, credentials_nonce, credentials_ciphertext)
select
  gen_random_uuid(),
  'bench-org-' || lpad((tenant / ${PROJECTS_PER_ORGANIZATION})::text, 2, '0'),
  'proj-' || lpad((tenant % ${PROJECTS_PER_ORGANIZATION})::text, 2, '0'),
  replace(family, '.', '-') || '-' || i,
  label || ' ' || (array['prod', 'staging', 'dev', 'batch', 'eval'])[1 + i % 5] || ' ' || i,
  case when provider is null then family else provider || '/' || family end,
  status,
  case when status = 'ERROR' then 'the provider answered 401 Unauthorized' end,
  'seed-' || i % 7,
  'user:seed-' || i % 7,
  'user:seed-' || i % 5,
  created,
  created + age,
  case when r_desc >= 0.08 then
    initcap(coalesce(replace(mode, '_', ' '), 'general')) || ' model from ' || coalesce(provider, 'a self-hosted endpoint')
    || ' for ' || (array['customer support', 'code review', 'summarization', 'retrieval', 'classification',
                         'translation', 'agents', 'batch jobs', 'analytics', 'moderation', 'search', 'chatbots'])[1 + floor(r_use * 12)::int]
    || case when r_term < 0.03 then '. ${capitalize(W3_SEARCH)}, tuned for ' || (array['French', 'German', 'Japanese', 'Spanish'])[1 + i % 4] else '' end
    || case when r_term > 0.9998 then '. ${capitalize(RARE_SEARCH)} to 4 bits' else '' end
    || '. Ref ' || substr(md5(i::text), 1, 10) || '.'
  end,
  array_remove(array[
    case when r_env < 0.7 then (array['production', 'staging', 'dev'])[1 + floor(r_env / 0.7 * 3)::int] end,
    case when r_region < 0.4 then (array['eu', 'us', 'apac'])[1 + floor(r_region / 0.4 * 3)::int] end,
    case when r_speed < 0.3 then (array['fast', 'cheap', 'accurate'])[1 + floor(r_speed / 0.3 * 3)::int] end,
    case when r_misc < 0.25 then (array['experimental', 'internal', 'vision', 'long-context'])[1 + floor(r_misc / 0.25 * 4)::int] end
  ], null),
  provider,
  case when provider = 'azure' then 'https://bench-' || i % 3 || '.openai.azure.com'
       when r_limits < 0.1 then 'https://llm-proxy.internal.example/v1' end,
  case when provider = 'azure' then '2024-06-01' end,
  mode,
  case when r_limits < 0.7 then (array[8192, 32768, 128000, 200000])[1 + i % 4] end,
  case when r_limits < 0.5 then (array[4096, 8192, 16384])[1 + i % 3] end,
  case when r_limits < 0.6 then (array[60, 500, 3000, 10000])[1 + i % 4] end,
  case when r_limits < 0.6 then (array[100000, 1000000, 10000000])[1 + i % 3] end,
  case when r_temp < 0.5 then round((r_temp * 3)::numeric, 2)::float8 end,
  case when r_temp < 0.3 then 1024 end,
  case when r_limits < 0.4 then 30 when r_limits < 0.5 then 120 end,
  case when provider = 'azure' then array['api_base', 'api_key', 'api_version'] else array['api_key'] end,
  '${DUMMY_KEY_ID}',
  '\\x000102030405060708090a0b'::bytea,
  decode(repeat('5a', 64), 'hex')
from rows
`;

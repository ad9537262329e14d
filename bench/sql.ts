import type { Tenant } from '../src/auth/principal.ts';
import { createCompileOnlyDatabase } from '../src/db/compile-only-database.ts';
import { createCursorCodec } from '../src/models/model.cursor.ts';
import { createModelInputSchema } from '../src/models/model.input.ts';
import { listModelsArgsSchema } from '../src/models/model.list-input.ts';
import { DEFAULT_ORDER, type OrderTerm } from '../src/models/model.order.ts';
import { createModelService } from '../src/models/model.service.ts';
import { createKeyring } from '../src/secrets/keyring.ts';
import { createSecretBox } from '../src/secrets/secret-box.ts';

/**
 * The SQL the gateway runs for each workload, taken from the gateway's own service and repository
 * (src/models/model.service.ts → model.repository.ts) by running them against a Kysely whose
 * driver only records the compiled statements. The baseline server and `--explain` then execute
 * exactly these statements, so "the same SQL" cannot drift when the repository changes.
 *
 * Values that differ per request (tenant, search term, cursor position, resource URI) are passed
 * in as marker strings and located in the recorded parameters; everything else (page size + 1,
 * the W2 filter values) is a constant of the workload.
 */

export const W2_FILTER = { status: ['ACTIVE'], mode: ['chat'] } as const;
export const W2_ORDER: OrderTerm[] = [{ field: 'NAME', direction: 'ASC' }];
export const PAGE_SIZE = 20;
/** W3's search term: seeded into a few % of the descriptions (see seed.ts) */
export const W3_SEARCH = 'multilingual';
/** A term seeded into about 0.02 % of the descriptions: the case the trigram index is for. */
export const RARE_SEARCH = 'quantized';

type Slot =
  | { kind: 'const'; value: unknown }
  | { kind: 'var'; name: VarName; prefix: string; suffix: string };

export type VarName = 'org' | 'project' | 'search' | 'afterValue' | 'afterId' | 'uri';
export type Vars = Partial<Record<VarName, string>>;

export interface SqlTemplate {
  sql: string;
  slots: Slot[];
}

export interface InsertTemplate {
  sql: string;
  /** the columns of the insert, in the order of its parameters */
  columns: string[];
}

export interface GatewaySql {
  /** W1 (and W4 without its cursor): first page, CREATED_AT DESC */
  firstPage: SqlTemplate;
  /** unfiltered totalCount (from the per-project counters) */
  count: SqlTemplate;
  /** W2: status + mode filter, NAME ASC */
  filteredPage: SqlTemplate;
  /** W3: search, default order */
  searchPage: SqlTemplate;
  /** W4: CREATED_AT DESC after a cursor */
  deepPage: SqlTemplate;
  /** W5: the create */
  insert: InsertTemplate;
  /** W6: lookup by resource URI */
  lookup: SqlTemplate;
}

const marker = (name: VarName) => `@@${name}@@`;
const MARKER_PATTERN = /@@(org|project|search|afterValue|afterId|uri)@@/;
/** The cursor's id must look like a UUID to be accepted; this one stands for "the cursor's id". */
const AFTER_ID_MARKER = 'ffffffff-eeee-4ddd-8ccc-bbbbbbbbbbbb';

function templateOf(query: { sql: string; parameters: readonly unknown[] }): SqlTemplate {
  const slots = query.parameters.map((value): Slot => {
    if (value === AFTER_ID_MARKER) return { kind: 'var', name: 'afterId', prefix: '', suffix: '' };
    if (typeof value === 'string') {
      const match = MARKER_PATTERN.exec(value);
      if (match) {
        return {
          kind: 'var',
          name: match[1] as VarName,
          prefix: value.slice(0, match.index),
          suffix: value.slice(match.index + match[0].length),
        };
      }
    }
    return { kind: 'const', value };
  });
  return { sql: query.sql, slots };
}

/** The parameters of a template for one request. */
export function bind(template: SqlTemplate, vars: Vars): unknown[] {
  return template.slots.map((slot) => {
    if (slot.kind === 'const') return slot.value;
    const value = vars[slot.name];
    if (value === undefined) throw new Error(`no value for ${slot.name} in ${template.sql}`);
    return `${slot.prefix}${value}${slot.suffix}`;
  });
}

export async function captureGatewaySql(): Promise<GatewaySql> {
  let recorded: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = createCompileOnlyDatabase((event) => {
    if (event.level === 'query') recorded.push({ sql: event.query.sql, parameters: event.query.parameters });
  });
  const keyring = createKeyring({ currentKey: Buffer.alloc(32, 7).toString('base64'), oldKeys: [] });
  const cursors = createCursorCodec(keyring.derive('model-cursor-signing'));
  const service = createModelService({
    db,
    secrets: createSecretBox(keyring),
    cursors,
    clock: { now: () => new Date(0) },
    newId: () => '00000000-0000-4000-8000-000000000000',
  });
  const tenant: Tenant = { organizationId: marker('org'), projectId: marker('project') };

  async function record(run: () => Promise<unknown>): Promise<{ sql: string; parameters: readonly unknown[] }[]> {
    recorded = [];
    try {
      await run();
    } catch {
      // The recording driver returns no rows, so calls that need one end in an error; the
      // statements they ran are what we came for.
    }
    return recorded;
  }
  const only = (queries: { sql: string; parameters: readonly unknown[] }[], what: string) => {
    if (queries.length < 1 || !queries[0]) throw new Error(`the gateway ran no SQL for ${what}`);
    return templateOf(queries[0]);
  };
  const list = (args: Record<string, unknown>) => service.listModels(tenant, listModelsArgsSchema.parse(args));

  const [firstPage, count] = await record(async () => {
    const page = await list({ first: PAGE_SIZE });
    await page.totalCount();
  });
  if (!firstPage || !count) throw new Error('the gateway ran no SQL for a first page with totalCount');

  const afterCursor = cursors.encode({ values: [marker('afterValue')], id: AFTER_ID_MARKER }, DEFAULT_ORDER, tenant);
  const insertQueries = await record(() =>
    service.createModel(
      tenant,
      { userId: 'bench' },
      createModelInputSchema.parse({ name: 'capture', litellmModel: 'openai/gpt-4o', credentials: { api_key: 'x' } }),
    ),
  );
  const insert = insertQueries[0];
  if (!insert) throw new Error('the gateway ran no SQL for createModel');
  const columnList = /^insert into "models" \(([^)]*)\) values \(/.exec(insert.sql)?.[1];
  if (!columnList) throw new Error(`unexpected insert statement: ${insert.sql}`);
  const columns = columnList.split(',').map((column) => column.trim().replace(/^"|"$/g, ''));
  if (columns.length !== insert.parameters.length) throw new Error('insert columns and parameters differ in number');

  return {
    firstPage: templateOf(firstPage),
    count: templateOf(count),
    filteredPage: only(await record(() => list({ first: PAGE_SIZE, filter: W2_FILTER, orderBy: W2_ORDER })), 'W2'),
    searchPage: only(await record(() => list({ first: PAGE_SIZE, filter: { search: marker('search') } })), 'W3'),
    deepPage: only(await record(() => list({ first: PAGE_SIZE, after: afterCursor })), 'W4'),
    insert: { sql: insert.sql, columns },
    lookup: only(await record(() => service.getModelByResourceUri(tenant, marker('uri'))), 'W6'),
  };
}

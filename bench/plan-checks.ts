import type pg from 'pg';
import { escapeLike } from '../src/models/model.repository.ts';
import { explainText, planSummary, type PlanSummary, timeStatement } from './plans.ts';
import { WRITER_SUB } from './seed.ts';
import { bind, type GatewaySql, RARE_SEARCH, type Vars, W3_SEARCH } from './sql.ts';
import type { WorkloadData } from './workloads.ts';

/** The plans the bench's targets depend on, measured before the load, and `--explain`'s output. */
export interface PlanChecks {
  count: PlanSummary;
  countMs: number;
  firstPageMs: number;
  search: PlanSummary;
  rareSearch: PlanSummary;
  deepPage: PlanSummary;
}

/** The plans the targets depend on, and what a count costs next to the page it comes with. */
export async function checkPlans(client: pg.Client, sql: GatewaySql, data: WorkloadData, tenant: Vars): Promise<PlanChecks> {
  const afterVars = deepVars(data, tenant);
  return {
    count: await planSummary(client, sql.count, tenant, true),
    countMs: await timeStatement(client, sql.count, tenant, 200),
    firstPageMs: await timeStatement(client, sql.firstPage, tenant, 200),
    search: await planSummary(client, sql.searchPage, { ...tenant, search: escapeLike(W3_SEARCH) }, true),
    rareSearch: await planSummary(client, sql.searchPage, { ...tenant, search: escapeLike(RARE_SEARCH) }, true),
    deepPage: await planSummary(client, sql.deepPage, afterVars, true),
  };
}

export function deepVars(data: WorkloadData, tenant: Vars): Vars {
  return { ...tenant, afterValue: data.deepCreatedAt, afterId: data.deepId };
}

export async function printExplain(client: pg.Client, sql: GatewaySql, data: WorkloadData, tenant: Vars): Promise<void> {
  const sample = {
    id: '00000000-0000-4000-8000-0000000000b1',
    organization_id: tenant.org,
    project_id: tenant.project,
    resource_uri: 'bench-explain-insert',
    name: 'Bench explain insert',
    litellm_model: 'openai/gpt-4o-mini',
    status: 'PENDING',
    owner_id: WRITER_SUB,
    created_by: `user:${WRITER_SUB}`,
    updated_by: `user:${WRITER_SUB}`,
    created_at: new Date(),
    updated_at: new Date(),
    tags: ['bench'],
    provider: 'openai',
    credential_keys: ['api_key'],
    credentials_key_id: 'explain',
    credentials_nonce: Buffer.alloc(12),
    credentials_ciphertext: Buffer.alloc(48),
  } as Record<string, unknown>;
  const explained: Array<[string, string, unknown[], boolean]> = [
    ['W1 page', sql.firstPage.sql, bind(sql.firstPage, tenant), false],
    ['W1/W4 totalCount', sql.count.sql, bind(sql.count, tenant), false],
    ['W2 filter status + mode, NAME ASC', sql.filteredPage.sql, bind(sql.filteredPage, tenant), false],
    [`W3 search "${W3_SEARCH}"`, sql.searchPage.sql, bind(sql.searchPage, { ...tenant, search: escapeLike(W3_SEARCH) }), false],
    [`W3 with a rare term "${RARE_SEARCH}"`, sql.searchPage.sql, bind(sql.searchPage, { ...tenant, search: escapeLike(RARE_SEARCH) }), false],
    [`W4 after ${data.deepOffset.toLocaleString('en-US')} rows`, sql.deepPage.sql, bind(sql.deepPage, deepVars(data, tenant)), false],
    ['W5 createModel insert (rolled back)', sql.insert.sql, sql.insert.columns.map((column) => sample[column] ?? null), true],
    ['W6 lookup by resourceUri', sql.lookup.sql, bind(sql.lookup, { ...tenant, uri: data.uris[0] ?? '' }), false],
  ];
  for (const [title, text, params, write] of explained) {
    console.log(`\n── EXPLAIN (ANALYZE, BUFFERS): ${title}\n${text}\n  -- ${JSON.stringify(params.map((p) => (Buffer.isBuffer(p) ? '<bytes>' : p)))}`);
    console.log(await explainText(client, text, params, write));
  }
  console.log('');
}

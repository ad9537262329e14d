import type pg from 'pg';
import { bind, type SqlTemplate, type Vars } from './sql.ts';

/** EXPLAIN of the gateway's statements against the seeded data. */

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

export interface PlanSummary {
  relations: string[];
  indexes: string[];
  nodeTypes: string[];
  /** execution time of EXPLAIN ANALYZE, ms */
  executionMs: number | null;
}

/**
 * The plan of a statement; with `analyze`, its execution time on warm caches. A read statement runs
 * once before it is timed: the bench measures the hot path, and the first run after a reseed or a
 * VACUUM reads its pages from disk.
 */
export async function planSummary(client: pg.Client, template: SqlTemplate, vars: Vars, analyze: boolean): Promise<PlanSummary> {
  if (analyze && /^\s*select\b/i.test(template.sql)) await client.query(template.sql, bind(template, vars));
  const result = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time'?: number }] }>(
    `explain (${analyze ? 'analyze, ' : ''}format json) ${template.sql}`,
    bind(template, vars),
  );
  const [root] = result.rows[0]?.['QUERY PLAN'] ?? [];
  if (!root) throw new Error('EXPLAIN returned no plan');
  const relations = new Set<string>();
  const indexes = new Set<string>();
  const nodeTypes: string[] = [];
  walk(root.Plan, (node) => {
    nodeTypes.push(node['Node Type']);
    if (node['Relation Name']) relations.add(node['Relation Name']);
    if (node['Index Name']) indexes.add(node['Index Name']);
  });
  return { relations: [...relations], indexes: [...indexes], nodeTypes, executionMs: root['Execution Time'] ?? null };
}

/** Median time of running a statement `times` times in a row on one connection, ms. */
export async function timeStatement(client: pg.Client, template: SqlTemplate, vars: Vars, times: number): Promise<number> {
  const params = bind(template, vars);
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await client.query(template.sql, params);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? NaN;
}

/** EXPLAIN (ANALYZE, BUFFERS) as text; writes are rolled back. */
export async function explainText(client: pg.Client, sql: string, params: unknown[], write = false): Promise<string> {
  if (write) await client.query('begin');
  try {
    const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, params);
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    if (write) await client.query('rollback');
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, type RecordedQuery } from '../helpers/explain.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// Which statements a models request costs, and that the indexes can serve each of them.
let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
const recorded: RecordedQuery[] = [];

beforeAll(async () => {
  t = await createTestApp({ onQuery: (sql, parameters) => recorded.push({ sql, parameters }) });
  tenant = await t.newTenant();
  for (let i = 0; i < 12; i++) {
    const created = await t.gql(
      'mutation($input: CreateModelInput!) { createModel(input: $input) { model { id } } }',
      {
        input: {
          name: `model ${i} alpha`,
          litellmModel: i % 2 ? 'openai/gpt-4o' : 'local-model',
          credentials: { api_key: 'sk' },
          tags: [`tag-${i % 3}`],
        },
      },
      { token: tenant.token },
    );
    expect(created.body.errors).toBeUndefined();
  }
});
afterAll(() => t.close());

async function statementsOf(query: string, variables: Record<string, unknown> = {}): Promise<RecordedQuery[]> {
  recorded.length = 0;
  const result = await t.gql(query, variables, { token: tenant.token });
  expect(result.body.errors).toBeUndefined();
  return [...recorded];
}

describe('statements per request', () => {
  const isCount = (q: RecordedQuery) => /count\(\*\)|model_counts/i.test(q.sql);

  it('counts only when totalCount is selected', async () => {
    const without = await statementsOf('{ models(first: 5) { nodes { id } } }');
    expect(without.filter(isCount)).toHaveLength(0);
    const withCount = await statementsOf('{ models(first: 5) { totalCount nodes { id } } }');
    expect(withCount.filter(isCount)).toHaveLength(1);
  });

  it('answers an unfiltered totalCount from the per-project counters, a filtered one by counting', async () => {
    const unfiltered = await statementsOf('{ models(first: 1) { totalCount } }');
    expect(unfiltered.filter(isCount).map((q) => q.sql)).toEqual([expect.stringContaining('from "model_counts"')]);
    const filtered = await statementsOf('{ models(first: 1, filter: { tags: ["tag-1"] }) { totalCount } }');
    expect(filtered.filter(isCount).map((q) => q.sql)).toEqual([expect.stringMatching(/count\(\*\).*from "models"/)]);
  });

  it('looks behind the cursor only when hasPreviousPage is selected', async () => {
    const first = await t.gql('{ models(first: 3) { pageInfo { endCursor } } }', {}, { token: tenant.token });
    const after = first.body.data?.models.pageInfo.endCursor;
    const plain = await statementsOf('query($after: String) { models(first: 3, after: $after) { nodes { id } } }', { after });
    expect(plain).toHaveLength(1);
    const asked = await statementsOf(
      'query($after: String) { models(first: 3, after: $after) { pageInfo { hasPreviousPage } } }',
      { after },
    );
    expect(asked).toHaveLength(2);
  });

  it('pages with a keyset condition, never an offset', async () => {
    const first = await t.gql('{ models(first: 3) { pageInfo { endCursor } } }', {}, { token: tenant.token });
    const [page] = await statementsOf('query($after: String) { models(first: 3, after: $after) { nodes { id } } }', {
      after: first.body.data?.models.pageInfo.endCursor,
    });
    expect(page?.sql).not.toMatch(/offset/i);
    expect(page?.sql).toMatch(/\(created_at, id\) < \(/);
  });
});

describe('indexes', () => {
  const orders: Array<[string, string]> = [
    ['NAME', 'models_order_name'],
    ['CREATED_AT', 'models_order_created_at'],
    ['UPDATED_AT', 'models_order_updated_at'],
    ['RESOURCE_URI', 'models_resource_uri_unique'],
    ['PROVIDER', 'models_order_provider'],
    ['STATUS', 'models_order_status'],
  ];
  for (const [field, index] of orders) {
    for (const direction of ['ASC', 'DESC']) {
      it(`can serve ORDER BY ${field} ${direction} from ${index} without sorting`, async () => {
        const [page] = await statementsOf(`{ models(orderBy: [{ field: ${field}, direction: ${direction} }]) { nodes { id } } }`);
        // With sorting switched off the planner must find an index that yields this order itself;
        // with so few rows it would otherwise happily sort a handful of rows from any index.
        const plan = await explain(t.db, page as RecordedQuery, ['seqscan', 'sort']);
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/\bSort\b/);
      });
    }
  }

  // The tenant's own btree wins on tables this small, so these check the filter predicate alone:
  // the exact text the repository sends, planned with sequential and plain index scans switched off.
  it('can serve a search from the trigram indexes on name and description', async () => {
    const [page] = await statementsOf('{ models(filter: { search: "alpha" }) { nodes { id } } }');
    const predicate = /\(name collate "default" ilike \$(\d+) or description ilike \$(\d+)\)/.exec(page?.sql ?? '');
    expect(predicate).not.toBeNull();
    const pattern = page?.parameters[Number(predicate?.[1]) - 1];
    expect(pattern).toBe('%alpha%');
    const plan = await explain(
      t.db,
      {
        sql: 'select id from models where (name collate "default" ilike $1 or description ilike $2)',
        parameters: [pattern, pattern],
      },
      ['seqscan', 'indexscan'],
    );
    expect(plan).toContain('models_name_trgm');
    expect(plan).toContain('models_description_trgm');
  });

  it('can serve a tags filter from the GIN index on tags', async () => {
    const [page] = await statementsOf('{ models(filter: { tags: ["tag-1"] }) { nodes { id } } }');
    const predicate = /tags @> \$(\d+)::text\[\]/.exec(page?.sql ?? '');
    expect(predicate).not.toBeNull();
    const tags = page?.parameters[Number(predicate?.[1]) - 1];
    const plan = await explain(t.db, { sql: 'select id from models where tags @> $1::text[]', parameters: [tags] }, [
      'seqscan',
      'indexscan',
    ]);
    expect(plan).toContain('models_tags');
  });
});

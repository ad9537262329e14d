import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createModels,
  expectEachOnceInOrder,
  expectedIds,
  fetchPage,
  type OrderTerm,
  type RequestAs,
  type Row,
  readRows,
  type Seed,
  seedVariedModels,
  type TestTenant,
  updateRow,
  walkBackward,
  walkForward,
} from '../helpers/list-models.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * Filtering the `models` connection: each filter on its own, several together (AND), paging
 * through filtered results, totalCount, and other tenants' models never matching or counting.
 * Expected results are computed here from the rows as stored.
 */
let t: TestApp;
let tenant: TestTenant;
let as: RequestAs;
let rows: Row[];
/** neighbours whose models look like ours (same names, users, tags) but must never show up */
let neighbours: TestTenant[];

const NAME_ASC: OrderTerm[] = [{ field: 'NAME', direction: 'ASC' }];

/** Names and descriptions built to tell a literal search from a LIKE pattern. */
const LITERAL_SEEDS: Seed[] = [
  { name: 'a%b model', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'aXb model', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'a_b model', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'a\\b model', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'ab model', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'plain', litellmModel: 'x', credentials: { k: 'v' }, description: 'costs 100% more' },
  { name: 'plain too', litellmModel: 'x', credentials: { k: 'v' }, description: 'path C:\\tmp' },
  { name: 'UPPER case NAME', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'Über Modell', litellmModel: 'x', credentials: { k: 'v' } },
  { name: 'ordinary', litellmModel: 'x', credentials: { k: 'v' }, description: 'Für Übersetzungen' },
];

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  as = { token: tenant.token };
  await seedVariedModels(t, tenant, { count: 120, seed: 424242, users: [tenant.userId, 'bob', 'carol'] });
  await createModels(t, tenant, LITERAL_SEEDS);
  rows = await readRows(t, tenant);

  const otherOrg = await t.newTenant();
  const sibling: TestTenant = {
    ...tenant,
    projectId: `${tenant.projectId}-sibling`,
    token: await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: [`${tenant.projectId}-sibling`] }),
  };
  neighbours = [otherOrg, sibling];
  for (const [index, neighbour] of neighbours.entries()) {
    await seedVariedModels(t, neighbour, { count: 40, seed: index + 1, users: [tenant.userId, 'bob', 'carol'] });
    await createModels(t, neighbour, LITERAL_SEEDS);
  }
});
afterAll(() => t?.close());

const lower = (text: string | null) => (text ?? '').toLowerCase();

/** The contract's ModelFilter, evaluated on stored rows. */
interface Filter {
  search?: string;
  status?: string[];
  mode?: string[];
  tags?: string[];
  provider?: string[];
  createdBy?: string;
}

function matches(row: Row, filter: Filter): boolean {
  if (filter.search !== undefined) {
    const needle = lower(filter.search);
    if (!lower(row.name).includes(needle) && !lower(row.description).includes(needle)) return false;
  }
  if (filter.status && !filter.status.includes(row.status)) return false;
  if (filter.mode && !filter.mode.map(lower).includes(lower(row.mode))) return false;
  if (filter.tags && !filter.tags.every((tag) => row.tags.includes(tag))) return false;
  if (filter.provider && (row.provider === null || !filter.provider.includes(row.provider))) return false;
  if (filter.createdBy !== undefined && row.createdBy !== filter.createdBy) return false;
  return true;
}

const matching = (filter: Filter) => rows.filter((row) => matches(row, filter));

/** Lists everything the filter selects (pages of 100) and checks it against the rows, with totalCount. */
async function expectFilterSelects(filter: Filter, order: OrderTerm[] = NAME_ASC): Promise<Row[]> {
  const expected = matching(filter);
  const { ids, pages } = await walkForward(t, as, { first: 100, orderBy: order, filter: { ...filter }, withCount: true });
  expectEachOnceInOrder(ids, expectedIds(expected, order));
  for (const page of pages) expect(page.totalCount).toBe(expected.length);
  return expected;
}

/** A filter that selects some but not all rows, so that it demonstrably filters. */
function expectSelective(selected: Row[]): void {
  expect(selected.length).toBeGreaterThan(0);
  expect(selected.length).toBeLessThan(rows.length);
}

describe('search', () => {
  it.each(['gpt', 'GPT', 'Gpt-4O', 'fast', 'ALPHA', 'model', 'e'])(
    'search %j finds models whose name or description contains it, in any case',
    async (search) => {
      expectSelective(await expectFilterSelects({ search }));
    },
  );

  it('search matches the description as well as the name', async () => {
    const selected = await expectFilterSelects({ search: 'snake' });
    expectSelective(selected);
    expect(selected.every((row) => !lower(row.name).includes('snake'))).toBe(true);
  });

  it('a search for "%" finds only models with a "%" in the name or description', async () => {
    const selected = await expectFilterSelects({ search: '%' });
    expectSelective(selected);
    for (const row of selected) expect(`${row.name} ${row.description}`).toContain('%');
  });

  it('a search for "_" finds only models with a "_" in the name or description', async () => {
    const selected = await expectFilterSelects({ search: '_' });
    expectSelective(selected);
    for (const row of selected) expect(`${row.name} ${row.description}`).toContain('_');
  });

  it('a search for "\\" finds only models with a backslash in the name or description', async () => {
    const selected = await expectFilterSelects({ search: '\\' });
    expectSelective(selected);
    for (const row of selected) expect(`${row.name} ${row.description}`).toContain('\\');
  });

  it.each([
    ['a%b', ['a%b model']],
    ['a_b', ['a_b model']],
    ['a\\b', ['a\\b model']],
    ['a%b model', ['a%b model']],
    ['\\%', []],
    ['%%', []],
  ])('search %j is literal text, not a pattern: it finds exactly %j', async (search, names) => {
    const page = await fetchPage(t, as, { first: 100, filter: { search }, orderBy: NAME_ASC, withCount: true });
    const byId = new Map(rows.map((row) => [row.id, row.name]));
    expect(page.ids.map((id) => byId.get(id))).toEqual(names);
    expect(page.totalCount).toBe(names.length);
  });

  it('search is case-insensitive for non-ASCII letters in a description', async () => {
    const page = await fetchPage(t, as, { first: 100, filter: { search: 'übersetz' }, orderBy: NAME_ASC });
    const byId = new Map(rows.map((row) => [row.id, row.name]));
    expect(page.ids.map((id) => byId.get(id))).toContain('ordinary');
  });

  it('search is case-insensitive for non-ASCII letters in a name, as it is in a description', async () => {
    // "Über Modell" has no description; its name must match "über" the way "Für Übersetzungen" matches "übersetz".
    const page = await fetchPage(t, as, { first: 100, filter: { search: 'über modell' }, orderBy: NAME_ASC });
    const byId = new Map(rows.map((row) => [row.id, row.name]));
    expect(page.ids.map((id) => byId.get(id))).toContain('Über Modell');
  });
});

describe('status, mode, tags, provider, createdBy', () => {
  beforeAll(() => {
    // the seed must exercise every branch below
    expect(rows.some((row) => row.mode === null)).toBe(true);
    expect(rows.some((row) => row.provider === null)).toBe(true);
    expect(new Set(rows.map((row) => row.createdBy)).size).toBe(3);
  });

  it.each([[['ACTIVE']], [['ERROR', 'DISABLED']], [['PENDING', 'ACTIVE', 'ERROR', 'DEPRECATED']]])(
    'status %j lists the models in any of those statuses',
    async (status) => {
      expectSelective(await expectFilterSelects({ status }));
    },
  );

  it('status with every status lists every model', async () => {
    const all = await expectFilterSelects({ status: ['PENDING', 'ACTIVE', 'ERROR', 'DEPRECATED', 'DISABLED'] });
    expect(all).toHaveLength(rows.length);
  });

  it.each([[['CHAT']], [['EMBEDDING', 'IMAGE_GENERATION']], [['COMPLETION', 'AUDIO_TRANSCRIPTION', 'CHAT']]])(
    'mode %j lists the models in any of those modes (never those with no mode)',
    async (mode) => {
      const selected = await expectFilterSelects({ mode });
      expectSelective(selected);
      expect(selected.every((row) => row.mode !== null)).toBe(true);
    },
  );

  it.each([[['prod']], [['prod', 'eu']], [['Fast', 'gpu', 'us']], [['beta']]])(
    'tags %j lists the models that have all of those tags',
    async (tags) => {
      expectSelective(await expectFilterSelects({ tags }));
    },
  );

  it('tags that no model has together give an empty list', async () => {
    const selected = await expectFilterSelects({ tags: ['prod', 'no-such-tag'] });
    expect(selected).toEqual([]);
  });

  it.each([[['openai']], [['anthropic', 'Azure']], [['B', 'a', 'aws-bedrock']]])(
    'provider %j lists the models with any of those providers (never those with none)',
    async (provider) => {
      const selected = await expectFilterSelects({ provider });
      expectSelective(selected);
      expect(selected.every((row) => row.provider !== null)).toBe(true);
    },
  );

  it('createdBy lists exactly the models that user created', async () => {
    for (const user of [tenant.userId, 'bob', 'carol']) {
      expectSelective(await expectFilterSelects({ createdBy: `user:${user}` }));
    }
    // the bare user id is not the "user:<sub>" reference
    expect(await expectFilterSelects({ createdBy: 'bob' })).toEqual([]);
  });
});

describe('filters together', () => {
  it('combine with AND', async () => {
    const anchor = rows.find((row) => row.mode && row.provider && row.tags.length > 0 && row.description) as Row;
    expect(anchor).toBeDefined();
    const filter: Filter = {
      search: anchor.name.slice(0, 3),
      status: [anchor.status, anchor.status === 'ACTIVE' ? 'ERROR' : 'ACTIVE'],
      mode: [(anchor.mode as string).toUpperCase()],
      tags: [anchor.tags[0] as string],
      provider: [anchor.provider as string, 'no-such-provider'],
      createdBy: anchor.createdBy,
    };
    const selected = await expectFilterSelects(filter);
    expect(selected.map((row) => row.id)).toContain(anchor.id);
    // each condition on its own selects more, so every one of them takes part
    for (const key of Object.keys(filter) as Array<keyof Filter>) {
      expect(matching({ [key]: filter[key] }).length, key).toBeGreaterThanOrEqual(selected.length);
    }
    expect(matching({ search: filter.search }).length).toBeGreaterThan(selected.length);
  });

  it.each([
    { status: ['ACTIVE', 'ERROR'], provider: ['openai'] },
    { mode: ['CHAT'], tags: ['prod'] },
    { search: 'a', createdBy: 'user:bob', status: ['PENDING', 'DISABLED'] },
    { search: 'model', tags: ['eu'], mode: ['CHAT', 'COMPLETION', 'EMBEDDING'] },
  ])('%j selects the models meeting every condition', async (filter) => {
    await expectFilterSelects(filter, [{ field: 'CREATED_AT', direction: 'DESC' }]);
  });

  it('paging forward and backward 3 at a time through a filtered list sees each match once, in order', async () => {
    const filter = { status: ['ACTIVE', 'ERROR'], search: 'a' };
    const order: OrderTerm[] = [
      { field: 'PROVIDER', direction: 'ASC' },
      { field: 'UPDATED_AT', direction: 'DESC' },
    ];
    const expected = expectedIds(matching(filter), order);
    expect(expected.length).toBeGreaterThan(10);
    expectEachOnceInOrder((await walkForward(t, as, { first: 3, orderBy: order, filter })).ids, expected);
    expectEachOnceInOrder((await walkBackward(t, as, { last: 3, orderBy: order, filter })).ids, expected);
  });

  it('a filtered page flags a next page only if another match follows, not merely another model', async () => {
    const filter = { status: ['DEPRECATED'] };
    const expected = expectedIds(matching(filter), NAME_ASC);
    const page = await fetchPage(t, as, { first: expected.length, filter, orderBy: NAME_ASC });
    expect(page.ids).toEqual(expected);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const tail = await fetchPage(t, as, { last: 2, filter, orderBy: NAME_ASC });
    expect(tail.ids).toEqual(expected.slice(-2));
    expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});

describe('totalCount', () => {
  it('counts every model of the project without a filter, whatever the page', async () => {
    const order = NAME_ASC;
    const { pages } = await walkForward(t, as, { first: 50, orderBy: order });
    const cursors = pages.flatMap((page) => page.cursors);
    for (const args of [
      {},
      { first: 1 },
      { first: 100 },
      { last: 7 },
      { first: 5, after: cursors[40] },
      { last: 5, before: cursors[40] },
      { first: 5, after: cursors[10], before: cursors[20] },
      { first: 5, after: cursors[cursors.length - 1] },
    ]) {
      const page = await fetchPage(t, as, { ...args, orderBy: order, withCount: true });
      expect(page.totalCount, JSON.stringify(args)).toBe(rows.length);
    }
  });

  it('counts the matches of the filter, whatever the page', async () => {
    const filter = { provider: ['openai', 'anthropic'] };
    const count = matching(filter).length;
    expectSelective(matching(filter));
    const first = await fetchPage(t, as, { first: 2, filter, withCount: true });
    const second = await fetchPage(t, as, { first: 2, after: first.pageInfo.endCursor as string, filter, withCount: true });
    expect([first.totalCount, second.totalCount]).toEqual([count, count]);
  });

  it('reflects models added and changed since the last request', async () => {
    const own = await t.newTenant();
    const [first] = await createModels(t, own, [{ name: 'one', litellmModel: 'x', credentials: { k: 'v' } }]);
    const count = async (filter?: Filter) =>
      (await fetchPage(t, { token: own.token }, { first: 1, ...(filter ? { filter } : {}), withCount: true })).totalCount;
    expect(await count()).toBe(1);
    expect(await count({ status: ['ACTIVE'] })).toBe(0);
    await updateRow(t, first as string, { status: 'ACTIVE' });
    expect(await count({ status: ['ACTIVE'] })).toBe(1);
    await createModels(t, own, [{ name: 'two', litellmModel: 'x', credentials: { k: 'v' } }]);
    expect(await count()).toBe(2);
  });
});

describe('other tenants', () => {
  it("never list or count another organization's or another project's models, under any filter", async () => {
    const ownIds = new Set(rows.map((row) => row.id));
    const foreignIds = new Set((await Promise.all(neighbours.map((neighbour) => readRows(t, neighbour)))).flat().map((row) => row.id));
    expect(foreignIds.size).toBe(2 * (40 + LITERAL_SEEDS.length));

    for (const filter of [undefined, { search: 'a%b' }, { createdBy: `user:${tenant.userId}` }, { tags: ['prod'] }, { provider: ['openai'] }]) {
      const { ids, pages } = await walkForward(t, as, { first: 100, ...(filter ? { filter } : {}), withCount: true });
      expect(ids.filter((id) => foreignIds.has(id))).toEqual([]);
      expect(ids.every((id) => ownIds.has(id))).toBe(true);
      expect(pages[0]?.totalCount).toBe(filter ? matching(filter as Filter).length : rows.length);
    }
  });

  it('the neighbours see only their own models', async () => {
    for (const neighbour of neighbours) {
      const theirs = await readRows(t, neighbour);
      const { ids, pages } = await walkForward(t, { token: neighbour.token }, { first: 100, withCount: true });
      expect(new Set(ids)).toEqual(new Set(theirs.map((row) => row.id)));
      expect(pages[0]?.totalCount).toBe(theirs.length);
    }
  });

  it('a token for every project of the organization sees only the project it selects', async () => {
    const star = await t.token({ sub: 'admin', org: tenant.organizationId, projects: ['*'] });
    const [, sibling] = neighbours as [TestTenant, TestTenant];
    const siblingRows = await readRows(t, sibling);
    const mine = await fetchPage(t, { token: star, project: tenant.projectId }, { first: 1, withCount: true });
    const theirs = await fetchPage(t, { token: star, project: sibling.projectId }, { first: 1, withCount: true });
    expect([mine.totalCount, theirs.totalCount]).toEqual([rows.length, siblingRows.length]);
    const unknown = await fetchPage(t, { token: star, project: `${tenant.projectId}-nothing-here` }, { first: 1, withCount: true });
    expect(unknown.totalCount).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareRows,
  createModels,
  expectEachOnceInOrder,
  expectedIds,
  fetchPage,
  ORDER_FIELDS,
  type OrderTerm,
  type RequestAs,
  type Row,
  readRows,
  seedVariedModels,
  type TestTenant,
  tiesOn,
  walkBackward,
  walkForward,
} from '../helpers/list-models.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * Paging through the `models` connection: 250 models in one project, every order field in both
 * directions, forward and backward, with the Relay pageInfo rules checked on every page.
 */
const MODEL_COUNT = 250;

let t: TestApp;
let tenant: TestTenant;
let as: RequestAs;
let rows: Row[];
const queries: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ onQuery: (sql) => void queries.push(sql) });
  tenant = await t.newTenant();
  as = { token: tenant.token };
  rows = await seedVariedModels(t, tenant, { count: MODEL_COUNT, seed: 20250301, users: [tenant.userId, 'bob', 'carol'] });

  // Neighbours whose rows would interleave with ours in every order: another organization, and
  // another project of the same organization. None of them may ever appear in our pages.
  const otherOrg = await t.newTenant();
  await seedVariedModels(t, otherOrg, { count: 30, seed: 7 });
  const sibling = { ...tenant, projectId: `${tenant.projectId}-sibling` };
  await seedVariedModels(t, sibling, { count: 30, seed: 8 });
});
afterAll(() => t?.close());

const single = (field: OrderTerm['field'], direction: OrderTerm['direction']): OrderTerm[] => [{ field, direction }];
const SINGLE_ORDERS = ORDER_FIELDS.flatMap((field) => [single(field, 'ASC'), single(field, 'DESC')]);
const describeOrder = (order: readonly OrderTerm[]) => order.map((term) => `${term.field} ${term.direction}`).join(', ');

describe('the seeded data', () => {
  it('has 250 models with ties on every order field except RESOURCE_URI, and some with no provider', () => {
    expect(rows).toHaveLength(MODEL_COUNT);
    for (const field of ['NAME', 'CREATED_AT', 'UPDATED_AT', 'PROVIDER', 'STATUS'] as const) {
      expect(tiesOn(rows, field), field).toBeGreaterThan(20);
    }
    expect(tiesOn(rows, 'RESOURCE_URI')).toBe(0);
    expect(rows.filter((row) => row.provider === null).length).toBeGreaterThan(10);
    expect(new Set(rows.map((row) => row.status)).size).toBe(5);
    // names that differ only in case, so byte order (not a locale's) decides
    expect(rows.some((row) => row.name === 'zephyr') && rows.some((row) => row.name === 'Zephyr')).toBe(true);
  });
});

describe.each(SINGLE_ORDERS.map((order) => [describeOrder(order), order] as const))('ordered by %s', (_name, order) => {
  it('pages forward 7 at a time and sees each of the 250 models exactly once, in order', async () => {
    const { ids, pages } = await walkForward(t, as, { first: 7, orderBy: order });
    expectEachOnceInOrder(ids, expectedIds(rows, order));
    expect(pages).toHaveLength(Math.ceil(MODEL_COUNT / 7));
  });

  it('pages backward 7 at a time and sees each of the 250 models exactly once, in order', async () => {
    const { ids, pages } = await walkBackward(t, as, { last: 7, orderBy: order });
    expectEachOnceInOrder(ids, expectedIds(rows, order));
    expect(pages).toHaveLength(Math.ceil(MODEL_COUNT / 7));
  });

  it('pages forward and backward 100 at a time (100, 100, 50) with the same result', async () => {
    const expected = expectedIds(rows, order);
    const forward = await walkForward(t, as, { first: 100, orderBy: order });
    expectEachOnceInOrder(forward.ids, expected);
    expect(forward.pages.map((page) => page.ids.length)).toEqual([100, 100, 50]);
    const backward = await walkBackward(t, as, { last: 100, orderBy: order });
    expectEachOnceInOrder(backward.ids, expected);
    expect(backward.pages.map((page) => page.ids.length)).toEqual([100, 100, 50]);
  });
});

describe('orders on several fields', () => {
  const MULTI_ORDERS: OrderTerm[][] = [
    [
      { field: 'STATUS', direction: 'ASC' },
      { field: 'NAME', direction: 'DESC' },
    ],
    [
      { field: 'STATUS', direction: 'DESC' },
      { field: 'NAME', direction: 'ASC' },
    ],
    [
      { field: 'PROVIDER', direction: 'DESC' },
      { field: 'CREATED_AT', direction: 'ASC' },
    ],
    [
      { field: 'NAME', direction: 'ASC' },
      { field: 'STATUS', direction: 'ASC' },
      { field: 'UPDATED_AT', direction: 'DESC' },
    ],
    // the resource URI is unique, so after it nothing else (not even the id) decides
    [
      { field: 'NAME', direction: 'DESC' },
      { field: 'RESOURCE_URI', direction: 'ASC' },
    ],
    [
      { field: 'RESOURCE_URI', direction: 'DESC' },
      { field: 'NAME', direction: 'ASC' },
    ],
  ];

  it.each(MULTI_ORDERS.map((order) => [describeOrder(order), order] as const))(
    'pages forward and backward through 250 models ordered by %s and sees each exactly once, in order',
    async (_name, order) => {
      const expected = expectedIds(rows, order);
      expectEachOnceInOrder((await walkForward(t, as, { first: 9, orderBy: order })).ids, expected);
      expectEachOnceInOrder((await walkBackward(t, as, { last: 9, orderBy: order })).ids, expected);
    },
  );

  it('breaks ties on the id in the direction of the last order term', async () => {
    // STATUS ASC, NAME DESC: rows equal on both come in descending id order
    const order: OrderTerm[] = [
      { field: 'STATUS', direction: 'ASC' },
      { field: 'NAME', direction: 'DESC' },
    ];
    const { ids } = await walkForward(t, as, { first: 100, orderBy: order });
    const byId = new Map(rows.map((row) => [row.id, row]));
    let tiedPairs = 0;
    for (let index = 1; index < ids.length; index++) {
      const previous = byId.get(ids[index - 1] as string) as Row;
      const current = byId.get(ids[index] as string) as Row;
      if (previous.status === current.status && previous.name === current.name) {
        tiedPairs++;
        expect(previous.id > current.id, `${previous.id} before ${current.id}`).toBe(true);
      }
    }
    expect(tiedPairs).toBeGreaterThan(0);
  });
});

describe('what a page holds', () => {
  it('each listed model carries its stored values: no provider is null, timestamps keep their milliseconds', async () => {
    const response = await t.gql(
      `query($after: String) { models(first: 100, after: $after, orderBy: [{ field: RESOURCE_URI }]) {
        nodes { id name resourceUri provider status createdAt updatedAt createdBy tags }
        pageInfo { hasNextPage endCursor } } }`,
      {},
      as,
    );
    const nodes = response.body.data?.models.nodes as Array<Record<string, any>>;
    expect(nodes).toHaveLength(100);
    const byUri = new Map(rows.map((row) => [row.resourceUri, row]));
    for (const node of nodes) {
      const row = byUri.get(node.resourceUri) as Row;
      expect(node).toEqual({
        id: expect.any(String),
        name: row.name,
        resourceUri: row.resourceUri,
        provider: row.provider,
        status: row.status,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        createdBy: row.createdBy,
        tags: row.tags,
      });
    }
    expect(nodes.some((node) => node.provider === null)).toBe(true);
    expect(nodes.some((node) => /\.999Z$/.test(node.createdAt))).toBe(true);
  });
});

describe('defaults', () => {
  const CREATED_AT_DESC: OrderTerm[] = [{ field: 'CREATED_AT', direction: 'DESC' }];

  it('without orderBy lists newest first (CREATED_AT DESC, then id DESC), 20 to a page', async () => {
    const expected = expectedIds(rows, CREATED_AT_DESC);
    const firstPage = await fetchPage(t, as, {});
    expect(firstPage.ids).toEqual(expected.slice(0, 20));
    expect(firstPage.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const { ids, pages } = await walkForward(t, as, { first: 20 });
    expectEachOnceInOrder(ids, expected);
    expect(pages).toHaveLength(Math.ceil(MODEL_COUNT / 20));
  });

  it('an empty orderBy list means the default order', async () => {
    const page = await fetchPage(t, as, { first: 30, orderBy: [] });
    expect(page.ids).toEqual(expectedIds(rows, CREATED_AT_DESC).slice(0, 30));
  });

  it('a cursor from the default order works with an explicit CREATED_AT DESC, and the other way round', async () => {
    const expected = expectedIds(rows, CREATED_AT_DESC);
    const implicit = await fetchPage(t, as, { first: 5 });
    const explicit = await fetchPage(t, as, { first: 5, after: implicit.pageInfo.endCursor as string, orderBy: CREATED_AT_DESC });
    expect(explicit.ids).toEqual(expected.slice(5, 10));
    const back = await fetchPage(t, as, { first: 5, after: explicit.pageInfo.endCursor as string });
    expect(back.ids).toEqual(expected.slice(10, 15));
  });

  it('an order term without a direction sorts ascending', async () => {
    const page = await fetchPage(t, as, { first: 40, orderBy: [{ field: 'NAME' }] });
    expect(page.ids).toEqual(expectedIds(rows, [{ field: 'NAME', direction: 'ASC' }]).slice(0, 40));
  });

  it('without first or last, a page after a cursor also holds 20', async () => {
    const expected = expectedIds(rows, CREATED_AT_DESC);
    const first = await fetchPage(t, as, {});
    const second = await fetchPage(t, as, { after: first.pageInfo.endCursor as string });
    expect(second.ids).toEqual(expected.slice(20, 40));
    const previous = await fetchPage(t, as, { before: second.pageInfo.startCursor as string });
    expect(previous.ids).toEqual(expected.slice(0, 20));
  });
});

describe('pageInfo (Relay cursor connections)', () => {
  const order: OrderTerm[] = [{ field: 'NAME', direction: 'ASC' }];
  let expected: string[];
  let cursors: string[];

  beforeAll(async () => {
    expected = expectedIds(rows, order);
    const { pages } = await walkForward(t, as, { first: 100, orderBy: order });
    cursors = pages.flatMap((page) => page.cursors);
    expect(cursors).toHaveLength(MODEL_COUNT);
  });

  const cursorAt = (index: number) => cursors[index] as string;

  it('going forward: first page has a next page and no previous; middle pages have both; the last has no next', async () => {
    const firstPage = await fetchPage(t, as, { first: 10, orderBy: order });
    expect(firstPage.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const middle = await fetchPage(t, as, { first: 10, after: cursorAt(99), orderBy: order });
    expect(middle.ids).toEqual(expected.slice(100, 110));
    expect(middle.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const lastPage = await fetchPage(t, as, { first: 10, after: cursorAt(239), orderBy: order });
    expect(lastPage.ids).toEqual(expected.slice(240));
    expect(lastPage.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('going backward: last page has a previous page and no next; middle pages have both; the first has no previous', async () => {
    const lastPage = await fetchPage(t, as, { last: 10, orderBy: order });
    expect(lastPage.ids).toEqual(expected.slice(240));
    expect(lastPage.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const middle = await fetchPage(t, as, { last: 10, before: cursorAt(150), orderBy: order });
    expect(middle.ids).toEqual(expected.slice(140, 150));
    expect(middle.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const firstPage = await fetchPage(t, as, { last: 10, before: cursorAt(10), orderBy: order });
    expect(firstPage.ids).toEqual(expected.slice(0, 10));
    expect(firstPage.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('a page that ends exactly at the end of the list says there is no next page (no empty page needed)', async () => {
    const { pages } = await walkForward(t, as, { first: 25, orderBy: order });
    expect(pages.map((page) => page.ids.length)).toEqual(Array(10).fill(25));
    const whole = await fetchPage(t, as, { first: 50, after: cursorAt(199), orderBy: order });
    expect(whole.ids).toHaveLength(50);
    expect(whole.pageInfo.hasNextPage).toBe(false);
  });

  it('after the last cursor the page is empty, with null cursors and no next page', async () => {
    const page = await fetchPage(t, as, { first: 10, after: cursorAt(MODEL_COUNT - 1), orderBy: order });
    expect(page.ids).toEqual([]);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
    const before = await fetchPage(t, as, { last: 10, before: cursorAt(0), orderBy: order });
    expect(before.ids).toEqual([]);
    expect(before.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  it('an empty project gives no edges, null cursors, both flags false and a totalCount of 0', async () => {
    const empty = await t.newTenant();
    for (const args of [{}, { first: 5 }, { last: 5 }, { first: 5, orderBy: order }]) {
      const page = await fetchPage(t, { token: empty.token }, { ...args, withCount: true });
      expect(page).toEqual({
        ids: [],
        cursors: [],
        totalCount: 0,
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    }
  });

  it('a filter that matches nothing gives no edges, null cursors and both flags false', async () => {
    const page = await fetchPage(t, as, { first: 5, filter: { search: 'no model is called this' }, withCount: true });
    expect(page).toEqual({
      ids: [],
      cursors: [],
      totalCount: 0,
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('every edge cursor resumes the listing right after its own model', async () => {
    for (const index of [0, 1, 6, 57, 123, 200, 248]) {
      const page = await fetchPage(t, as, { first: 3, after: cursorAt(index), orderBy: order });
      expect(page.ids).toEqual(expected.slice(index + 1, index + 4));
      expect(page.cursors).toEqual(cursors.slice(index + 1, index + 4));
    }
  });

  describe('after and before together', () => {
    it('give exactly the models strictly between the two cursors', async () => {
      for (const [from, to] of [
        [10, 20],
        [0, 101],
        [99, 101],
        [150, 240],
      ] as const) {
        const page = await fetchPage(t, as, { first: 100, after: cursorAt(from), before: cursorAt(to), orderBy: order });
        expect(page.ids).toEqual(expected.slice(from + 1, to));
        expect(page.pageInfo.hasNextPage).toBe(false);
        const fromEnd = await fetchPage(t, as, { last: 100, after: cursorAt(from), before: cursorAt(to), orderBy: order });
        expect(fromEnd.ids).toEqual(expected.slice(from + 1, to));
        expect(fromEnd.pageInfo.hasPreviousPage).toBe(false);
      }
    });

    it('a window wider than the page is cut to the page size, and says there is more of it', async () => {
      const page = await fetchPage(t, as, { first: 100, after: cursorAt(0), before: cursorAt(249), orderBy: order });
      expect(page.ids).toEqual(expected.slice(1, 101));
      expect(page.pageInfo.hasNextPage).toBe(true);
      const fromEnd = await fetchPage(t, as, { last: 100, after: cursorAt(0), before: cursorAt(249), orderBy: order });
      expect(fromEnd.ids).toEqual(expected.slice(149, 249));
      expect(fromEnd.pageInfo.hasPreviousPage).toBe(true);
    });

    it('with first, take from the start of the window and say there is more of it', async () => {
      const page = await fetchPage(t, as, { first: 4, after: cursorAt(10), before: cursorAt(30), orderBy: order });
      expect(page.ids).toEqual(expected.slice(11, 15));
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it('with last, take from the end of the window and say there is more of it', async () => {
      const page = await fetchPage(t, as, { last: 4, after: cursorAt(10), before: cursorAt(30), orderBy: order });
      expect(page.ids).toEqual(expected.slice(26, 30));
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it('a window with nothing in it, or an inverted one, is empty', async () => {
      for (const [from, to] of [
        [10, 11],
        [10, 10],
        [30, 10],
      ] as const) {
        const page = await fetchPage(t, as, { first: 10, after: cursorAt(from), before: cursorAt(to), orderBy: order });
        expect(page.ids).toEqual([]);
        expect(page.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
      }
    });

    it('first with only before reads from the start of the list; last with only after reads up to the end', async () => {
      const head = await fetchPage(t, as, { first: 3, before: cursorAt(50), orderBy: order });
      expect(head.ids).toEqual(expected.slice(0, 3));
      expect(head.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const tail = await fetchPage(t, as, { last: 3, after: cursorAt(50), orderBy: order });
      expect(tail.ids).toEqual(expected.slice(247));
      expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });
  });
});

describe('keyset cursors', () => {
  it('keep their place when the model they point at is deleted, and when models are added before it', async () => {
    const own = await t.newTenant();
    const ownAs = { token: own.token };
    await createModels(
      t,
      own,
      Array.from({ length: 12 }, (_, index) => ({
        name: `m${String(index).padStart(2, '0')}`,
        litellmModel: 'openai/gpt-4o',
        credentials: { api_key: 'k' },
      })),
    );
    const order: OrderTerm[] = [{ field: 'NAME', direction: 'ASC' }];
    const page = await fetchPage(t, ownAs, { first: 4, orderBy: order });
    const [, , , fourth] = page.ids;
    await t.db.deleteFrom('models').where('id', '=', fourth as string).execute();
    await createModels(t, own, [{ name: 'a-new-first-model', litellmModel: 'x', credentials: { k: 'v' } }]);

    const next = await fetchPage(t, ownAs, { first: 4, after: page.pageInfo.endCursor as string, orderBy: order });
    const remaining = await readRows(t, own);
    const names = new Map(remaining.map((row) => [row.id, row.name]));
    expect(next.ids.map((id) => names.get(id))).toEqual(['m04', 'm05', 'm06', 'm07']);
  });

  it('a deep page costs one keyset query like the first page: no OFFSET, and no count unless totalCount is selected', async () => {
    const order: OrderTerm[] = [{ field: 'UPDATED_AT', direction: 'DESC' }];
    const { pages } = await walkForward(t, as, { first: 100, orderBy: order });
    const deepCursor = pages[1]?.cursors[99] as string;

    queries.length = 0;
    await t.gql(
      `query($after: String, $orderBy: [ModelOrder!]) { models(first: 20, after: $after, orderBy: $orderBy) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`,
      { after: deepCursor, orderBy: order },
      as,
    );
    const modelQueries = queries.filter((sql) => /from "?models"?/i.test(sql));
    expect(modelQueries).toHaveLength(1);
    expect(modelQueries[0]).not.toMatch(/offset/i);
    expect(modelQueries[0]).not.toMatch(/count\(/i);
    expect(modelQueries[0]).toMatch(/limit/i);

    queries.length = 0;
    const counted = await t.gql(`{ models(first: 1) { totalCount } }`, {}, as);
    expect(counted.body.data?.models.totalCount).toBe(MODEL_COUNT);
    // an unfiltered count reads the per-project counters (migrations/0002), not the rows
    expect(queries.filter((sql) => /count\(|model_counts/i.test(sql))).toHaveLength(1);
  });

  it('a selection of totalCount alone reads no page of rows, compiled or not; anything else does', async () => {
    const modelQueries = () => queries.filter((sql) => /from "?models"?/i.test(sql));
    // each document twice: the second runs compiled (server/use-compiled-queries.ts)
    for (let run = 0; run < 2; run++) {
      queries.length = 0;
      const counted = await t.gql(`{ models(first: 5) { __typename totalCount } }`, {}, as);
      expect(counted.body.data?.models).toEqual({ __typename: 'ModelConnection', totalCount: MODEL_COUNT });
      expect(modelQueries()).toHaveLength(0);

      queries.length = 0;
      const filtered = await t.gql(`{ models(filter: { createdBy: "nobody" }) { ... on ModelConnection { totalCount } } }`, {}, as);
      expect(filtered.body.data?.models.totalCount).toBe(0);
      expect(modelQueries()).toHaveLength(1);
      expect(modelQueries()[0]).toMatch(/count\(/i);

      // edges asked for through a fragment still get their page
      queries.length = 0;
      const viaFragment = await t.gql(
        `{ models(first: 2) { totalCount ...Edges } } fragment Edges on ModelConnection { edges { node { name } } }`,
        {},
        as,
      );
      expect(viaFragment.body.data?.models.edges).toHaveLength(2);
      expect(modelQueries().some((sql) => /limit/i.test(sql))).toBe(true);

      // the cursor is still checked when no page is read
      const badCursor = await t.gql(`{ models(after: "not-a-cursor") { totalCount } }`, {}, as);
      expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('the expected order these tests compute is total: no two models compare equal under any order', () => {
    // a check of the test's own reference order, which every paging test above relies on
    for (const order of SINGLE_ORDERS) {
      const sorted = [...rows].sort((a, b) => compareRows(a, b, order));
      for (let index = 1; index < sorted.length; index++) {
        expect(compareRows(sorted[index - 1] as Row, sorted[index] as Row, order)).toBeLessThan(0);
      }
    }
  });
});

import { expect } from 'vitest';
import type { Tenant } from '../../src/auth/principal.ts';
import { type CreateModelRequest, createModelInputSchema } from '../../src/models/model.input.ts';
import type { GraphQLResponse, TestApp } from './test-app.ts';

/**
 * Helpers for the `models` connection tests: seeding many models quickly, reading them back raw,
 * computing the order a listing must come in (independently of the app), walking every page of a
 * listing forward or backward, and checking error responses.
 */

export type OrderField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'RESOURCE_URI' | 'PROVIDER' | 'STATUS';
export type OrderDirection = 'ASC' | 'DESC';
export interface OrderTerm {
  field: OrderField;
  direction: OrderDirection;
}

export const ORDER_FIELDS: readonly OrderField[] = ['NAME', 'CREATED_AT', 'UPDATED_AT', 'RESOURCE_URI', 'PROVIDER', 'STATUS'];
export const STATUSES = ['PENDING', 'ACTIVE', 'ERROR', 'DEPRECATED', 'DISABLED'] as const;

export type TestTenant = Tenant & { token: string; userId: string };

/** A model as stored, read straight from the table. */
export interface Row {
  id: string;
  resourceUri: string;
  name: string;
  provider: string | null;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  description: string | null;
  tags: string[];
  /** as stored: lower case ("chat") */
  mode: string | null;
  createdBy: string;
}

/** A deterministic pseudo-random generator (mulberry32), so a failing seed can be replayed. */
export function randomGenerator(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  return { next, int, pick: (items) => items[int(items.length)] as (typeof items)[number] };
}

export type Seed = CreateModelRequest & { userId?: string };

/**
 * Creates models through the service (the same code path as the createModel mutation, after input
 * validation), `batch` at a time in parallel. Returns the created models' ids in seed order.
 */
export async function createModels(t: TestApp, tenant: TestTenant, seeds: readonly Seed[], batch = 25): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < seeds.length; start += batch) {
    const created = await Promise.all(
      seeds.slice(start, start + batch).map(({ userId, ...request }) =>
        t.app.models.createModel(tenant, { userId: userId ?? tenant.userId }, createModelInputSchema.parse(request)),
      ),
    );
    ids.push(...created.map((model) => model.id));
  }
  return ids;
}

/** Sets columns the API cannot set (status, timestamps) directly in the table. */
export async function updateRow(
  t: TestApp,
  id: string,
  values: { status?: string; created_at?: Date; updated_at?: Date },
): Promise<void> {
  await t.db.updateTable('models').set(values).where('id', '=', id).execute();
}

export async function readRows(t: TestApp, tenant: Tenant): Promise<Row[]> {
  const rows = await t.db
    .selectFrom('models')
    .select(['id', 'resource_uri', 'name', 'provider', 'status', 'created_at', 'updated_at', 'description', 'tags', 'mode', 'created_by'])
    .where('organization_id', '=', tenant.organizationId)
    .where('project_id', '=', tenant.projectId)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    resourceUri: row.resource_uri,
    name: row.name,
    provider: row.provider,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    description: row.description,
    tags: row.tags,
    mode: row.mode,
    createdBy: row.created_by,
  }));
}

/** Byte order, which is what the "C" collation of the sorted text columns gives. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortValue(row: Row, field: OrderField): string | number {
  switch (field) {
    case 'NAME':
      return row.name;
    case 'CREATED_AT':
      return row.createdAt.getTime();
    case 'UPDATED_AT':
      return row.updatedAt.getTime();
    case 'RESOURCE_URI':
      return row.resourceUri;
    case 'PROVIDER':
      return row.provider ?? '';
    case 'STATUS':
      return row.status;
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareBytes(String(a), String(b));
}

/** The order the contract defines: the terms in turn, then the id in the direction of the last term. */
export function compareRows(a: Row, b: Row, order: readonly OrderTerm[]): number {
  for (const term of order) {
    const difference = compareValues(sortValue(a, term.field), sortValue(b, term.field));
    if (difference !== 0) return term.direction === 'ASC' ? difference : -difference;
  }
  const last = order[order.length - 1];
  const byId = compareBytes(a.id, b.id);
  return last?.direction === 'DESC' ? -byId : byId;
}

/** The ids of `rows` in the order a listing under `order` must return them. */
export function expectedIds(rows: readonly Row[], order: readonly OrderTerm[]): string[] {
  return [...rows].sort((a, b) => compareRows(a, b, order)).map((row) => row.id);
}

/** How many rows share their sort value with another row, for each field: proof the seed has ties. */
export function tiesOn(rows: readonly Row[], field: OrderField): number {
  const counts = new Map<string | number, number>();
  for (const row of rows) counts.set(sortValue(row, field), (counts.get(sortValue(row, field)) ?? 0) + 1);
  return [...counts.values()].filter((count) => count > 1).reduce((sum, count) => sum + count, 0);
}

/** Model ids in the API are Relay global ids: base64url("Model:<uuid>"). */
export function rawId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  expect(decoded.startsWith('Model:')).toBe(true);
  return decoded.slice('Model:'.length);
}

export const PAGE_QUERY = /* GraphQL */ `
  query Page(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: ModelFilter
    $orderBy: [ModelOrder!]
    $withCount: Boolean = false
  ) {
    models(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount @include(if: $withCount)
      edges {
        cursor
        node {
          id
        }
      }
      nodes {
        id
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

export interface PageArgs {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
  filter?: object;
  orderBy?: OrderTerm[] | Array<{ field: OrderField; direction?: OrderDirection }>;
  withCount?: boolean;
}

export interface Page {
  /** raw uuids of the edges' nodes, in page order */
  ids: string[];
  cursors: string[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

export type RequestAs = { token: string; project?: string };

/**
 * One page of `models`, checked for what must hold on every page: no errors, `nodes` equal to the
 * edges' nodes, and start/end cursors equal to the first/last edge's cursor (null when empty).
 */
export async function fetchPage(t: TestApp, as: RequestAs, args: PageArgs): Promise<Page> {
  const response = await t.gql(PAGE_QUERY, { ...args }, as);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const connection = response.body.data?.models;
  const edges = connection.edges as Array<{ cursor: string; node: { id: string } }>;
  const nodes = connection.nodes as Array<{ id: string }>;
  expect(nodes).toEqual(edges.map((edge) => edge.node));
  const pageInfo = connection.pageInfo as Page['pageInfo'];
  expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
  expect(pageInfo.endCursor).toBe(edges[edges.length - 1]?.cursor ?? null);
  const page: Page = { ids: edges.map((edge) => rawId(edge.node.id)), cursors: edges.map((edge) => edge.cursor), pageInfo };
  if (args.withCount) page.totalCount = connection.totalCount as number;
  return page;
}

const MAX_PAGES = 1000;

/**
 * Follows endCursor with `first` until hasNextPage is false. Checks the Relay page flags on the
 * way: no previous page at the start, one on every later page; a next page on all but the last;
 * every page full except the last.
 */
export async function walkForward(
  t: TestApp,
  as: RequestAs,
  args: Omit<PageArgs, 'first' | 'after' | 'last' | 'before'> & { first: number },
): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | undefined;
  for (let index = 0; index < MAX_PAGES; index++) {
    const page = await fetchPage(t, as, { ...args, ...(after ? { after } : {}) });
    pages.push(page);
    expect(page.pageInfo.hasPreviousPage, `hasPreviousPage on forward page ${index}`).toBe(index > 0);
    if (!page.pageInfo.hasNextPage) break;
    expect(page.ids, `forward page ${index} is full`).toHaveLength(args.first);
    after = page.pageInfo.endCursor ?? undefined;
    expect(after).toBeTruthy();
  }
  const last = pages[pages.length - 1];
  expect(last?.pageInfo.hasNextPage).toBe(false);
  if (pages.length > 1) expect(last?.ids.length).toBeGreaterThan(0);
  return { ids: pages.flatMap((page) => page.ids), pages };
}

/** Follows startCursor with `last` until hasPreviousPage is false; returns the ids in list order. */
export async function walkBackward(
  t: TestApp,
  as: RequestAs,
  args: Omit<PageArgs, 'first' | 'after' | 'last' | 'before'> & { last: number },
): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let before: string | undefined;
  for (let index = 0; index < MAX_PAGES; index++) {
    const page = await fetchPage(t, as, { ...args, ...(before ? { before } : {}) });
    pages.push(page);
    expect(page.pageInfo.hasNextPage, `hasNextPage on backward page ${index}`).toBe(index > 0);
    if (!page.pageInfo.hasPreviousPage) break;
    expect(page.ids, `backward page ${index} is full`).toHaveLength(args.last);
    before = page.pageInfo.startCursor ?? undefined;
    expect(before).toBeTruthy();
  }
  const first = pages[pages.length - 1];
  expect(first?.pageInfo.hasPreviousPage).toBe(false);
  if (pages.length > 1) expect(first?.ids.length).toBeGreaterThan(0);
  return { ids: [...pages].reverse().flatMap((page) => page.ids), pages };
}

/** Every id once: compares as lists, so both a duplicate and a gap show up in the diff. */
export function expectEachOnceInOrder(actual: readonly string[], expected: readonly string[]): void {
  expect(new Set(actual).size, 'no model appears twice').toBe(actual.length);
  expect(actual).toEqual(expected);
}

/** An error response never carries a stack trace, a file path or SQL. */
export function expectNothingLeaked(response: GraphQLResponse): void {
  const text = JSON.stringify(response.body);
  for (const fragment of ['at /', 'node_modules', '"stack"', '.ts:']) expect(text).not.toContain(fragment);
  for (const fragment of ['select ', ' from models', 'organization_id']) expect(text.toLowerCase()).not.toContain(fragment);
}

/** The request failed as a whole with BAD_USER_INPUT (at `path`, when given) and returned no data. */
export function expectBadUserInput(response: GraphQLResponse, path?: Array<string | number>): void {
  const errors = response.body.errors ?? [];
  expect(errors.length, JSON.stringify(response.body)).toBeGreaterThan(0);
  for (const error of errors) expect(typeof error.extensions?.code).toBe('string');
  expect(errors[0]?.extensions?.code, JSON.stringify(response.body)).toBe('BAD_USER_INPUT');
  if (path) {
    expect(errors[0]?.extensions?.issues, JSON.stringify(response.body)).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]),
    );
  }
  expect(response.body.data ?? null).toBeNull();
  expectNothingLeaked(response);
}

/** Names with exact duplicates, case variants (ties on NAME) and bytes that sort unlike a locale would. */
const NAMES = [
  'GPT-4o',
  'gpt-4o',
  'GPT-4O',
  'Claude 3.5 Sonnet',
  'claude 3.5 sonnet',
  'Llama 3 70B',
  'llama-3-8b',
  'Mistral Large',
  'Zephyr',
  'zephyr',
  'Émile',
  'émile',
  'Über Modell',
  '日本語モデル',
  '_private',
  '-dash',
  '100% model',
  'model_v2',
  'back\\slash',
  'a',
  'A',
  'B',
  'b',
  '0-zero',
  '~tilde',
  'alpha beta',
  'alpha-beta',
  'Alphabet',
];

/** [litellmModel, explicit provider]: several with no provider at all (no "/" and none given). */
const ROUTES: ReadonlyArray<readonly [string, string | undefined]> = [
  ['openai/gpt-4o', undefined],
  ['anthropic/claude-3-5-sonnet', undefined],
  ['gpt-4o', undefined],
  ['claude-3-haiku', undefined],
  ['azure/gpt-4', 'Azure'],
  ['bedrock/meta.llama3', 'aws-bedrock'],
  ['ollama/llama3', undefined],
  ['vertex_ai/gemini-pro', 'B'],
  ['custom/x', 'a'],
  ['mistral-large', ''],
];

const TAGS = ['prod', 'eu', 'us', 'beta', 'Fast', 'gpu'];
const MODES = [undefined, 'chat', 'completion', 'embedding', 'image_generation', 'audio_transcription'] as const;
const DESCRIPTIONS = [undefined, 'General purpose chat', 'Cheap and FAST', '50% off this week', 'uses snake_case keys', 'C:\\models\\local', 'Für Übersetzungen'];

/**
 * `count` models with varied names, providers (some none), resource URIs (some derived from the
 * name, some explicit in an order unrelated to creation), tags, modes, descriptions and creators;
 * then status, created_at and updated_at rewritten in the table so every order field has ties.
 */
export async function seedVariedModels(
  t: TestApp,
  tenant: TestTenant,
  options: { count: number; seed: number; users?: string[] },
): Promise<Row[]> {
  const random = randomGenerator(options.seed);
  const users = options.users ?? [tenant.userId];
  const uriNumbers = Array.from({ length: options.count }, (_, index) => index + 1).sort(() => random.next() - 0.5);
  const seeds: Seed[] = Array.from({ length: options.count }, (_, index) => {
    const [litellmModel, provider] = random.pick(ROUTES);
    const mode = random.pick(MODES);
    const description = random.pick(DESCRIPTIONS);
    return {
      name: random.pick(NAMES),
      litellmModel,
      credentials: { api_key: `sk-seed-${index}` },
      ...(provider !== undefined ? { provider } : {}),
      ...(index % 3 === 0 ? {} : { resourceUri: `r-${uriNumbers[index]}` }),
      ...(mode ? { mode } : {}),
      ...(description ? { description } : {}),
      tags: TAGS.filter(() => random.next() < 0.35),
      userId: random.pick(users),
    };
  });
  const ids = await createModels(t, tenant, seeds);

  const base = Date.UTC(2025, 2, 1, 12, 0, 0);
  await Promise.all(
    ids.map((id) => {
      // 40 seconds × 3 millisecond offsets for ~250 rows: many exact ties, and values at .000/.001/.999.
      const createdAt = new Date(base + random.int(40) * 1000 + random.pick([0, 1, 999]));
      const updatedAt = new Date(createdAt.getTime() + random.pick([0, 0, 1, 60_000, 3_600_000]));
      return updateRow(t, id, { status: random.pick(STATUSES), created_at: createdAt, updated_at: updatedAt });
    }),
  );
  return readRows(t, tenant);
}

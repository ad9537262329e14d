import { randomBytes } from 'node:crypto';
import { PAGE_SIZE, W3_SEARCH } from './sql.ts';

/**
 * The workloads: W0, the fixed cost of a request (no database), then the six of the issue: the GraphQL request the gateway gets, the path the baseline serves it on
 * (the baseline receives the very same JSON body and reads the variables from it), and what a
 * correct answer looks like.
 */
export const WORKLOAD_IDS = ['W0', 'W1', 'W2', 'W3', 'W4', 'W5', 'W6'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** The fields every workload selects on a model (a list page of a realistic client). */
export const MODEL_FIELDS = [
  'id',
  'resourceUri',
  'name',
  'litellmModel',
  'status',
  'provider',
  'mode',
  'tags',
  'description',
  'createdAt',
  'updatedAt',
  'createdBy',
  'credentialKeys',
] as const;

const FIELDS = MODEL_FIELDS.join(' ');
const PAGE = `edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor }`;

export const DOCUMENTS: Record<WorkloadId, string> = {
  W0: 'query W0 { __typename }',
  W1: `query W1 { models(first: ${PAGE_SIZE}) { totalCount ${PAGE} } }`,
  W2: `query W2($filter: ModelFilter, $orderBy: [ModelOrder!]) { models(first: ${PAGE_SIZE}, filter: $filter, orderBy: $orderBy) { ${PAGE} } }`,
  W3: `query W3($search: String!) { models(first: ${PAGE_SIZE}, filter: { search: $search }) { ${PAGE} } }`,
  W4: `query W4($after: String!) { models(first: ${PAGE_SIZE}, after: $after) { totalCount ${PAGE} } }`,
  W5: `mutation W5($input: CreateModelInput!) { createModel(input: $input) { model { ${FIELDS} } } }`,
  W6: `query W6($uri: String!) { model(resourceUri: $uri) { ${FIELDS} } }`,
};

export const DESCRIPTIONS: Record<WorkloadId, string> = {
  W0: 'fixed cost: { __typename }, no database',
  W1: `first ${PAGE_SIZE}, CREATED_AT DESC, totalCount`,
  W2: 'status+mode filter, NAME ASC',
  W3: `search "${W3_SEARCH}"`,
  W4: 'deep page via cursor, totalCount',
  W5: 'createModel with credentials',
  W6: 'model(resourceUri:) lookup',
};

export const W2_VARIABLES = {
  filter: { status: ['ACTIVE'], mode: ['CHAT'] },
  orderBy: [{ field: 'NAME', direction: 'ASC' }],
};

/** What the bench knows about the seeded data, for building requests and checking answers. */
export interface WorkloadData {
  hotRows: number;
  /** W4's cursor (encoded as the gateway encodes it) and how many rows lie before it */
  deepCursor: string;
  deepOffset: number;
  deepCreatedAt: string;
  deepId: string;
  /** existing resource URIs of the hot project, for W6 */
  uris: string[];
}

export function variablesFor(id: WorkloadId, data: WorkloadData): Record<string, unknown> {
  switch (id) {
    case 'W0':
    case 'W1':
      return {};
    case 'W2':
      return W2_VARIABLES;
    case 'W3':
      return { search: W3_SEARCH };
    case 'W4':
      return { after: data.deepCursor };
    case 'W5':
      return { input: createInput(`check-${randomBytes(4).toString('hex')}`, 0) };
    case 'W6':
      return { uri: data.uris[0] };
  }
}

export function createInput(tag: string, n: number): Record<string, unknown> {
  return {
    name: `Bench ${tag} ${n}`,
    litellmModel: 'openai/gpt-4o-mini',
    credentials: { api_key: `sk-bench-${tag}-${n}-0123456789abcdef0123456789abcdef`, organization: 'org-bench' },
    description: 'Registered by the benchmark (W5); deleted when the workload ends.',
    tags: ['bench', 'load-test'],
    mode: 'CHAT',
    maxInputTokens: 128000,
    rpm: 500,
  };
}

/** A body factory: the same document with fresh variables per request where the workload needs them. */
export function bodyFactory(id: WorkloadId, data: WorkloadData, tag: string): () => string {
  const document = DOCUMENTS[id];
  if (id === 'W5') {
    let n = 0;
    return () => JSON.stringify({ query: document, variables: { input: createInput(tag, ++n) } });
  }
  if (id === 'W6') {
    const { uris } = data;
    return () => JSON.stringify({ query: document, variables: { uri: uris[Math.floor(Math.random() * uris.length)] } });
  }
  const fixed = JSON.stringify({ query: document, variables: variablesFor(id, data) });
  return () => fixed;
}

type Json = Record<string, unknown>;

/**
 * Checks one answer; returns the problems found (none = correct). `variables` are those the
 * request was sent with.
 */
export function checkAnswer(id: WorkloadId, body: unknown, variables: Record<string, unknown>, data: WorkloadData): string[] {
  const problems: string[] = [];
  const expect = (condition: unknown, message: string) => {
    if (!condition) problems.push(message);
  };
  const answer = body as { data?: Json; errors?: unknown[] };
  if (answer.errors) return [`errors: ${JSON.stringify(answer.errors).slice(0, 400)}`];
  const root = answer.data;
  if (!root) return ['no data'];

  const checkNode = (node: Json | undefined, where: string) => {
    if (!node) return expect(false, `${where}: no model`);
    for (const field of MODEL_FIELDS) expect(field in node, `${where}: field ${field} missing`);
    expect(Object.keys(node).length === MODEL_FIELDS.length, `${where}: unexpected fields`);
  };
  const connection = root.models as
    | { totalCount?: number; edges: { cursor: string; node: Json }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
    | undefined;
  const nodes = connection?.edges.map((edge) => edge.node) ?? [];
  const expectedPage = Math.min(PAGE_SIZE, data.hotRows);

  switch (id) {
    case 'W0':
      expect(root.__typename === 'Query' && Object.keys(root).length === 1, `not { __typename: "Query" }: ${JSON.stringify(root)}`);
      break;
    case 'W1':
    case 'W4': {
      if (!connection) return ['no models connection'];
      expect(connection.totalCount === data.hotRows, `totalCount ${connection.totalCount} ≠ ${data.hotRows}`);
      const remaining = id === 'W1' ? data.hotRows : data.hotRows - data.deepOffset;
      expect(nodes.length === Math.min(PAGE_SIZE, remaining), `${nodes.length} edges, expected ${Math.min(PAGE_SIZE, remaining)}`);
      const times = nodes.map((node) => String(node.createdAt));
      expect(times.every((time, i) => i === 0 || time <= (times[i - 1] as string)), 'not in CREATED_AT DESC order');
      if (id === 'W4') expect(times.every((time) => time <= data.deepCreatedAt), 'W4 page is not after its cursor');
      connection.edges.forEach((edge, i) => expect(typeof edge.cursor === 'string' && edge.cursor.length > 20, `edge ${i}: no cursor`));
      expect(connection.pageInfo.endCursor === connection.edges.at(-1)?.cursor, 'endCursor is not the last cursor');
      nodes.forEach((node, i) => checkNode(node, `edge ${i}`));
      break;
    }
    case 'W2': {
      if (!connection) return ['no models connection'];
      expect(nodes.length === expectedPage, `${nodes.length} edges, expected ${expectedPage}`);
      expect(nodes.every((node) => node.status === 'ACTIVE' && node.mode === 'CHAT'), 'a node does not match the filter');
      const names = nodes.map((node) => String(node.name));
      expect(names.every((name, i) => i === 0 || Buffer.compare(Buffer.from(names[i - 1] as string), Buffer.from(name)) <= 0), 'not in NAME order');
      nodes.forEach((node, i) => checkNode(node, `edge ${i}`));
      break;
    }
    case 'W3': {
      if (!connection) return ['no models connection'];
      expect(nodes.length > 0, 'the search found nothing');
      const term = String(variables.search).toLowerCase();
      expect(
        nodes.every((node) => `${String(node.name)}\n${String(node.description ?? '')}`.toLowerCase().includes(term)),
        'a node does not contain the search term',
      );
      nodes.forEach((node, i) => checkNode(node, `edge ${i}`));
      break;
    }
    case 'W5': {
      const model = (root.createModel as { model?: Json } | undefined)?.model;
      checkNode(model, 'createModel');
      const input = variables.input as Json;
      expect(model?.name === input.name, 'name differs from the input');
      expect(model?.status === 'PENDING', 'status is not PENDING');
      expect(model?.provider === 'openai', 'provider is not derived from litellmModel');
      expect(JSON.stringify(model?.credentialKeys) === JSON.stringify(['api_key', 'organization']), 'credentialKeys wrong');
      expect(!JSON.stringify(model).includes('sk-bench'), 'the credentials leaked into the answer');
      break;
    }
    case 'W6': {
      const model = root.model as Json | undefined;
      checkNode(model, 'model');
      expect(model?.resourceUri === variables.uri, 'not the model asked for');
      break;
    }
  }
  return problems;
}

/** Fields that legitimately differ between the gateway's and the baseline's answers. */
export function comparable(id: WorkloadId, body: unknown): unknown {
  if (id !== 'W5') return body;
  // Two creates: different ids, names, URIs and times; the shape and the rest must agree.
  const model = { ...((body as { data: { createModel: { model: Json } } }).data.createModel.model) };
  for (const field of ['id', 'resourceUri', 'name', 'createdAt', 'updatedAt']) model[field] = typeof model[field];
  return model;
}

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Tenant } from '../src/auth/principal.ts';
import { createCursorCodec } from '../src/models/model.cursor.ts';
import { DEFAULT_ORDER, type OrderTerm } from '../src/models/model.order.ts';
import { escapeLike } from '../src/models/model.repository.ts';
import { credentialsContext, providerOf } from '../src/models/model.service.ts';
import { kebabCase } from '../src/models/resource-uri.ts';
import { createKeyring } from '../src/secrets/keyring.ts';
import { createSecretBox } from '../src/secrets/secret-box.ts';
import { bind, captureGatewaySql, PAGE_SIZE, type SqlTemplate, type Vars, W2_ORDER } from './sql.ts';

/**
 * What the baseline does for each workload, without any HTTP: the statements the gateway runs
 * (captured from the gateway's own repository at start-up, see sql.ts), through a pg Pool of the
 * same size and settings, turned into the JSON the GraphQL response has (same fields, same order,
 * same opaque ids and signed cursors). The baseline server (baseline-server.ts) serves these on
 * node:http; the Yoga floor (yoga-floor-server.ts) resolves the same documents with them.
 *
 * Environment: DATABASE_URL, DATABASE_POOL_SIZE, SECRETS_KEY.
 */

type Row = Record<string, unknown> & {
  id: string;
  created_at: Date;
  updated_at: Date;
  name: string;
  mode: string | null;
};

const env = process.env;
export const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_SIZE ?? 10),
  // as the gateway's pool (src/db/database.ts)
  statement_timeout: 5_000,
  connectionTimeoutMillis: 3_000,
  query_timeout: 6_000,
});
pool.on('connect', (client) => client.on('error', () => undefined));
pool.on('error', (error) => console.error(JSON.stringify({ level: 'warn', msg: 'idle connection failed', err: error.message })));

const keyring = createKeyring({ currentKey: env.SECRETS_KEY ?? '', oldKeys: [] });
const secrets = createSecretBox(keyring);
const cursors = createCursorCodec(keyring.derive('model-cursor-signing'));
const statements = await captureGatewaySql();

const globalId = (id: string) => Buffer.from(`Model:${id}`, 'utf8').toString('base64url');

/** The selected fields of a model, in the order the bench's documents select them. */
function node(row: Row) {
  return {
    id: globalId(row.id),
    resourceUri: row.resource_uri,
    name: row.name,
    litellmModel: row.litellm_model,
    status: row.status,
    provider: row.provider,
    mode: row.mode === null ? null : row.mode.toUpperCase(),
    tags: row.tags,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
    credentialKeys: row.credential_keys,
  };
}

async function query(template: SqlTemplate, vars: Vars): Promise<Row[]> {
  const result = await pool.query<Row>(template.sql, bind(template, vars));
  return result.rows;
}

async function page(
  template: SqlTemplate,
  vars: Vars,
  order: readonly OrderTerm[],
  tenant: Tenant,
  withCount: boolean,
): Promise<object> {
  const rows = await query(template, vars);
  const hasNextPage = rows.length > PAGE_SIZE;
  const sortValue = order[0]?.field === 'NAME' ? (row: Row) => row.name : (row: Row) => row.created_at.toISOString();
  const edges = rows.slice(0, PAGE_SIZE).map((row) => ({
    cursor: cursors.encode({ values: [sortValue(row)], id: row.id }, order, tenant),
    node: node(row),
  }));
  const pageInfo = { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null };
  if (!withCount) return { edges, pageInfo };
  // As the gateway: the totalCount resolver runs after the page has been read.
  const [count] = await query(statements.count, vars);
  return { totalCount: count?.count, edges, pageInfo };
}

export interface WorkloadRequest {
  variables: Record<string, unknown>;
  tenant: Tenant;
  user: string;
}

/** Per workload path (/w0 … /w6): the `data` of the GraphQL response. */
export const handlers: Record<string, (request: WorkloadRequest) => Promise<Record<string, unknown>>> = {
  async '/w0'() {
    return { __typename: 'Query' };
  },
  async '/w1'({ tenant }) {
    const vars = { org: tenant.organizationId, project: tenant.projectId };
    return { models: await page(statements.firstPage, vars, DEFAULT_ORDER, tenant, true) };
  },
  async '/w2'({ tenant }) {
    const vars = { org: tenant.organizationId, project: tenant.projectId };
    return { models: await page(statements.filteredPage, vars, W2_ORDER, tenant, false) };
  },
  async '/w3'({ tenant, variables }) {
    const vars = { org: tenant.organizationId, project: tenant.projectId, search: escapeLike(String(variables.search)) };
    return { models: await page(statements.searchPage, vars, DEFAULT_ORDER, tenant, false) };
  },
  async '/w4'({ tenant, variables }) {
    const position = cursors.decode(String(variables.after), DEFAULT_ORDER, tenant, 'after');
    const vars = {
      org: tenant.organizationId,
      project: tenant.projectId,
      afterValue: position.values[0] as string,
      afterId: position.id,
    };
    return { models: await page(statements.deepPage, vars, DEFAULT_ORDER, tenant, true) };
  },
  async '/w5'({ tenant, variables, user }) {
    const input = variables.input as CreateInput;
    const row = newRow(tenant, user, input);
    const params = statements.insert.columns.map((column) => row[column]);
    const result = await pool.query<Row>(statements.insert.sql, params);
    const inserted = result.rows[0];
    if (!inserted) throw new Error(`resourceUri ${String(row.resource_uri)} is taken`);
    return { createModel: { model: node(inserted) } };
  },
  async '/w6'({ tenant, variables }) {
    const vars = { org: tenant.organizationId, project: tenant.projectId, uri: String(variables.uri) };
    const [row] = await query(statements.lookup, vars);
    return { model: row ? node(row) : null };
  },
};

/** The row the gateway's createModel builds (src/models/model.service.ts), without its validation. */
type CreateInput = Record<string, unknown> & { name: string; litellmModel: string; credentials: Record<string, unknown> };

function newRow(tenant: Tenant, user: string, input: CreateInput): Record<string, unknown> {
  const orNull = (key: string) => input[key] ?? null;
  const id = randomUUID();
  const now = new Date();
  const credentials = input.credentials;
  const sealed = secrets.seal(JSON.stringify(credentials), credentialsContext(tenant, id));
  const litellmModel = String(input.litellmModel);
  const mode = input.mode as string | undefined;
  return {
    id,
    organization_id: tenant.organizationId,
    project_id: tenant.projectId,
    resource_uri: input.resourceUri ?? kebabCase(input.name),
    name: input.name,
    litellm_model: litellmModel,
    status: 'PENDING',
    status_message: null,
    owner_id: user,
    created_by: `user:${user}`,
    updated_by: `user:${user}`,
    created_at: now,
    updated_at: now,
    description: orNull('description'),
    tags: [...new Set((input.tags as string[] | undefined) ?? [])],
    provider: input.provider ?? providerOf(litellmModel),
    api_base: orNull('apiBase'),
    api_version: orNull('apiVersion'),
    mode: mode ? mode.toLowerCase() : null,
    max_input_tokens: orNull('maxInputTokens'),
    max_output_tokens: orNull('maxOutputTokens'),
    rpm: orNull('rpm'),
    tpm: orNull('tpm'),
    default_temperature: orNull('defaultTemperature'),
    default_max_tokens: orNull('defaultMaxTokens'),
    timeout: orNull('timeout'),
    credential_keys: Object.keys(credentials).sort(),
    credentials_key_id: sealed.keyId,
    credentials_nonce: sealed.nonce,
    credentials_ciphertext: sealed.ciphertext,
  };
}

// Fail at start-up rather than insert the wrong columns if the gateway's insert ever changes.
const probe = newRow({ organizationId: 'o', projectId: 'p' }, 'u', { name: 'x', litellmModel: 'x', credentials: { a: 'b' } });
const missing = statements.insert.columns.filter((column) => !(column in probe));
if (missing.length > 0 || Object.keys(probe).length !== statements.insert.columns.length) {
  throw new Error(`the baseline's insert row does not match the gateway's columns (missing: ${missing.join(', ')})`);
}

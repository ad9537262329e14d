import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
 * The baseline: the practical limit of node:http + pg for the bench's workloads. It runs the
 * statements the gateway runs (captured from the gateway's own repository at start-up, see
 * sql.ts), through a pg Pool of the same size and settings, and writes the JSON the GraphQL
 * response has (same fields, same order, same opaque ids and signed cursors). What it leaves out
 * is exactly the gateway's overhead: no authentication, no GraphQL parsing, validation or
 * execution, no input validation, no plugins.
 *
 * The request body is the gateway's (a GraphQL document and its variables); the route says which
 * workload it is. The tenant comes from X-Org-ID / X-Project-ID, the creating user from X-User-ID.
 *
 * Environment: DATABASE_URL, DATABASE_POOL_SIZE, SECRETS_KEY, PORT (0 = any), HOST.
 */

type Row = Record<string, unknown> & {
  id: string;
  created_at: Date;
  updated_at: Date;
  name: string;
  mode: string | null;
};

const env = process.env;
const pool = new pg.Pool({
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

interface Request {
  variables: Record<string, unknown>;
  tenant: Tenant;
  user: string;
}

const handlers: Record<string, (request: Request) => Promise<object>> = {
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

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const server = createServer((request, response) => {
  void (async () => {
    if (request.url === '/readyz') {
      try {
        await pool.query('select 1');
        return send(response, 200, '{"ready":true}');
      } catch {
        return send(response, 503, '{"ready":false}');
      }
    }
    const handler = handlers[request.url ?? ''];
    if (!handler || request.method !== 'POST') return send(response, 404, '{"errors":[{"message":"not found"}]}');
    try {
      const body = JSON.parse(await readBody(request)) as { variables?: Record<string, unknown> };
      const tenant = {
        organizationId: String(request.headers['x-org-id']),
        projectId: String(request.headers['x-project-id']),
      };
      const data = await handler({ variables: body.variables ?? {}, tenant, user: String(request.headers['x-user-id']) });
      send(response, 200, JSON.stringify({ data }));
    } catch (error) {
      send(response, 500, JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  })();
});

server.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ level: 'info', url: `http://127.0.0.1:${port}` }));
});

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

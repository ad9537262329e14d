import type pg from 'pg';
import { createCursorCodec } from '../src/models/model.cursor.ts';
import { DEFAULT_ORDER } from '../src/models/model.order.ts';
import { createKeyring } from '../src/secrets/keyring.ts';
import { HOT_TENANT } from './seed.ts';
import type { WorkloadData } from './workloads.ts';

/** W4 reads the page after this many rows (half the hot project when it is smaller). */
const DEEP_OFFSET = 100_000;

/** What the workloads need from the seeded hot project; the W4 cursor is signed with `secretsKey`. */
export async function workloadData(client: pg.Client, hotRows: number, secretsKey: string): Promise<WorkloadData> {
  const deepOffset = Math.min(DEEP_OFFSET, Math.floor(hotRows / 2));
  const deep = await client.query<{ id: string; created_at: Date }>(
    `select id, created_at from models where organization_id = $1 and project_id = $2
     order by created_at desc, id desc offset $3 limit 1`,
    [HOT_TENANT.organizationId, HOT_TENANT.projectId, deepOffset - 1],
  );
  const row = deep.rows[0];
  if (!row) throw new Error('the hot project has too few rows for W4');
  const codec = createCursorCodec(createKeyring({ currentKey: secretsKey, oldKeys: [] }).derive('model-cursor-signing'));
  const deepCreatedAt = row.created_at.toISOString();
  const deepCursor = codec.encode({ values: [deepCreatedAt], id: row.id }, DEFAULT_ORDER, HOT_TENANT);
  const uris = await client.query<{ resource_uri: string }>(
    'select resource_uri from models where organization_id = $1 and project_id = $2 order by random() limit 10000',
    [HOT_TENANT.organizationId, HOT_TENANT.projectId],
  );
  return { hotRows, deepCursor, deepOffset, deepCreatedAt, deepId: row.id, uris: uris.rows.map((r) => r.resource_uri) };
}

import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** The database as Kysely sees it: snake_case rows, exactly as the migrations create them. */
export interface Database {
  models: ModelsTable;
  model_counts: ModelCountsTable;
}

/** Kept by triggers (migrations/0002): the models of a project, split over a few shards. */
export interface ModelCountsTable {
  organization_id: string;
  project_id: string;
  shard: number;
  model_count: ColumnType<string, string | number, string | number>;
}

export interface ModelsTable {
  id: string;
  organization_id: string;
  project_id: string;
  resource_uri: string;
  name: string;
  litellm_model: string;
  status: Generated<string>;
  status_message: string | null;
  owner_id: string;
  created_by: string;
  updated_by: string;
  created_at: ColumnType<Date, Date, Date>;
  updated_at: ColumnType<Date, Date, Date>;
  description: string | null;
  tags: string[];
  provider: string | null;
  api_base: string | null;
  api_version: string | null;
  mode: string | null;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  rpm: number | null;
  tpm: number | null;
  default_temperature: number | null;
  default_max_tokens: number | null;
  timeout: number | null;
  credential_keys: string[];
  credentials_key_id: string;
  credentials_nonce: Buffer;
  credentials_ciphertext: Buffer;
}

export type ModelRow = Selectable<ModelsTable>;

/** A row without its sealed credentials: what every read outside secret rotation selects. */
export type ModelRecord = Omit<ModelRow, 'credentials_key_id' | 'credentials_nonce' | 'credentials_ciphertext'>;
export type NewModelRow = Insertable<ModelsTable>;

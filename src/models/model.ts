import type { ModelRecord } from '../db/tables.ts';

export const MODEL_MODES = ['chat', 'completion', 'embedding', 'image_generation', 'audio_transcription'] as const;
export type ModelMode = (typeof MODEL_MODES)[number];

export const MODEL_STATUSES = ['PENDING', 'ACTIVE', 'ERROR', 'DEPRECATED', 'DISABLED'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** A model configuration as the rest of the program sees it. Credentials never leave the row. */
export interface Model {
  id: string;
  organizationId: string;
  projectId: string;
  resourceUri: string;
  name: string;
  litellmModel: string;
  status: ModelStatus;
  statusMessage: string | null;
  ownerId: string;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
  description: string | null;
  tags: string[];
  provider: string | null;
  apiBase: string | null;
  apiVersion: string | null;
  mode: ModelMode | null;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  defaultTemperature: number | null;
  defaultMaxTokens: number | null;
  timeout: number | null;
  credentialKeys: string[];
}

export function modelFromRow(row: ModelRecord): Model {
  return {
    id: row.id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    resourceUri: row.resource_uri,
    name: row.name,
    litellmModel: row.litellm_model,
    status: row.status as ModelStatus,
    statusMessage: row.status_message,
    ownerId: row.owner_id,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    description: row.description,
    tags: row.tags,
    provider: row.provider,
    apiBase: row.api_base,
    apiVersion: row.api_version,
    mode: row.mode as ModelMode | null,
    maxInputTokens: row.max_input_tokens,
    maxOutputTokens: row.max_output_tokens,
    rpm: row.rpm,
    tpm: row.tpm,
    defaultTemperature: row.default_temperature,
    defaultMaxTokens: row.default_max_tokens,
    timeout: row.timeout,
    credentialKeys: row.credential_keys,
  };
}

/** The "user:<sub>" form the REST API uses for createdBy/updatedBy. */
export function userReference(userId: string): string {
  return `user:${userId}`;
}

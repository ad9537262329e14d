import type { Kysely } from 'kysely';
import type { Actor, Tenant } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import type { Database, NewModelRow } from '../db/tables.ts';
import { ConflictError } from '../errors.ts';
import { type IdGenerator, isUuid } from '../ids.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { type CursorCodec, positionOf } from './model.cursor.ts';
import type { CreateModelInput } from './model.input.ts';
import { DEFAULT_PAGE_SIZE, type ListModelsArgs } from './model.list-input.ts';
import { DEFAULT_ORDER, type OrderTerm } from './model.order.ts';
import { type Model, modelFromRow, userReference } from './model.ts';
import * as repository from './model.repository.ts';
import { kebabCase, nextFreeResourceUri } from './resource-uri.ts';

export interface ModelServiceDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  cursors: CursorCodec;
  clock: Clock;
  newId: IdGenerator;
}

export interface ModelEdge {
  cursor: string;
  node: Model;
}

/**
 * A page of a models listing. The parts that cost a query run only when read: the page flags
 * are getters, totalCount a function.
 */
export interface ModelPage {
  edges: ModelEdge[];
  pageInfo: {
    readonly hasNextPage: boolean | Promise<boolean>;
    readonly hasPreviousPage: boolean | Promise<boolean>;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount(): Promise<number>;
}

export type ModelService = ReturnType<typeof createModelService>;

/** How often a create re-picks a generated resource URI that a concurrent create took first. */
const MAX_URI_ATTEMPTS = 50;

/** Binds a sealed secret to the one row it belongs to. */
export function credentialsContext(tenant: Tenant, modelId: string): string {
  // JSON, not a joined string: ids may contain any separator, and two owners must never share a context.
  return `model-credentials:${JSON.stringify([tenant.organizationId, tenant.projectId, modelId])}`;
}

export function createModelService(deps: ModelServiceDeps) {
  const { db, secrets, cursors, clock, newId } = deps;

  async function createModel(tenant: Tenant, actor: Actor, input: CreateModelInput): Promise<Model> {
    const id = newId();
    const now = clock.now();
    const sealed = secrets.seal(JSON.stringify(input.credentials), credentialsContext(tenant, id));
    const row = (resourceUri: string): NewModelRow => ({
      id,
      organization_id: tenant.organizationId,
      project_id: tenant.projectId,
      resource_uri: resourceUri,
      name: input.name,
      litellm_model: input.litellmModel,
      status: 'PENDING',
      status_message: null,
      owner_id: actor.userId,
      created_by: userReference(actor.userId),
      updated_by: userReference(actor.userId),
      created_at: now,
      updated_at: now,
      description: input.description,
      tags: input.tags,
      provider: input.provider ?? providerOf(input.litellmModel),
      api_base: input.apiBase,
      api_version: input.apiVersion,
      mode: input.mode,
      max_input_tokens: input.maxInputTokens,
      max_output_tokens: input.maxOutputTokens,
      rpm: input.rpm,
      tpm: input.tpm,
      default_temperature: input.defaultTemperature,
      default_max_tokens: input.defaultMaxTokens,
      timeout: input.timeout,
      credential_keys: Object.keys(input.credentials).sort(),
      credentials_key_id: sealed.keyId,
      credentials_nonce: sealed.nonce,
      credentials_ciphertext: sealed.ciphertext,
    });

    if (input.resourceUri) {
      const inserted = await repository.insertModel(db, row(input.resourceUri));
      if (!inserted) throw new ConflictError(`resourceUri "${input.resourceUri}" is already used in this project`);
      return modelFromRow(inserted);
    }

    const base = kebabCase(input.name);
    let candidate = base;
    for (let attempt = 0; attempt < MAX_URI_ATTEMPTS; attempt++) {
      const inserted = await repository.insertModel(db, row(candidate));
      if (inserted) return modelFromRow(inserted);
      const taken = await repository.findResourceUrisStartingWith(db, tenant, base);
      candidate = nextFreeResourceUri(base, taken);
    }
    throw new ConflictError(`could not find a free resourceUri for "${base}"; pass one explicitly`);
  }

  async function getModelById(tenant: Tenant, id: string): Promise<Model | null> {
    if (!isUuid(id)) return null;
    const row = await repository.findModel(db, tenant, 'id', id);
    return row ? modelFromRow(row) : null;
  }

  async function getModelByResourceUri(tenant: Tenant, resourceUri: string): Promise<Model | null> {
    const row = await repository.findModel(db, tenant, 'resource_uri', resourceUri);
    return row ? modelFromRow(row) : null;
  }

  /** With `rows: false` only the count is of use: the cursors are still checked, no page is read. */
  async function listModels(tenant: Tenant, args: ListModelsArgs, options: { rows?: boolean } = {}): Promise<ModelPage> {
    const order: OrderTerm[] = args.orderBy && args.orderBy.length > 0 ? args.orderBy : [...DEFAULT_ORDER];
    const after = args.after ? cursors.decode(args.after, order, tenant, 'after') : null;
    const before = args.before ? cursors.decode(args.before, order, tenant, 'before') : null;
    const fromEnd = args.last != null;
    const size = args.last ?? args.first ?? DEFAULT_PAGE_SIZE;

    const rows =
      options.rows === false
        ? []
        : await repository.findModelPage(db, tenant, { filter: args.filter, order, after, before, limit: size + 1, fromEnd });
    const hasMore = rows.length > size;
    const pageRows = rows.slice(0, size);
    if (fromEnd) pageRows.reverse();

    const edges = pageRows.map((pageRow) => {
      const node = modelFromRow(pageRow);
      return { node, cursor: cursors.encode(positionOf(node, order), order, tenant) };
    });
    // Whether rows exist on the far side of the cursor we started from: asked only when selected.
    const beyond = (position: typeof after, side: 'after' | 'before') =>
      position ? repository.existsBeyond(db, tenant, args.filter, order, position, side) : false;

    return {
      edges,
      pageInfo: {
        get hasNextPage() {
          return fromEnd ? beyond(before, 'after') : hasMore;
        },
        get hasPreviousPage() {
          return fromEnd ? hasMore : beyond(after, 'before');
        },
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      totalCount: () => repository.countModels(db, tenant, args.filter),
    };
  }

  return { createModel, getModelById, getModelByResourceUri, listModels };
}

/** "openai/gpt-4o" → "openai"; no slash, no provider. */
export function providerOf(litellmModel: string): string | null {
  const slash = litellmModel.indexOf('/');
  return slash > 0 ? litellmModel.slice(0, slash).slice(0, 100) : null;
}

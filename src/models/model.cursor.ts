import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Tenant } from '../auth/principal.ts';
import { ValidationError } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { Model } from './model.ts';
import { type OrderField, type OrderTerm, orderSignature } from './model.order.ts';

/**
 * Opaque keyset cursors: the sort values and id of a row, the order they were made under, and an
 * HMAC over both and the tenant. A cursor edited by hand, made under another orderBy, or made in
 * another project is refused rather than silently paging from somewhere else.
 */
export interface CursorPosition {
  /** one value per order term, as `sortValue` gives it */
  values: string[];
  id: string;
}

export interface CursorCodec {
  encode(position: CursorPosition, order: readonly OrderTerm[], tenant: Tenant): string;
  decode(cursor: string, order: readonly OrderTerm[], tenant: Tenant, argument: string): CursorPosition;
}

const MAC_BYTES = 16;

export function createCursorCodec(secret: Buffer): CursorCodec {
  const mac = (body: string, tenant: Tenant) =>
    createHmac('sha256', secret)
      .update(`${tenant.organizationId}\n${tenant.projectId}\n${body}`)
      .digest()
      .subarray(0, MAC_BYTES);

  return {
    encode(position, order, tenant) {
      const body = Buffer.from(
        JSON.stringify({ o: orderSignature(order), v: position.values, i: position.id }),
      ).toString('base64url');
      return `${body}.${mac(body, tenant).toString('base64url')}`;
    },
    decode(cursor, order, tenant, argument) {
      const invalid = (message: string) => ValidationError.at([argument], message);
      const [body, signature, extra] = cursor.split('.');
      if (!body || !signature || extra !== undefined) throw invalid('is not a valid cursor');
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(body, tenant);
      // Node's base64url decoder skips junk and unused bits; only the canonical spelling counts.
      const canonical = given.toString('base64url') === signature;
      if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalid('is not a valid cursor for this project');
      }
      const payload = parsePayload(body);
      if (!payload) throw invalid('is not a valid cursor');
      if (payload.o !== orderSignature(order)) throw invalid('was made for a different orderBy');
      if (payload.v.length !== order.length || !isUuid(payload.i)) throw invalid('is not a valid cursor');
      return { values: payload.v, id: payload.i };
    },
  };
}

function parsePayload(body: string): { o: string; v: string[]; i: string } | undefined {
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (typeof payload !== 'object' || payload === null) return undefined;
    const { o, v, i } = payload as Record<string, unknown>;
    if (typeof o !== 'string' || typeof i !== 'string') return undefined;
    if (!Array.isArray(v) || !v.every((value) => typeof value === 'string')) return undefined;
    return { o, v, i };
  } catch {
    return undefined;
  }
}

/** The value a model sorts by for a field; must agree with the repository's sort expressions. */
export function sortValue(model: Model, field: OrderField): string {
  switch (field) {
    case 'NAME':
      return model.name;
    case 'CREATED_AT':
      return model.createdAt.toISOString();
    case 'UPDATED_AT':
      return model.updatedAt.toISOString();
    case 'RESOURCE_URI':
      return model.resourceUri;
    case 'PROVIDER':
      return model.provider ?? '';
    case 'STATUS':
      return model.status;
  }
}

export function positionOf(model: Model, order: readonly OrderTerm[]): CursorPosition {
  return { values: order.map((term) => sortValue(model, term.field)), id: model.id };
}

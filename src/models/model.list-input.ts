import { z } from 'zod';
import { storableString } from '../storable-text.ts';
import { MODEL_MODES, MODEL_STATUSES } from './model.ts';
import { tagSchema } from './model.input.ts';
import { ORDER_DIRECTIONS, ORDER_FIELDS } from './model.order.ts';

/** Arguments of a models listing: page window, filter and order, with their limits. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const pageSize = z.number().int().min(1).max(MAX_PAGE_SIZE).nullish();
const cursor = z.string().min(1).max(2048).nullish();

const nonEmptyList = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .nullish()
    .transform((list) => (list && list.length > 0 ? list : null));

const filterFieldsSchema = z.object({
    search: storableString()
      .trim()
      .max(200)
      .nullish()
      .transform((value) => value || null),
    status: nonEmptyList(z.enum(MODEL_STATUSES), MODEL_STATUSES.length),
    mode: nonEmptyList(z.enum(MODEL_MODES), MODEL_MODES.length),
    tags: nonEmptyList(tagSchema, 32),
    provider: nonEmptyList(storableString().trim().min(1).max(100), 50),
    createdBy: storableString().trim().min(1).max(300).nullish().transform((value) => value ?? null),
  });

export type ModelFilter = z.output<typeof filterFieldsSchema>;

const NO_FILTER: ModelFilter = { search: null, status: null, mode: null, tags: null, provider: null, createdBy: null };

export const modelFilterSchema = filterFieldsSchema.nullish().transform((filter) => filter ?? NO_FILTER);

const orderTermSchema = z.object({
  field: z.enum(ORDER_FIELDS),
  direction: z.enum(ORDER_DIRECTIONS).default('ASC'),
});

const orderBySchema = z
  .array(orderTermSchema)
  .max(ORDER_FIELDS.length)
  .nullish()
  .superRefine((terms, ctx) => {
    const seen = new Set<string>();
    for (const [index, term] of (terms ?? []).entries()) {
      if (seen.has(term.field)) {
        ctx.addIssue({ code: 'custom', path: [index, 'field'], message: `${term.field} is ordered on twice` });
      }
      seen.add(term.field);
    }
  });

export const listModelsArgsSchema = z
  .object({
    first: pageSize,
    last: pageSize,
    after: cursor,
    before: cursor,
    filter: modelFilterSchema,
    orderBy: orderBySchema,
  })
  .superRefine((args, ctx) => {
    if (args.first != null && args.last != null) {
      ctx.addIssue({ code: 'custom', path: ['last'], message: 'first and last cannot be used together' });
    }
  });

export type ListModelsArgs = z.output<typeof listModelsArgsSchema>;

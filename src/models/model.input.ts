import { z } from 'zod';
import { MODEL_MODES } from './model.ts';
import { storableString } from '../storable-text.ts';
import { credentialsSchema } from './credentials.ts';

/**
 * The create-model input: the single source of its limits and normalisation.
 * Optional text that is empty after trimming counts as absent.
 */
const INT4_MAX = 2_147_483_647;

const optionalText = (max: number) =>
  storableString()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => (value ? value : null));

const positiveInt = z.number().int().min(1).max(INT4_MAX).nullish().transform((value) => value ?? null);

export const RESOURCE_URI_PATTERN = /^[a-z0-9-]+$/;
export const MAX_TAGS = 32;

export const resourceUriSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(RESOURCE_URI_PATTERN, 'must contain only lowercase letters, digits and hyphens');

export const tagSchema = storableString().trim().min(1).max(64);

const tagsSchema = z
  .array(tagSchema)
  .nullish()
  .transform((tags) => [...new Set(tags ?? [])])
  .pipe(z.array(z.string()).max(MAX_TAGS, `at most ${MAX_TAGS} distinct tags`));

const apiBaseSchema = storableString()
  .trim()
  .max(1000)
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }))
  .nullish()
  .transform((value) => value ?? null);

export const createModelInputSchema = z.object({
  name: storableString()
    .trim()
    .min(1)
    .max(255)
    .refine((name) => name === '' || /[^\p{White_Space}\p{Cf}]/u.test(name), 'must contain a visible character'),
  litellmModel: storableString().trim().min(1).max(500),
  credentials: credentialsSchema,
  resourceUri: resourceUriSchema.nullish().transform((value) => value ?? null),
  provider: optionalText(100),
  description: optionalText(1000),
  tags: tagsSchema,
  apiBase: apiBaseSchema,
  apiVersion: optionalText(50),
  mode: z.enum(MODEL_MODES).nullish().transform((value) => value ?? null),
  maxInputTokens: positiveInt,
  maxOutputTokens: positiveInt,
  rpm: positiveInt,
  tpm: positiveInt,
  defaultTemperature: z.number().min(0).max(9.99).nullish().transform((value) => value ?? null),
  defaultMaxTokens: positiveInt,
  timeout: positiveInt,
});

export type CreateModelInput = z.output<typeof createModelInputSchema>;
export type CreateModelRequest = z.input<typeof createModelInputSchema>;

import { z } from 'zod';
import { builder } from '../builder.ts';
import { requireAuth } from '../context.ts';
import { createModelInputSchema } from '../models/model.input.ts';
import { ModelModeEnum } from './enums.ts';
import { ModelRef } from './model.ts';
import { parseArgs } from './parse-args.ts';

const CreateModelInputType = builder.inputType('CreateModelInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1..255 characters.' }),
    litellmModel: t.string({ required: true, description: 'e.g. "openai/gpt-4o"; 1..500 characters.' }),
    credentials: t.field({
      type: 'JSONObject',
      required: true,
      description: 'Provider credentials: an object of strings (or nested objects of strings), at most 16 KiB. Stored encrypted.',
    }),
    resourceUri: t.string({
      description: 'Kebab-case name (^[a-z0-9-]+$, ≤255). Default: derived from name, made unique in the project.',
    }),
    provider: t.string({ description: '≤100 characters. Default: the part of litellmModel before the first "/".' }),
    description: t.string({ description: '≤1000 characters.' }),
    tags: t.stringList({ description: 'Trimmed and de-duplicated; each 1..64 characters, at most 32.' }),
    apiBase: t.string({ description: 'An http(s) URL, ≤1000 characters.' }),
    apiVersion: t.string({ description: '≤50 characters.' }),
    mode: t.field({ type: ModelModeEnum }),
    maxInputTokens: t.int({ description: '≥1' }),
    maxOutputTokens: t.int({ description: '≥1' }),
    rpm: t.int({ description: 'Requests per minute, ≥1.' }),
    tpm: t.int({ description: 'Tokens per minute, ≥1.' }),
    defaultTemperature: t.float({ description: '0 ≤ x ≤ 9.99' }),
    defaultMaxTokens: t.int({ description: '≥1' }),
    timeout: t.int({ description: 'Seconds, ≥1.' }),
  }),
});

// Failing paths start at the argument: input.name, input.credentials…
const createModelArgsSchema = z.object({ input: createModelInputSchema });

const CreateModelPayload = builder.objectRef<{ model: unknown }>('CreateModelPayload').implement({
  fields: (t) => ({ model: t.field({ type: ModelRef, resolve: (payload) => payload.model as never }) }),
});

builder.mutationField('createModel', (t) =>
  t.field({
    type: CreateModelPayload,
    description: 'Registers a model configuration in the current project. New models start PENDING.',
    args: { input: t.arg({ type: CreateModelInputType, required: true }) },
    resolve: async (_root, args, context) => {
      const { principal, tenant } = requireAuth(context);
      const { input } = parseArgs(createModelArgsSchema, args);
      return { model: await context.models.createModel(tenant, { userId: principal.userId }, input) };
    },
  }),
);

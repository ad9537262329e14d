import { z } from 'zod';
import { builder } from '../builder.ts';
import { storableString } from '../storable-text.ts';
import { requireAuth } from '../context.ts';
import type { Model } from '../models/model.ts';
import { ModelModeEnum, ModelStatusEnum } from './enums.ts';
import { decodeGlobalId } from './global-id.ts';
import { parseArgs } from './parse-args.ts';

export const ModelRef = builder.objectRef<Model>('Model');

builder.node(ModelRef, {
  description: 'A registered LLM model configuration. Its credentials are stored encrypted and never returned.',
  id: { resolve: (model) => model.id },
  loadOne: (id, context) => context.models.getModelById(requireAuth(context).tenant, id),
  fields: (t) => ({
    resourceUri: t.exposeString('resourceUri'),
    name: t.exposeString('name'),
    litellmModel: t.exposeString('litellmModel'),
    status: t.expose('status', { type: ModelStatusEnum }),
    statusMessage: t.exposeString('statusMessage', { nullable: true }),
    organizationId: t.exposeString('organizationId'),
    projectId: t.exposeString('projectId'),
    ownerId: t.exposeString('ownerId', { deprecationReason: 'Use createdBy.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    updatedBy: t.exposeString('updatedBy'),
    description: t.exposeString('description', { nullable: true }),
    tags: t.exposeStringList('tags'),
    provider: t.exposeString('provider', { nullable: true }),
    apiBase: t.exposeString('apiBase', { nullable: true }),
    apiVersion: t.exposeString('apiVersion', { nullable: true }),
    mode: t.expose('mode', { type: ModelModeEnum, nullable: true }),
    maxInputTokens: t.exposeInt('maxInputTokens', { nullable: true }),
    maxOutputTokens: t.exposeInt('maxOutputTokens', { nullable: true }),
    rpm: t.exposeInt('rpm', { nullable: true }),
    tpm: t.exposeInt('tpm', { nullable: true }),
    defaultTemperature: t.exposeFloat('defaultTemperature', { nullable: true }),
    defaultMaxTokens: t.exposeInt('defaultMaxTokens', { nullable: true }),
    timeout: t.exposeInt('timeout', { nullable: true, description: 'Request timeout in seconds.' }),
    credentialKeys: t.exposeStringList('credentialKeys', {
      description: 'The names of the stored credential fields, sorted. Their values are never returned.',
    }),
  }),
});

const lookupArgsSchema = z
  .object({ id: storableString().max(200).nullish(), resourceUri: storableString().max(255).nullish() })
  .refine((args) => (args.id == null) !== (args.resourceUri == null), {
    message: 'pass exactly one of id and resourceUri',
  });

builder.queryField('model', (t) =>
  t.field({
    type: ModelRef,
    nullable: true,
    description: 'One model of the current project, by id or by resource URI; null when there is none.',
    args: { id: t.arg.id(), resourceUri: t.arg.string() },
    resolve: (_root, rawArgs, context) => {
      const { tenant } = requireAuth(context);
      const args = parseArgs(lookupArgsSchema, rawArgs);
      if (args.resourceUri != null) return context.models.getModelByResourceUri(tenant, args.resourceUri);
      const { typename, id } = decodeGlobalId(args.id as string);
      return typename === 'Model' ? context.models.getModelById(tenant, id) : null;
    },
  }),
);

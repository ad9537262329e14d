import { listModelsArgsSchema, MAX_PAGE_SIZE } from '../models/model.list-input.ts';
import type { ModelPage } from '../models/model.service.ts';
import { builder } from '../builder.ts';
import { requireAuth } from '../context.ts';
import { ModelModeEnum, ModelOrderFieldEnum, ModelStatusEnum, OrderDirectionEnum } from './enums.ts';
import { ModelRef } from './model.ts';
import { parseArgs } from './parse-args.ts';
import { selectedFieldNames } from './selection.ts';

const ModelFilterInput = builder.inputType('ModelFilter', {
  description: 'Every given condition must hold.',
  fields: (t) => ({
    search: t.string({ description: 'Case-insensitive substring of the name or the description.' }),
    status: t.field({ type: [ModelStatusEnum], description: 'Any of these statuses.' }),
    mode: t.field({ type: [ModelModeEnum], description: 'Any of these modes.' }),
    tags: t.stringList({ description: 'Has all of these tags.' }),
    provider: t.stringList({ description: 'Any of these providers.' }),
    createdBy: t.string({ description: 'Created by this user, e.g. "user:alice".' }),
  }),
});

const ModelOrderInput = builder.inputType('ModelOrder', {
  fields: (t) => ({
    field: t.field({ type: ModelOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'ASC' }),
  }),
});

builder.queryField('models', (t) =>
  t.connection(
    {
      type: ModelRef,
      description: `Models of the current project. Pages hold 20 models unless first/last (1..${MAX_PAGE_SIZE}) say otherwise; the default order is CREATED_AT DESC.`,
      args: {
        filter: t.arg({ type: ModelFilterInput }),
        orderBy: t.arg({ type: [ModelOrderInput] }),
      },
      resolve: async (_root, rawArgs, context, info) => {
        const { tenant } = requireAuth(context);
        const args = parseArgs(listModelsArgsSchema, rawArgs);
        // `{ models { totalCount } }` needs the count only, not a page of rows.
        const rows = [...selectedFieldNames(info)].some((name) => name !== 'totalCount' && name !== '__typename');
        const page = await context.models.listModels(tenant, args, { rows });
        // pageInfo's costly flags are getters returning promises, read only when selected.
        return page as unknown as Omit<ModelPage, 'pageInfo'> & {
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
        };
      },
    },
    {
      name: 'ModelConnection',
      fields: (connection) => ({
        totalCount: connection.int({
          description: 'How many models match the filter, over all pages.',
          resolve: (parent) => (parent as unknown as ModelPage).totalCount(),
        }),
      }),
    },
    { name: 'ModelEdge' },
  ),
);

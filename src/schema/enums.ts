import { builder } from '../builder.ts';
import { MODEL_MODES, MODEL_STATUSES, type ModelMode } from '../models/model.ts';
import { ORDER_DIRECTIONS, ORDER_FIELDS } from '../models/model.order.ts';

// GraphQL spells modes in UPPER_CASE; the domain and the database keep the REST API's lower case.
const modeValues = Object.fromEntries(MODEL_MODES.map((mode) => [mode.toUpperCase(), { value: mode }])) as Record<
  Uppercase<ModelMode>,
  { value: ModelMode }
>;

export const ModelModeEnum = builder.enumType('ModelMode', {
  description: 'Supported model modes.',
  values: modeValues,
});

export const ModelStatusEnum = builder.enumType('ModelStatus', {
  description: 'Status of a model configuration.',
  values: MODEL_STATUSES,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ORDER_DIRECTIONS });

export const ModelOrderFieldEnum = builder.enumType('ModelOrderField', { values: ORDER_FIELDS });

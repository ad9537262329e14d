/** How a list of models can be ordered. Every order is made total by the id tie-breaker. */
export const ORDER_FIELDS = ['NAME', 'CREATED_AT', 'UPDATED_AT', 'RESOURCE_URI', 'PROVIDER', 'STATUS'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

export const ORDER_DIRECTIONS = ['ASC', 'DESC'] as const;
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export interface OrderTerm {
  field: OrderField;
  direction: OrderDirection;
}

export const DEFAULT_ORDER: readonly OrderTerm[] = [{ field: 'CREATED_AT', direction: 'DESC' }];

/** A stable name for an order; cursors remember it so they are only used with the order that made them. */
export function orderSignature(order: readonly OrderTerm[]): string {
  return order.map((term) => `${term.field}:${term.direction}`).join(',');
}

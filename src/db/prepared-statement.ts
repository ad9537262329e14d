import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './tables.ts';

type Db = Kysely<Database>;

/**
 * A statement built and compiled by Kysely once per shape of its input, then run with new
 * parameter values. Building and compiling a 27-column select costs the gateway about as much CPU
 * as pg spends on the answer (tens of µs); the SQL text of these statements depends only on which
 * inputs are present and how many values a list holds, not on the values.
 *
 * `build` gets the values with each one replaced by a unique marker string, and must pass each on
 * to Kysely untouched, as a parameter: a value it transforms, tests or embeds in other text cannot
 * be found again, and preparing throws. What decides the SQL's structure (which order, which
 * direction) goes in `shape`, which `build` gets as it is; statements are cached per shape and per
 * the values' own structure (which are null or absent, how long each list is).
 */
export interface PreparedStatement<Values, Shape, Row> {
  execute(db: Db, values: Values, shape: Shape): Promise<Row[]>;
  /** the statement `execute` runs: the same SQL and parameters as `build(db, values, shape).compile()` */
  compile(db: Db, values: Values, shape: Shape): CompiledQuery<Row>;
}

/** A value is a leaf: a scalar, a Date or a Buffer; objects and arrays are walked. */
type Leaf = string | number | bigint | boolean | Date | Uint8Array;

/** How to find a compiled parameter again: a constant of the statement, one leaf, or a list of leaves. */
type ParameterSource = { constant: unknown } | { leaf: number } | { leaves: number[] };

interface Template<Row> {
  query: CompiledQuery<Row>;
  sources: ParameterSource[];
}

const MAX_SHAPES = 256;
const MARKER = '\u0000prepared-parameter:';

export function preparedStatement<Values, Shape, Row>(
  build: (db: Db, values: Values, shape: Shape) => Compilable<Row>,
): PreparedStatement<Values, Shape, Row> {
  const templates = new WeakMap<Db, Map<string, Template<Row>>>();

  function compile(db: Db, values: Values, shape: Shape): CompiledQuery<Row> {
    const leaves: unknown[] = [];
    const key = `${JSON.stringify(shape)}|${structureOf(values, leaves)}`;
    let byKey = templates.get(db);
    if (!byKey) templates.set(db, (byKey = new Map()));
    let template = byKey.get(key);
    if (!template) {
      template = prepare(db, values, shape, build);
      // Shapes are bounded by the inputs' validation; the cap only guards against surprises.
      if (byKey.size >= MAX_SHAPES) byKey.delete(byKey.keys().next().value as string);
      byKey.set(key, template);
    }
    const parameters = template.sources.map((source) => {
      if ('constant' in source) return source.constant;
      if ('leaf' in source) return leaves[source.leaf];
      return source.leaves.map((index) => leaves[index]);
    });
    return { ...template.query, parameters };
  }

  return {
    compile,
    async execute(db, values, shape) {
      const result = await db.executeQuery(compile(db, values, shape));
      return result.rows;
    },
  };
}

function prepare<Values, Shape, Row>(
  db: Db,
  values: Values,
  shape: Shape,
  build: (db: Db, values: Values, shape: Shape) => Compilable<Row>,
): Template<Row> {
  let count = 0;
  const markers = withLeaves(values, () => `${MARKER}${count++}`) as Values;
  const query = build(db, markers, shape).compile();
  const used = new Set<number>();
  const markerIndex = (value: unknown): number | undefined => {
    if (typeof value !== 'string' || !value.startsWith(MARKER)) return undefined;
    const index = Number(value.slice(MARKER.length));
    used.add(index);
    return index;
  };
  const sources = query.parameters.map((parameter): ParameterSource => {
    const leaf = markerIndex(parameter);
    if (leaf !== undefined) return { leaf };
    if (Array.isArray(parameter) && parameter.length > 0) {
      const leaves = parameter.map(markerIndex);
      if (leaves.every((index) => index !== undefined)) return { leaves: leaves as number[] };
    }
    return { constant: parameter };
  });
  if (used.size !== count || query.sql.includes(MARKER) || JSON.stringify(sources).includes(MARKER)) {
    throw new Error('prepared statement: every input value must reach the SQL as a parameter of its own, untouched');
  }
  return { query, sources };
}

function isLeaf(value: unknown): value is Leaf {
  return typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array;
}

/**
 * `value` with its leaves erased (types, nulls, absent keys and list lengths kept); the leaves are
 * collected into `leaves` in the order `withLeaves` visits them.
 */
function structureOf(value: unknown, leaves: unknown[]): string {
  if (value === null || value === undefined) return String(value);
  if (isLeaf(value)) {
    leaves.push(value);
    return value instanceof Date ? 'date' : value instanceof Uint8Array ? 'bytes' : typeof value;
  }
  // Runs on every execution: plain concatenation, half the CPU of map/join and JSON.stringify.
  if (Array.isArray(value)) {
    let items = '[';
    for (const item of value) items += `${structureOf(item, leaves)},`;
    return `${items}]`;
  }
  // Own keys in Object.entries' order (withLeaves visits them so); a key is length-prefixed, so
  // no key can pass for another's structure.
  const record = value as Record<string, unknown>;
  let entries = '{';
  for (const key in record) {
    if (Object.hasOwn(record, key)) entries += `${key.length}:${key}:${structureOf(record[key], leaves)},`;
  }
  return `${entries}}`;
}

/** A copy of `value` with each leaf replaced by `replace()`, visiting leaves in `structureOf`'s order. */
function withLeaves(value: unknown, replace: () => string): unknown {
  if (value === null || value === undefined) return value;
  if (isLeaf(value)) return replace();
  if (Array.isArray(value)) return value.map((item) => withLeaves(item, replace));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withLeaves(item, replace)]));
}

/**
 * Projections and aggregates: plain typed rows instead of objects. `select(User, ['id', 'username'])` picks
 * columns; `select(Message).groupBy(['user_id']).aggregate({ n: count(), last: max('created_at') })` groups.
 * Values mean what they mean in JavaScript over the values read, as filters do: timestamps group, compare and
 * take `min`/`max` by instant, text by JavaScript's string order; integers come back exact or as a
 * `DataIntegrityError`, never rounded.
 */
import type { ColumnKind } from './codec.ts';
import { decoders, integerSelectSql } from './codec.ts';
import type { ColumnConfig } from './columns.ts';
import {
  type CompiledWhere,
  compileOrder,
  compileWhere,
  isPlainObject,
  jsOrderTextSql,
  jsonValueSql,
  timestampInstantSql,
} from './compile.ts';
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import { ValidationError, type ValidationIssue } from './errors.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { checkIdentifier, quoteIdent } from './naming.ts';

const AGG = Symbol.for('litedao.aggregate');

/** The aggregate functions. */
export type AggregateFn = 'count' | 'countDistinct' | 'sum' | 'avg' | 'min' | 'max';

/** An aggregate over a column (or `count()` over rows). Build it with {@link count}, {@link sum}, … */
export interface Aggregate<Fn extends AggregateFn = AggregateFn, K extends string | undefined = string | undefined> {
  readonly [AGG]: true;
  readonly fn: Fn;
  readonly column: K;
}

function agg<Fn extends AggregateFn, K extends string | undefined>(fn: Fn, column: K): Aggregate<Fn, K> {
  return Object.freeze({ [AGG]: true as const, fn, column });
}

/** `count(*)`: the number of rows; `count('col')`: of rows where the column is not NULL. */
export function count(): Aggregate<'count', undefined>;
export function count<K extends string>(column: K): Aggregate<'count', K>;
export function count(column?: string): Aggregate<'count', string | undefined> {
  return agg('count', column);
}
/** The number of distinct non-NULL values (timestamps by instant). */
export function countDistinct<K extends string>(column: K): Aggregate<'countDistinct', K> {
  return agg('countDistinct', column);
}
/** The sum of non-NULL values; `null` when there are none (SQL's SUM). Exact for integers and bigints. */
export function sum<K extends string>(column: K): Aggregate<'sum', K> {
  return agg('sum', column);
}
/** The average of non-NULL values, as a number; `null` when there are none. */
export function avg<K extends string>(column: K): Aggregate<'avg', K> {
  return agg('avg', column);
}
/** The smallest non-NULL value (timestamps by instant, text in JavaScript's order); `null` when there are none. */
export function min<K extends string>(column: K): Aggregate<'min', K> {
  return agg('min', column);
}
/** The largest non-NULL value (timestamps by instant, text in JavaScript's order); `null` when there are none. */
export function max<K extends string>(column: K): Aggregate<'max', K> {
  return agg('max', column);
}

/** True for values built by the aggregate functions. */
export function isAggregate(v: unknown): v is Aggregate {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[AGG] === true;
}

type NumericKeys<Row> = { [K in keyof Row]: NonNullable<Row[K]> extends number | bigint | boolean ? K : never }[keyof Row] & string;
type OrderableKeys<Row> = {
  [K in keyof Row]: NonNullable<Row[K]> extends number | bigint | boolean | string | Date ? K : never;
}[keyof Row] &
  string;

/** Aggregates a query over rows of type `Row` accepts, by result name. */
export type AggregateSpec<Row> = Record<
  string,
  | Aggregate<'count', undefined>
  | Aggregate<'count', keyof Row & string>
  | Aggregate<'countDistinct' | 'min' | 'max', OrderableKeys<Row>>
  | Aggregate<'sum' | 'avg', NumericKeys<Row>>
>;

type AggregateValue<Row, A> =
  A extends Aggregate<'count' | 'countDistinct', string | undefined>
    ? number
    : A extends Aggregate<'avg', string>
      ? number | null
      : A extends Aggregate<'sum', infer K>
        ? K extends keyof Row
          ? (NonNullable<Row[K]> extends bigint ? bigint : number) | null
          : never
        : A extends Aggregate<'min' | 'max', infer K>
          ? K extends keyof Row
            ? NonNullable<Row[K]> | null
            : never
          : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The row an aggregate query returns: its group keys and one value per aggregate. */
export type AggregateRow<Row, G extends keyof Row, S> = Simplify<
  { -readonly [K in G]: Row[K] } & { -readonly [A in keyof S]: AggregateValue<Row, S[A]> }
>;

/** One output column of a projection or aggregate query. */
interface Output {
  readonly name: string;
  readonly kind: ColumnKind;
  /** The expression computing it from the table's columns. */
  readonly expr: string;
  /** Read through the integer guard (exact text beyond 2^53). */
  readonly guarded: boolean;
}

/** A compiled projection or aggregate: one statement and how to turn its rows into objects. */
export interface CompiledRows {
  readonly statement: Statement;
  decode(rows: readonly (readonly SqlValue[])[]): Record<string, unknown>[];
}

function decodeRows(outputs: readonly Output[], where: string) {
  return (rows: readonly (readonly SqlValue[])[]): Record<string, unknown>[] =>
    rows.map((raw) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < outputs.length; i++) {
        const out = outputs[i] as Output;
        const v = raw[i] ?? null;
        o[out.name] = v === null ? null : decoders[out.kind](v, `${where}.${out.name}`);
      }
      return o;
    });
}

function isIntegerKind(kind: ColumnKind): boolean {
  return kind === 'integer' || kind === 'bigint';
}

/**
 * `SELECT [DISTINCT] cols FROM t WHERE … ORDER BY … LIMIT …` returning plain rows. Under `distinct`,
 * timestamps are selected as their instant, so two spellings of one instant are one value, as in JavaScript.
 */
export function projectionStatement(
  meta: ModelMeta,
  columns: readonly ColumnMeta[],
  where: CompiledWhere,
  order: { sql: string },
  limit: number | undefined,
  offset: number | undefined,
  distinct: boolean,
): CompiledRows {
  const outputs: Output[] = columns.map((c) => ({
    name: c.name,
    kind: c.kind,
    expr: distinct && (c.kind === 'timestamp' || c.kind === 'json') ? `${distinctSql(c)} AS ${c.quoted}` : c.quoted,
    guarded: isIntegerKind(c.kind),
  }));
  const list = outputs.map((o) => (o.guarded ? integerSelectSql(o.expr) : o.expr)).join(', ');
  let sql = `SELECT ${distinct ? 'DISTINCT ' : ''}${list} FROM ${meta.quotedTable}${where.sql}${order.sql}`;
  const params = where.params.slice();
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(limit);
  } else if (offset !== undefined) sql += ' LIMIT -1';
  if (offset !== undefined) {
    sql += ' OFFSET ?';
    params.push(offset);
  }
  return {
    statement: { sql, params, returnsRows: true, columns: outputs.map((o) => o.name), readOnly: true },
    decode: decodeRows(outputs, meta.tableName),
  };
}

/**
 * What `distinct()` compares of a column: a timestamp's instant, a JSON column's value (see jsonValueSql),
 * otherwise the stored value.
 */
function distinctSql(c: ColumnMeta): string {
  if (c.kind === 'timestamp') return timestampInstantSql(c.quoted);
  if (c.kind === 'json') return jsonValueSql(c.quoted);
  return c.quoted;
}

/** `SELECT count(*)` over a projection (distinct rows when asked). */
export function projectionCountStatement(
  meta: ModelMeta,
  columns: readonly ColumnMeta[],
  where: CompiledWhere,
  distinct: boolean,
): Statement {
  const sql = distinct
    ? `SELECT count(*) FROM (SELECT DISTINCT ${columns.map(distinctSql).join(', ')} FROM ${meta.quotedTable}${where.sql})`
    : `SELECT count(*) FROM ${meta.quotedTable}${where.sql}`;
  return { sql, params: where.params, returnsRows: true, columns: ['count(*)'], readOnly: true };
}

const NUMERIC: ReadonlySet<ColumnKind> = new Set(['integer', 'real', 'bigint', 'boolean']);
const ORDERABLE: ReadonlySet<ColumnKind> = new Set(['integer', 'real', 'bigint', 'boolean', 'text', 'timestamp']);

/** The SQL and result kind of one aggregate, or an issue. */
function aggregateOutput(meta: ModelMeta, name: string, a: Aggregate, issues: ValidationIssue[]): Output | undefined {
  const path = ['aggregate', name];
  if (a.fn === 'count' && a.column === undefined) return { name, kind: 'integer', expr: 'count(*)', guarded: false };
  const col = typeof a.column === 'string' ? meta.byName.get(a.column) : undefined;
  if (!col) {
    issues.push({ path, message: `unknown column of ${meta.name}` });
    return undefined;
  }
  const q = col.quoted;
  switch (a.fn) {
    case 'count':
      // A JSON column's text `null` reads as null: not counted, as `isNull: false` does not match it.
      return { name, kind: 'integer', expr: `count(${col.kind === 'json' ? jsonValueSql(q) : q})`, guarded: false };
    case 'countDistinct':
      if (!ORDERABLE.has(col.kind)) break;
      return { name, kind: 'integer', expr: `count(DISTINCT ${col.kind === 'timestamp' ? timestampInstantSql(q) : q})`, guarded: false };
    case 'sum':
      if (!NUMERIC.has(col.kind)) break;
      {
        const kind: ColumnKind = col.kind === 'boolean' ? 'integer' : col.kind;
        return { name, kind, expr: `sum(${q})`, guarded: isIntegerKind(kind) };
      }
    case 'avg':
      if (!NUMERIC.has(col.kind)) break;
      return { name, kind: 'real', expr: `avg(${q})`, guarded: false };
    case 'min':
    case 'max': {
      if (!ORDERABLE.has(col.kind)) break;
      let expr = `${a.fn}(${q})`;
      if (col.kind === 'timestamp') expr = `${a.fn}(${timestampInstantSql(q)})`;
      else if (col.kind === 'text') {
        // Compare in JavaScript's order, then undo the order-key transformation (jsOrderTextSql).
        expr = `replace(replace(${a.fn}(${jsOrderTextSql(q)}), x'F5EE', x'EE'), x'F5EF', x'EF')`;
      }
      return { name, kind: col.kind, expr, guarded: isIntegerKind(col.kind) };
    }
  }
  issues.push({ path, message: `${a.fn} is not available on ${col.kind} columns` });
  return undefined;
}

/** A pseudo model over an aggregate's result columns, so `having` and `orderBy` compile like filters. */
function outputMeta(outputs: readonly Output[], name: string): ModelMeta {
  const cols: ColumnMeta[] = outputs.map((o, position) => {
    const config: ColumnConfig = { kind: o.kind, nullable: true, hasDefault: false, unique: false, index: false };
    return {
      name: o.name,
      quoted: quoteIdent(o.name),
      kind: o.kind,
      nullable: true,
      position,
      owned: false,
      managed: false,
      config,
      decode: decoders[o.kind],
      schema: undefined as never,
      eqKey: `${o.name}:eq;`,
      setKey: `${o.name},`,
      where: `${name}.${o.name}`,
    };
  });
  return {
    name,
    tableName: 'litedao:agg',
    quotedTable: '"litedao:agg"',
    columns: cols,
    userColumns: cols,
    byName: new Map(cols.map((c) => [c.name, c])),
    sqlCache: new Map(),
    relationDecls: new Map(),
  } as unknown as ModelMeta;
}

/** Options of {@link aggregateStatement}. */
export interface AggregateParts {
  readonly groupBy: readonly string[];
  readonly spec: Record<string, unknown>;
  readonly having: unknown;
  readonly orderBy: unknown;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

/**
 * `SELECT keys, aggregates FROM (SELECT … GROUP BY …) WHERE having ORDER BY … LIMIT …`. The inner query
 * computes raw values; the outer one filters and sorts them as filters do and reads integers through the
 * guard.
 */
export function aggregateStatement(meta: ModelMeta, where: CompiledWhere, parts: AggregateParts, limits: DriverLimits): CompiledRows {
  const issues: ValidationIssue[] = [];
  const groups: ColumnMeta[] = [];
  for (const g of parts.groupBy) {
    const col = typeof g === 'string' ? meta.byName.get(g) : undefined;
    // The path names a string as it is, anything else by its type: String() throws on a Symbol or an object
    // without a prototype (a TypeError, not the ValidationError this is).
    if (!col)
      issues.push({
        path: ['groupBy', typeof g === 'string' ? g : `(${g === null ? 'null' : typeof g})`],
        message: `unknown column of ${meta.name}`,
      });
    else if (col.kind === 'json' || col.kind === 'blob')
      issues.push({ path: ['groupBy', g], message: `cannot group by a ${col.kind} column` });
    else groups.push(col);
  }
  if (!isPlainObject(parts.spec) || Object.keys(parts.spec).length === 0) {
    issues.push({ path: ['aggregate'], message: 'expected { name: count() | sum(col) | … }' });
  }
  const outputs: Output[] = groups.map((c) => ({
    name: c.name,
    kind: c.kind,
    expr: c.kind === 'timestamp' ? timestampInstantSql(c.quoted) : c.quoted,
    guarded: isIntegerKind(c.kind),
  }));
  const seen = new Map<string, string>();
  for (const name of isPlainObject(parts.spec) ? Object.keys(parts.spec) : []) {
    try {
      checkIdentifier(name, 'aggregate name');
    } catch {
      issues.push({ path: ['aggregate', name], message: 'a result name may hold only letters, digits and _' });
      continue;
    }
    // SQLite's identifiers are case-insensitive (ASCII): `N` next to a groupBy column `n`, or `c` next to `C`,
    // would read the other column. Refused, as models refuse such column names.
    const folded = name.toLowerCase();
    if (groups.some((g) => g.name.toLowerCase() === folded)) {
      issues.push({
        path: ['aggregate', name],
        message: 'a result name may not repeat a groupBy column (names differing only in case are the same in SQLite)',
      });
      continue;
    }
    if (seen.has(folded)) {
      issues.push({
        path: ['aggregate', name],
        message: `a result name differing from "${seen.get(folded)}" only in case (the same name in SQLite)`,
      });
      continue;
    }
    seen.set(folded, name);
    const a = parts.spec[name];
    if (!isAggregate(a)) {
      issues.push({ path: ['aggregate', name], message: 'expected count(), countDistinct(col), sum(col), avg(col), min(col) or max(col)' });
      continue;
    }
    const out = aggregateOutput(meta, name, a, issues);
    if (out) outputs.push(out);
  }
  if (issues.length) throw new ValidationError(`invalid aggregate for ${meta.name}`, issues);
  const om = outputMeta(outputs, `${meta.name} aggregate`);
  const having = compileWhere(om, parts.having, limits, 'having');
  const order = compileOrder(om, parts.orderBy);
  const inner =
    `SELECT ${outputs.map((o) => `${o.expr} AS ${quoteIdent(o.name)}`).join(', ')} FROM ${meta.quotedTable}${where.sql}` +
    (groups.length ? ` GROUP BY ${groups.map((g) => (g.kind === 'timestamp' ? timestampInstantSql(g.quoted) : g.quoted)).join(', ')}` : '');
  const list = outputs.map((o) => (o.guarded ? integerSelectSql(quoteIdent(o.name)) : quoteIdent(o.name))).join(', ');
  let sql = `SELECT ${list} FROM (${inner}) AS "litedao:agg"${having.sql}${order.sql}`;
  const params = [...where.params, ...having.params];
  if (parts.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(parts.limit);
  } else if (parts.offset !== undefined) sql += ' LIMIT -1';
  if (parts.offset !== undefined) {
    sql += ' OFFSET ?';
    params.push(parts.offset);
  }
  return {
    statement: { sql, params, returnsRows: true, columns: outputs.map((o) => o.name), readOnly: true },
    decode: decodeRows(outputs, meta.tableName),
  };
}

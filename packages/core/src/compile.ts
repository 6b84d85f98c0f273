/**
 * SQL compilation. Every statement litedao sends is built here from a model's metadata, with values always
 * bound as parameters and identifiers always taken from the model (never from caller strings).
 *
 * SQL text is cached per model and query *shape* (`ModelMeta.sqlCache`), so the hot path — get by id, simple
 * selects, single-row writes — looks the text up instead of rebuilding it, and the drivers' prepared
 * statement caches (keyed by SQL text) hit every time.
 */

import type { ColumnKind } from './codec.ts';
import { formatTimestamp, integerSelectSql, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, paramSql, parseTimestamp } from './codec.ts';
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import { LimitExceededError, ValidationError, type ValidationIssue } from './errors.ts';
import { type ColumnRef, isColumnRef } from './expressions.ts';
import { type ColumnMeta, type ModelMeta, metaOf, type RelationsOfEntity, type Row, type RowOfEntity } from './model-meta.ts';
import { type Relation, type RelationKind, type RelationMeta, relationsOf } from './relations.ts';

// biome-ignore lint/suspicious/noExplicitAny: any relation
type RelationValueOf<R> = R extends Relation<infer V, RelationKind, any> ? V : never;

import { checkConditions, encodeValue, type UpdateShape } from './validate.ts';

/**
 * SQL for "now", UTC, in the layout Python's SQLAlchemy writes: `CURRENT_TIMESTAMP` plus six fractional digits
 * (`2026-11-22 03:04:05.123000`). SQLite has millisecond resolution, so the last three digits are literal zeros:
 * SQLAlchemy 1.4 reads a 3-digit fraction `.123` as 123 *microseconds*, six digits read correctly everywhere.
 */
export const NOW_SQL = "strftime('%Y-%m-%d %H:%M:%f000', 'now')";

/**
 * The same text as {@link NOW_SQL}, for the statements litedao sends (the schema's defaults and trigger keep
 * `NOW_SQL`, whose text is part of the stored schema). `datetime(…, 'subsec')` formats the same instant with
 * the same millisecond digits at about a third of `strftime`'s cost (measured: 0.5 vs 1.7 µs a call, most of
 * an UPDATE by id's own SQL time); SQLite before 3.42 has no `subsec` modifier and returns NULL, so the
 * `strftime` form is the fallback. A generated test holds the two texts equal over instants of years 0000–9999.
 */
export const STATEMENT_NOW_SQL = `coalesce(datetime('now', 'subsec') || '000', ${NOW_SQL})`;

/**
 * A stored timestamp in litedao's layout, whatever layout it was written in (SQLite parses the text, so a
 * template-written `2026-11-22 03:04:05` and a `2026-11-22T03:04:05Z` compare as the instants they are).
 * NULL when the text is not a timestamp SQLite can read. The `'+0 seconds'` modifier makes SQLite print the
 * instant it computed (its julian day, rounded to the millisecond) rather than the text's own fraction, which
 * `%f` would round differently (`05.1235` prints as `05.123` but is the instant `05.124`).
 */
export function canonicalTimestampSql(expr: string): string {
  return `strftime('%Y-%m-%d %H:%M:%f000', ${expr}, '+0 seconds')`;
}

/**
 * The instant a timestamp column holds, as litedao's canonical text (`YYYY-MM-DD HH:MM:SS.mmm000`, which
 * compares as text in instant order), or NULL exactly when litedao's reader (`parseTimestamp`) refuses the
 * stored value: not text, another layout, a field out of range (`2026-02-31`, `24:00`), more than 15
 * fractional digits, or an instant outside years 0000–9999 UTC. Filters and ORDER BY on timestamp columns
 * compare this, so they agree with the `Date`s the reader returns for every layout it accepts.
 */
export function timestampInstantSql(q: string): string {
  // The date part is checked by realDate below (strftime prints exactly YYYY-MM-DD). GLOB patterns stay under
  // D1's 50-byte LIKE/GLOB pattern limit.
  const layout =
    `(length(${q}) = 10 OR (substr(${q}, 11, 6) GLOB '[ T][0-9][0-9]:[0-9][0-9]' AND substr(${q}, 12, 2) < '24' ` +
    // SQLite also skips whitespace around the offset and reads any number of digits; the reader does not.
    `AND substr(${q}, 12) NOT GLOB '*[' || char(9, 10, 11, 12, 13, 32) || ']*' AND (length(${q}) <= 35 ` +
    `OR (length(${q}) = 36 AND substr(${q}, -1) IN ('Z', 'z')) OR (length(${q}) <= 41 AND substr(${q}, -6, 1) IN ('+', '-')))))`;
  // SQLite rolls 2026-02-31 over to March: a real date prints back as itself.
  const realDate = `substr(${q}, 1, 10) = strftime('%Y-%m-%d', substr(${q}, 1, 10))`;
  // An offset can move 0000-01-01 before year 0, which prints as '-001-…': max(…, '0') then nullif drops it.
  return `(CASE WHEN typeof(${q}) = 'text' AND ${layout} AND ${realDate} THEN nullif(max(${canonicalTimestampSql(q)}, '0'), '0') END)`;
}

/**
 * A text expression whose byte order (SQLite's BINARY collation) is JavaScript's string order. SQLite
 * compares UTF-8 bytes, i.e. code points; JavaScript compares UTF-16 code units, where U+E000–U+FFFF sort
 * after the supplementary characters (surrogate pairs). Putting the byte F5 (which UTF-8 never uses) before the
 * lead bytes EE and EF of U+E000–U+FFFF moves exactly those characters above all others.
 */
export function jsOrderTextSql(expr: string): string {
  return `replace(replace(${expr}, x'EE', x'F5EE'), x'EF', x'F5EF')`;
}

/**
 * litedao's stored timestamp layout as a GLOB (`YYYY-MM-DD HH:MM:SS.ffffff`, 26 characters, four digits
 * first): 43 bytes, under D1's 50-byte pattern limit.
 */
export const STORED_LAYOUT_GLOB = "'[0-9][0-9][0-9][0-9]-??-?? ??:??:??.??????'";

/**
 * litedao's stored layout on SQLite's millisecond grid (the last three fractional digits zero), as a GLOB:
 * the text of every timestamp litedao writes. 43 bytes, under D1's 50-byte pattern limit.
 */
export const STORED_GRID_GLOB = "'[0-9][0-9][0-9][0-9]-??-?? ??:??:??.???000'";

/**
 * What every update litedao sends writes to `updated_at`: now, but never earlier than the row's stored
 * `updated_at` or `created_at` (compared as instants). A writer with a coarser clock (the Python template
 * writes whole seconds) or a skewed one can then never move `updated_at` backwards, and the table trigger
 * applies the same rule to everyone else's updates.
 *
 * Comparing instants parses both stored values with `strftime`, most of the SQL cost of an update by id. Rows
 * litedao wrote are recognized without parsing: `updated_at` in the stored layout on the millisecond grid,
 * `created_at` in the stored layout, `created_at <= updated_at` as text. For such text with valid fields the
 * parsed instant of `updated_at` is its own text, text order is instant order (and rounding `created_at`'s
 * fraction to milliseconds keeps it there), so the full rule's answer is `max(now, updated_at)`. Any other row
 * takes the full rule. "now" appears once: SQLite computes each occurrence of it separately. (A stored value
 * with a field out of range — which the reader refuses, and SQLite rolls forward — compares as its text on the
 * shortcut, as in the trigger: docs/design.md.)
 */
export const TOUCH_SQL =
  `max(${STATEMENT_NOW_SQL}, CASE WHEN "updated_at" GLOB ${STORED_GRID_GLOB} AND "created_at" GLOB ${STORED_LAYOUT_GLOB} ` +
  `AND "created_at" <= "updated_at" THEN "updated_at" ` +
  `ELSE max(coalesce(${canonicalTimestampSql('"updated_at"')}, ''), coalesce(${canonicalTimestampSql('"created_at"')}, '')) END)`;

/**
 * Comparison operators of a filter on one column. `K` names the columns a value may be compared with instead
 * of a constant (`{ updated_at: { gt: col('created_at') } }`).
 */
export interface Operators<T, K extends string = never> {
  eq?: T | null | ColumnRef<K>;
  ne?: T | null | ColumnRef<K>;
  lt?: T | ColumnRef<K>;
  lte?: T | ColumnRef<K>;
  gt?: T | ColumnRef<K>;
  gte?: T | ColumnRef<K>;
  in?: readonly T[];
  notIn?: readonly T[];
  isNull?: boolean;
  /**
   * SQLite's LIKE with `\` as escape character: `%` and `_` are wildcards, `\x` is the character x, and
   * letters match ignoring case for ASCII only (`'A' LIKE 'a'` is true, `'Я' LIKE 'я'` is false). A pattern
   * ending in a `\` that escapes nothing is a ValidationError (write `\\` for a backslash; see `escapeLike`).
   * Text columns only; D1 limits the pattern to 50 bytes.
   */
  like?: string;
  /** The text includes the string, exactly as `String.prototype.includes` (case-sensitive, all of Unicode). */
  contains?: string;
  /** The text starts with the string, exactly as `String.prototype.startsWith`. */
  startsWith?: string;
  /** The text ends with the string, exactly as `String.prototype.endsWith`. */
  endsWith?: string;
}

/** A filter on one column: a value (equality; `null` means IS NULL) or an object of operators. */
export type Condition<T, K extends string = never> = T | null | Operators<T, K>;

/** Columns of a row whose values can be compared with column `K`'s (numbers with numbers, dates with dates, …). */
type ComparableKeys<Row, K extends keyof Row> = {
  [J in keyof Row]: NonNullable<Row[J]> extends number | bigint
    ? NonNullable<Row[K]> extends number | bigint
      ? J
      : never
    : NonNullable<Row[J]> extends NonNullable<Row[K]>
      ? NonNullable<Row[K]> extends NonNullable<Row[J]>
        ? J
        : never
      : never;
}[keyof Row] &
  string;

/** Column conditions on a row type, all AND-ed. */
export type ColumnFilters<Row> = { [K in keyof Row]?: Condition<Exclude<Row[K], null>, ComparableKeys<Row, K>> };

/** Conditions on a relationship: `some`/`none`/`every` related object matches (collections), or `is`/`isNot` (references). */
export type RelationFilter<V> = V extends readonly (infer T)[]
  ? { some?: EntityFilters<T>; none?: EntityFilters<T>; every?: EntityFilters<T> }
  : { is?: EntityFilters<NonNullable<V>> | null; isNot?: EntityFilters<NonNullable<V>> | null };

/** Filters on a model instance type: column conditions, relationship conditions and `or`/`and`/`not`. */
export type EntityFilters<E> = ColumnFilters<RowOfEntity<E>> & {
  /** At least one of the filters matches (`[]` matches nothing). */
  or?: readonly EntityFilters<E>[];
  /** Every filter matches (`[]` adds no condition). */
  and?: readonly EntityFilters<E>[];
  /** The filter does not match (rows where it would compare NULL count as not matching, as in JavaScript). */
  not?: EntityFilters<E>;
} & {
  [K in keyof RelationsOfEntity<E>]?: RelationFilter<RelationValueOf<RelationsOfEntity<E>[K]>>;
};

/**
 * Filters on a model: column → condition, AND-ed, plus `or`/`and`/`not` and relationship conditions
 * (`{ messages: { some: { text: { contains: 'x' } } } }`). Keys are checked against the model's columns and
 * relationships (an unknown key, `__proto__` or `constructor` is a ValidationError), values against the
 * column's schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: any model constructor
export type Filters<M> = M extends abstract new (...args: any[]) => infer E ? EntityFilters<E> : never;

/** Sort order on a row type. */
export type OrderByRow<Row> = { [K in keyof Row]?: 'asc' | 'desc' } | readonly { [K in keyof Row]?: 'asc' | 'desc' }[];

/** Sort order: `{ created_at: 'desc' }`, or a list of such entries for several keys. */
export type OrderBy<M> = OrderByRow<Row<M>>;

const OPERATORS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull', 'like', 'contains', 'startsWith', 'endsWith']);
const COMPARE: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
const TEXT_OPS = new Set(['like', 'contains', 'startsWith', 'endsWith']);

/** A plain object (not a Date, array, Uint8Array or class instance): the shape of an operator object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'` (for building your own `like` patterns). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

/**
 * True when a LIKE pattern ends in an escape character (`\`) that escapes nothing: an odd run of them at the
 * end. SQLite's LIKE then matches no row at all, whatever the text; litedao refuses the pattern instead.
 */
function danglingEscape(pattern: string): boolean {
  let run = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern.charCodeAt(i) === 0x5c; i--) run++;
  return run % 2 === 1;
}

/**
 * UTF-8 byte length, without allocating (D1's limits are in bytes; TextEncoder would copy up to 100 KB of SQL
 * per statement). A lone surrogate counts as the 3 bytes of U+FFFD, as an encoder would write it.
 */
export function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

const NO_PATH: readonly string[] = Object.freeze([]);

/**
 * Validates and encodes one filter value against its column (null is handled by the operators). Issues go at
 * `path`, then `key` when given (the path is built only for an issue).
 */
function filterValue(col: ColumnMeta, v: unknown, issues: ValidationIssue[], path: readonly (string | number)[], key?: string): SqlValue {
  if (v === null || v === undefined) {
    issues.push({
      path: key === undefined ? path : [...path, key],
      message: v === null ? 'null is only allowed with eq / ne / isNull' : 'undefined is not a filter value',
    });
    return null;
  }
  return encodeValue(col, v, issues, path, key);
}

const TWO_53 = 2 ** 53;
const TWO_63 = 2 ** 63;

/**
 * A number as JSON that SQLite's `json_each` reads back as the very same value. Shortest decimal form is not
 * enough: an integral double in [2^53, 2^63) such as 265562961552476608 prints as `265562961552476600`, which
 * SQLite reads as that (different) INTEGER, so `IN` missed rows `=` finds. Such values are written with their
 * exact digits (an exact INTEGER, compared exactly with the REAL), larger ones in exponent form (a REAL).
 */
function jsonNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) >= TWO_53) return Math.abs(v) < TWO_63 ? BigInt(v).toString() : v.toExponential();
  return JSON.stringify(v);
}

/**
 * A JSON array of encoded values for `IN (SELECT value FROM json_each(?))`, each read back by SQLite as the
 * very value `=` compares: reals via {@link jsonNumber}, bigint columns' decimal text as a bare JSON integer.
 */
function jsonList(values: SqlValue[], kind: ColumnKind): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out +=
      (i ? ',' : '') +
      (typeof v === 'bigint' || (kind === 'bigint' && typeof v === 'string')
        ? String(v)
        : typeof v === 'number'
          ? jsonNumber(v)
          : JSON.stringify(v));
  }
  return `${out}]`;
}

/** The compiled WHERE clause of a filter object. */
export interface CompiledWhere {
  /** Cache key of the clause's shape: `column:op;` per condition, never values. */
  readonly key: string;
  /** ` WHERE …` or the empty string. */
  readonly sql: string;
  readonly params: SqlValue[];
}

const EMPTY_WHERE: CompiledWhere = { key: '', sql: '', params: [] };

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant shifted by `days`, clamped to the years timestamps hold. */
function dayText(ms: number, days: number): string {
  const t = Math.min(Math.max(ms + days * DAY_MS, MIN_TIMESTAMP_MS), MAX_TIMESTAMP_MS);
  return formatTimestamp(new Date(t)).slice(0, 10);
}

/**
 * Index-friendly bounds on the stored text of a timestamp column for instants in [lo, hi]. Every layout the
 * reader accepts starts with the local date, and an offset (at most ±14:59) moves it by at most one day from
 * the UTC date, so rows whose instant is in range have stored text ≥ (day before lo) and < (two days after
 * hi). Where the stored layout is canonical, SQLite can use an index on the column for this range.
 */
function timestampLowerBound(ms: number): string {
  return dayText(ms, -1);
}
function timestampUpperBound(ms: number): string {
  return ms + 2 * DAY_MS > MAX_TIMESTAMP_MS ? '9999-12-32' : dayText(ms, 2);
}

/**
 * For text comparisons in JavaScript order (see {@link jsOrderTextSql}): the longest prefix of `v` made of
 * characters below U+E000, where JavaScript's and SQLite's orders agree. Any text JavaScript orders at or
 * after `v` is ≥ this prefix in SQLite's order; any text it orders at or before `v` is < its successor.
 */
function orderPrefix(v: string): string {
  let i = 0;
  while (i < v.length && v.charCodeAt(i) < 0xd800) i++;
  return v.slice(0, i);
}

/**
 * The smallest text greater, in SQLite's (code point) order, than every text starting with `p`: `p` with its
 * last code point incremented (skipping the surrogate range), or undefined when there is none.
 */
function prefixSuccessor(p: string): string | undefined {
  const cps = Array.from(p);
  while (cps.length > 0) {
    const last = (cps.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/**
 * True for a JSON column's text `null` (what SQLAlchemy's JSON type stores for None), with JSON's whitespace
 * around it: the reader gives `null` for it, so `{ j: null }` must match it as it matches SQL NULL.
 */
function jsonNullSql(q: string): string {
  return `(typeof(${q}) = 'text' AND trim(${q}, ' ' || char(9, 10, 13)) = 'null')`;
}

/**
 * The value of a JSON column as filters, `distinct()` and `count(col)` compare it: NULL for SQL NULL and for
 * the text `null` (read as null, as `isNull` treats it); a top-level number as an SQL number (so `1.0`, `1`,
 * `1e0` and `1.0E+0` are one value, as JavaScript reads them); anything else as SQLite's minified JSON text
 * (`json()`: whitespace between tokens does not matter, so `{"a": 1}` written by Python's `json.dumps` equals
 * litedao's `{"a":1}`). Key order, string escapes and the spelling of numbers inside arrays and objects stay
 * significant. Text that is not valid JSON is left as it is (never equal to a valid value; reading it is a
 * DataIntegrityError).
 */
export function jsonValueSql(q: string): string {
  return (
    `CASE WHEN json_valid(${q}) THEN CASE json_type(${q}) WHEN 'null' THEN NULL WHEN 'integer' THEN json_extract(${q}, '$') ` +
    `WHEN 'real' THEN json_extract(${q}, '$') ELSE json(${q}) END ELSE ${q} END`
  );
}

/**
 * The bound JSON text of an `eq`/`ne` read as {@link jsonValueSql} reads a stored value: one parameter, the
 * subquery evaluated once per statement.
 */
const JSON_PARAM_SQL = `(SELECT ${jsonValueSql('x')} FROM (SELECT ? AS x))`;

/**
 * The SQL of one condition, from its shape code (see {@link compileWhere}). Codes with `~` carry extra bound
 * values (index-friendly range bounds) before the value itself; `compileWhere` pushes them in the same order.
 */
function conditionSql(col: ColumnMeta, op: string): string {
  const q = col.quoted;
  switch (op) {
    case 'null':
      return col.kind === 'json' ? `(${q} IS NULL OR ${jsonNullSql(q)})` : `${q} IS NULL`;
    case 'notnull':
      return col.kind === 'json' ? `(${q} IS NOT NULL AND NOT ${jsonNullSql(q)})` : `${q} IS NOT NULL`;
    case 'none':
      return '0';
    case 'all':
      return '1';
    case 'like':
      return `${q} LIKE ? ESCAPE '\\'`;
    case 'contains':
      return `instr(${q}, ?) > 0`;
    case 'startsWith':
      // The texts that start with s are exactly those in [s, successor(s)) in SQLite's code point order.
      return `${q} >= ? AND ${q} < ?`;
    case 'startsWith~':
      return `${q} >= ?`;
    case 'endsWith':
      return `substr(${q}, length(${q}) - length(?) + 1) = ?`;
  }
  if (col.kind === 'timestamp') {
    const t = timestampInstantSql(q);
    switch (op) {
      case 'eq':
        return `${q} >= ? AND ${q} < ? AND ${t} = ?`;
      case 'ne':
        return `${t} IS NOT ?`;
      case 'in':
        return `${q} >= ? AND ${q} < ? AND ${t} IN (SELECT value FROM json_each(?))`;
      case 'notIn':
        return `(${t} IS NULL OR ${t} NOT IN (SELECT value FROM json_each(?)))`;
      case 'lt':
      case 'lte':
        return `${q} < ? AND ${t} ${COMPARE[op]} ?`;
      default:
        return `${q} >= ? AND ${t} ${COMPARE[op]} ?`;
    }
  }
  if (col.kind === 'json') {
    // By JSON value (see jsonValueSql), not stored text; the bound value is litedao's JSON text of a non-null value.
    if (op === 'eq') return `${jsonValueSql(q)} = ${JSON_PARAM_SQL}`;
    if (op === 'ne') return `${jsonValueSql(q)} IS NOT ${JSON_PARAM_SQL}`;
  }
  switch (op) {
    case 'eq':
      return `${q} = ${paramSql(col.kind)}`;
    case 'ne':
      // IS NOT keeps NULL rows for `ne`, as JS `!==` would.
      return `${q} IS NOT ${paramSql(col.kind)}`;
    case 'in':
      return `${q} IN (SELECT value FROM json_each(?))`;
    case 'notIn':
      // NULL rows are kept, as for `ne`: null is not in the list.
      return `(${q} IS NULL OR ${q} NOT IN (SELECT value FROM json_each(?)))`;
  }
  if (col.kind === 'text') {
    const cmp = `${jsOrderTextSql(q)} ${COMPARE[op.replace('~', '')]} ${jsOrderTextSql('?')}`;
    switch (op) {
      case 'lt':
      case 'lte':
        return `${q} < ? AND ${cmp}`;
      case 'lt~':
      case 'lte~':
        return cmp;
      default:
        return `${q} >= ? AND ${cmp}`;
    }
  }
  return `${q} ${COMPARE[op]} ${paramSql(col.kind)}`;
}

/**
 * Compiles filters to a WHERE clause. Throws ValidationError listing every bad key and value (nothing is
 * sent), LimitExceededError when a LIKE pattern is longer than the adapter allows.
 *
 * One pass validates and binds the values while building only the shape key (`name:eq;age:gt;`); the SQL
 * text is derived from the key once per shape and cached, so repeated queries build no SQL.
 *
 * Every operator means what it means in JavaScript over the values litedao reads: timestamps compare as the
 * instants the reader returns, whatever layout they were written in; text compares in JavaScript's string
 * order; `contains`/`startsWith`/`endsWith` are case-sensitive for all of Unicode; `in`/`notIn` agree with
 * `eq`/`ne` for every value; `ne` and `notIn` keep NULL rows. Only `like` is SQLite's own LIKE.
 *
 * `in` lists compile to `IN (SELECT value FROM json_each(?))`: one bound parameter however long the list, so
 * `findByIds` with 5,000 ids stays under D1's 100-parameter limit in one statement, and the SQL text is the
 * same for every list length (one cached statement).
 */
export function compileWhere(meta: ModelMeta, filters: unknown, limits: DriverLimits, what = 'filters'): CompiledWhere {
  lastFilters = filters;
  lastMeta = meta;
  if (filters === undefined || filters === null) return EMPTY_WHERE;
  if (!isPlainObject(filters)) {
    throw new ValidationError(`invalid ${what}`, [{ path: [], message: 'filters must be a plain object of column → condition' }]);
  }
  const keys = Object.keys(filters);
  if (keys.length === 0) return EMPTY_WHERE;
  if (keys.length === 1) {
    // The most common filter, one column equal to a value (`{ id: 5 }`): no loop, one exact-size params array.
    const k = keys[0] as string;
    const col = meta.byName.get(k);
    const cond = filters[k];
    if (col !== undefined && col.kind !== 'timestamp' && cond !== null && !isPlainObject(cond) && !isColumnRef(cond)) {
      const issues: ValidationIssue[] = [];
      const value = filterValue(col, cond, issues, NO_PATH, k);
      if (issues.length) throw new ValidationError(`invalid ${what} for ${meta.name}`, issues);
      return { key: col.eqKey, sql: whereSql(meta, col.eqKey), params: [value] };
    }
  }
  const issues: ValidationIssue[] = [];
  const params: SqlValue[] = [];
  let key = '';
  for (const k of keys) {
    const col = meta.byName.get(k);
    // Composition (or/and/not) and relationship conditions: the general path below.
    if (!col) return compileComposite(meta, filters, keys, limits, what);
    const cond = filters[k];
    if (!isPlainObject(cond)) {
      if (cond === null) key += `${k}:null;`;
      else if (col.kind === 'timestamp') key += compare(col, 'eq', filterValue(col, cond, issues, NO_PATH, k), params);
      else if (isColumnRef(cond)) key += columnRefCode(meta, col, 'eq', cond, issues, [k]);
      else {
        params.push(filterValue(col, cond, issues, NO_PATH, k));
        key = key === '' ? col.eqKey : `${key}${col.eqKey}`; // precomputed: the common `{ id: 5 }` builds no string
      }
      continue;
    }
    key += columnCondition(meta, col, cond, params, issues, [k], limits);
  }
  if (issues.length) throw new ValidationError(`invalid ${what} for ${meta.name}`, issues);
  return { key, sql: whereSql(meta, key), params };
}

/** The WHERE clause `col = ?` (one column equal to a value), cached as {@link compileWhere} caches it. */
export function eqWhereSql(meta: ModelMeta, col: ColumnMeta): string {
  return whereSql(meta, col.eqKey);
}

/** The WHERE clause of a shape key, derived once per shape (a lookup, no closure, on every later call). */
function whereSql(meta: ModelMeta, key: string): string {
  let sql = meta.sqlCache.get(key);
  if (sql === undefined) {
    sql = ` WHERE ${conditionsSql(meta, key)}`;
    meta.sqlCache.set(key, sql);
  }
  return sql;
}

/** The SQL of a run of column conditions from their shape key (`name:op;…`), AND-ed. */
function conditionsSql(meta: ModelMeta, key: string): string {
  return key
    .slice(0, -1)
    .split(';')
    .map((piece) => {
      const at = piece.lastIndexOf(':');
      const col = meta.byName.get(piece.slice(0, at)) as ColumnMeta;
      const op = piece.slice(at + 1);
      const ref = op.indexOf('@');
      return ref < 0 ? conditionSql(col, op) : refConditionSql(col, op.slice(0, ref), meta.byName.get(op.slice(ref + 1)) as ColumnMeta);
    })
    .join(' AND ');
}

/**
 * Validates and binds the operator object of one column and returns its shape code (`name:op;` per
 * operator). Issues are collected; nothing is thrown for bad values.
 */
function columnCondition(
  meta: ModelMeta,
  col: ColumnMeta,
  cond: Record<string, unknown>,
  params: SqlValue[],
  issues: ValidationIssue[],
  at: (string | number)[],
  limits: DriverLimits,
): string {
  const k = col.name;
  let key = '';
  const ops = Object.keys(cond);
  if (ops.length === 0) issues.push({ path: at, message: 'empty operator object' });
  for (const op of ops) {
    const v = cond[op];
    const path = [...at, op];
    if (!OPERATORS.has(op)) {
      issues.push({ path, message: `unknown operator (use one of ${[...OPERATORS].join(', ')})` });
      continue;
    }
    if (TEXT_OPS.has(op)) {
      if (col.kind !== 'text') {
        issues.push({ path, message: `${op} applies to text columns only` });
        continue;
      }
      if (typeof v !== 'string' || !v.isWellFormed() || v.includes('\0')) {
        issues.push({ path, message: 'expected a well-formed string' });
        continue;
      }
      if (op === 'like' && danglingEscape(v)) {
        issues.push({ path, message: 'the pattern ends in an escape character that escapes nothing: write \\\\ for a backslash' });
        continue;
      }
      key += textOperator(meta, col, op, v, params, limits);
      continue;
    }
    if (isColumnRef(v)) {
      if (op === 'in' || op === 'notIn' || op === 'isNull') issues.push({ path, message: `${op} takes values, not col()` });
      else key += columnRefCode(meta, col, op, v, issues, path);
      continue;
    }
    switch (op) {
      case 'eq':
      case 'ne':
        if (v === null) key += `${k}:${op === 'eq' ? 'null' : 'notnull'};`;
        else key += compare(col, op, filterValue(col, v, issues, path), params);
        break;
      case 'isNull':
        if (typeof v !== 'boolean') issues.push({ path, message: 'expected true or false' });
        else key += `${k}:${v ? 'null' : 'notnull'};`;
        break;
      case 'in':
      case 'notIn': {
        if (!Array.isArray(v)) {
          issues.push({ path, message: 'expected an array' });
          break;
        }
        if (col.kind === 'blob' || col.kind === 'json') {
          issues.push({ path, message: `${op} is not available on ${col.kind} columns` });
          break;
        }
        if (v.length === 0) {
          key += `${k}:${op === 'in' ? 'none' : 'all'};`;
          break;
        }
        // An index loop, not map(): map skips a sparse array's holes, which became `[1,,2]` (malformed JSON).
        const encoded: SqlValue[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) {
            issues.push({ path: [...at, op, i], message: 'a hole in the list (sparse array): expected a value' });
            encoded[i] = null;
          } else encoded[i] = filterValue(col, v[i], issues, [...at, op, i]);
        }
        if (col.kind === 'timestamp' && op === 'in') {
          // The list's range bounds the stored text (see timestampLowerBound); the list itself is exact.
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (const x of v) {
            const t = x instanceof Date ? x.getTime() : Number.NaN;
            if (t < lo) lo = t;
            if (t > hi) hi = t;
          }
          if (!Number.isNaN(lo) && !Number.isNaN(hi)) params.push(timestampLowerBound(lo), timestampUpperBound(hi));
          else params.push('', '');
        }
        params.push(jsonList(encoded, col.kind));
        key += `${k}:${op};`;
        break;
      }
      default: {
        if (col.kind === 'blob' || col.kind === 'json' || col.kind === 'boolean') {
          issues.push({ path, message: `${op} is not available on ${col.kind} columns` });
          break;
        }
        key += compare(col, op, filterValue(col, v, issues, path), params);
      }
    }
  }
  return key;
}

const NUMERIC_KINDS: ReadonlySet<string> = new Set(['integer', 'real', 'bigint']);

/** Checks a comparison between two columns of the same row and returns its shape code (`a:gt@b;`). */
function columnRefCode(
  meta: ModelMeta,
  col: ColumnMeta,
  op: string,
  ref: ColumnRef,
  issues: ValidationIssue[],
  path: (string | number)[],
): string {
  const other = typeof ref.column === 'string' ? meta.byName.get(ref.column) : undefined;
  if (!other) {
    issues.push({ path, message: `col(): unknown column of ${meta.name}` });
    return '';
  }
  const comparable = col.kind === other.kind || (NUMERIC_KINDS.has(col.kind) && NUMERIC_KINDS.has(other.kind));
  if (!comparable || col.kind === 'json' || col.kind === 'blob') {
    issues.push({ path, message: `cannot compare a ${col.kind} column with a ${other.kind} column` });
    return '';
  }
  if (col.kind === 'boolean' && op !== 'eq' && op !== 'ne') {
    issues.push({ path, message: `${op} is not available on boolean columns` });
    return '';
  }
  return `${col.name}:${op}@${other.name};`;
}

/**
 * The SQL of a comparison between two columns, meaning what comparing the two values read means in
 * JavaScript: timestamps by instant, text in JavaScript's order, `eq`/`ne` NULL-safe (`IS`), the ordering
 * operators never true when either side is NULL.
 */
function refConditionSql(col: ColumnMeta, op: string, other: ColumnMeta): string {
  let a = col.quoted;
  let b = other.quoted;
  if (col.kind === 'timestamp') {
    a = timestampInstantSql(a);
    b = timestampInstantSql(b);
  } else if (col.kind === 'text' && op !== 'eq' && op !== 'ne') {
    a = jsOrderTextSql(a);
    b = jsOrderTextSql(b);
  }
  if (op === 'eq') return `${a} IS ${b}`;
  if (op === 'ne') return `${a} IS NOT ${b}`;
  return `${a} ${COMPARE[op]} ${b}`;
}

const TO_MANY_OPS: ReadonlySet<string> = new Set(['some', 'none', 'every']);
const TO_ONE_OPS: ReadonlySet<string> = new Set(['is', 'isNot']);

/** A quoted alias no table can have (`:` is not allowed in litedao identifiers). */
function scopeAlias(depth: number): string {
  return `"litedao:r${depth}"`;
}

interface FilterContext {
  readonly params: SqlValue[];
  readonly issues: ValidationIssue[];
  readonly limits: DriverLimits;
  /** Filters inside `or`/`and`/`not`/relationship conditions entered so far (see MAX_FILTER_NESTING). */
  nesting: number;
}

/**
 * Filter objects nested deeper than this (through `or`, `and`, `not` and relationship conditions) are a
 * ValidationError: filters may come straight from JSON, and a body thousands of levels deep would otherwise
 * exhaust the stack (a RangeError) or SQLite's expression depth.
 */
export const MAX_FILTER_NESTING = 64;

/**
 * The levels of {@link MAX_FILTER_NESTING} one relationship condition (an `EXISTS` subquery) counts for: SQLite
 * counts a subquery's expressions into the depth of the one around it (its limit is 1,000), so 16 relationships
 * inside each other are the most a filter may nest.
 */
export const RELATION_NESTING = 4;

/** The general path of {@link compileWhere}: composition and relationship conditions. */
function compileComposite(
  meta: ModelMeta,
  filters: Record<string, unknown>,
  keys: string[],
  limits: DriverLimits,
  what: string,
): CompiledWhere {
  const ctx: FilterContext = { params: [], issues: [], limits, nesting: 0 };
  const built = buildFilter(meta, filters, keys, 0, meta.quotedTable, ctx, []);
  if (ctx.issues.length) throw new ValidationError(`invalid ${what} for ${meta.name}`, ctx.issues);
  if (built.sql === '') return EMPTY_WHERE;
  // The key determines the SQL (aliases follow the nesting depth), so it caches like a plain filter's.
  const key = `~${built.key}`;
  const sql = cached(meta, key, () => ` WHERE ${built.sql}`);
  return { key, sql, params: ctx.params };
}

/**
 * The filters {@link matchesEveryRow} was last asked about through {@link compileWhere}, with their model: the
 * session compiles the filters, then asks, so the answer can use the model's columns (nullability, kinds) and
 * relationships without a second argument.
 */
let lastFilters: unknown;
let lastMeta: ModelMeta | undefined;
/** Ids of conditions that equal no other (not comparable). */
let opaque = 0;

/**
 * A filter as logic, for {@link matchesEveryRow}: constants, atoms (conditions whose truth depends on the row;
 * equal ids are the same condition) and the connectives as the compiled SQL has them (`not` is
 * `NOT coalesce(x, 0)`: NULL counts as not matching).
 */
type Logic =
  | { readonly k: 'const'; readonly v: boolean }
  | { readonly k: 'atom'; readonly id: string }
  | { readonly k: 'and' | 'or'; readonly kids: readonly Logic[] }
  | { readonly k: 'not'; readonly kid: Logic };

const TRUE: Logic = { k: 'const', v: true };
const FALSE: Logic = { k: 'const', v: false };
const notL = (kid: Logic): Logic => (kid.k === 'const' ? (kid.v ? FALSE : TRUE) : { k: 'not', kid });
const atom = (id: string): Logic => ({ k: 'atom', id });

/** A value as part of an atom's id: equal values (as the filter compares them) give equal text. */
function valueId(v: unknown): string {
  if (v instanceof Date) return `D${v.getTime()}`;
  if (v instanceof Uint8Array) return `B${Array.from(v).join(',')}`;
  if (typeof v === 'bigint') return `N${v}`;
  if (typeof v === 'number') return `N${Object.is(v, -0) ? 0 : v}`;
  if (typeof v === 'boolean') return v ? 'N1' : 'N0';
  if (isColumnRef(v)) return `@${String(v.column)}`;
  try {
    return `J${JSON.stringify(v)}`;
  } catch {
    return `?${opaque++}`; // not comparable: equal to no other atom
  }
}

/** The logic of one column's condition (a value, null, a col() reference or an operator object). */
function columnLogic(name: string, col: ColumnMeta | undefined, cond: unknown): Logic {
  // Can the column be NULL (or compare as NULL: a timestamp the reader refuses, a JSON `null`)?
  const kind = col?.kind;
  const neverNull = name === 'id' || (col !== undefined && !col.nullable && kind !== 'json');
  const plain = neverNull && kind !== 'timestamp' && kind !== 'json';
  const isNull = neverNull ? FALSE : atom(`${name}|null`);
  const eq = (v: unknown): Logic =>
    v === null
      ? isNull
      : plain && kind === 'boolean' && v === false
        ? notL(atom(`${name}|eq|N1`)) // a never-null boolean that is not true is false
        : atom(`${name}|eq|${valueId(v)}`);
  if (!isPlainObject(cond)) {
    if (isColumnRef(cond)) return refLogic(name, col, 'eq', cond, isNull, plain);
    return eq(cond);
  }
  const parts: Logic[] = [];
  for (const [op, v] of Object.entries(cond)) {
    if (isColumnRef(v)) {
      parts.push(refLogic(name, col, op, v, isNull, plain));
      continue;
    }
    switch (op) {
      case 'eq':
        parts.push(eq(v));
        break;
      case 'ne':
        // `IS NOT`: exactly "not (eq)", NULL counting as not equal.
        parts.push(notL(eq(v)));
        break;
      case 'isNull':
        parts.push(v === true ? isNull : notL(isNull));
        break;
      case 'in':
      case 'notIn': {
        if (!Array.isArray(v)) return atom(`${name}|?${opaque++}`);
        const ids = [...new Set(v.map(valueId))].sort();
        const inL =
          ids.length === 0
            ? FALSE
            : ids.length === 1
              ? eq(v[0])
              : plain && kind === 'boolean' && ids.length === 2 && ids[0] === 'N0' && ids[1] === 'N1'
                ? TRUE // both values of a never-null boolean
                : atom(`${name}|in|${ids.join('|')}`);
        parts.push(op === 'in' ? inL : notL(inL));
        break;
      }
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        // '' is included in, starts and ends every text: every non-null row.
        parts.push(v === '' ? notL(isNull) : atom(`${name}|${op}|${valueId(v)}`));
        break;
      case 'like':
        parts.push(typeof v === 'string' && /^%+$/.test(v) ? notL(isNull) : atom(`${name}|like|${valueId(v)}`));
        break;
      case 'lt':
      case 'gte':
      case 'lte':
      case 'gt': {
        // On a never-null number column `lt v` is exactly "not (gte v)", `lte v` "not (gt v)".
        const numeric = plain && (kind === 'integer' || kind === 'real' || name === 'id');
        const base = op === 'lt' || op === 'gte' ? 'gte' : 'gt';
        const a = atom(`${name}|${numeric ? base : op}|${valueId(v)}`);
        parts.push(numeric && op !== base ? notL(a) : a);
        break;
      }
      default:
        parts.push(atom(`${name}|${op}|${valueId(v)}`));
    }
  }
  return { k: 'and', kids: parts };
}

/** A comparison of a column with a column of the same row (`col()`). */
function refLogic(name: string, col: ColumnMeta | undefined, op: string, ref: ColumnRef, isNull: Logic, plain: boolean): Logic {
  if (ref.column === name) {
    // `a IS a` is true on every row, `a IS NOT a` on none; `a <= a` wherever a is not NULL.
    if (op === 'eq') return TRUE;
    if (op === 'ne') return FALSE;
    if (col !== undefined && col.kind !== 'timestamp' && col.kind !== 'json') {
      if (op === 'lte' || op === 'gte') return plain ? TRUE : notL(isNull);
      if (op === 'lt' || op === 'gt') return FALSE;
    }
  }
  return atom(`${name}|${op}@${String(ref.column)}`);
}

/** The logic of a filter object on a model (`meta` undefined: columns unknown, every one nullable). */
function filterLogic(meta: ModelMeta | undefined, filters: unknown, depth: number): Logic {
  if (!isPlainObject(filters) || depth > MAX_FILTER_NESTING) return atom(`?${opaque++}`);
  const parts: Logic[] = [];
  for (const [k, v] of Object.entries(filters)) {
    if (k === 'and' || k === 'or') {
      if (!Array.isArray(v)) return atom(`?${opaque++}`);
      parts.push({ k, kids: v.map((f) => filterLogic(meta, f, depth + 1)) });
      continue;
    }
    if (k === 'not') {
      parts.push(notL(filterLogic(meta, v, depth + 1)));
      continue;
    }
    const col = meta?.byName.get(k);
    const rel = meta !== undefined && col === undefined && meta.relationDecls.has(k) ? relationsOf(meta, metaOf).get(k) : undefined;
    const relOps = isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((op) => TO_MANY_OPS.has(op) || TO_ONE_OPS.has(op));
    if (rel !== undefined || (meta === undefined && relOps)) parts.push(relationLogic(k, rel?.target, v as Record<string, unknown>, depth));
    else parts.push(columnLogic(k, col, v));
  }
  return { k: 'and', kids: parts };
}

/** The logic of a relationship condition: EXISTS subqueries (never NULL), one atom per related filter. */
function relationLogic(name: string, target: ModelMeta | undefined, v: Record<string, unknown>, depth: number): Logic {
  const parts: Logic[] = [];
  for (const [op, f] of Object.entries(v)) {
    if (f === null) {
      const none = atom(`${name}|is|null`);
      parts.push(op === 'is' ? none : notL(none));
      continue;
    }
    const sub = filterLogic(target, f, depth + RELATION_NESTING);
    const values = possibleValues(sub);
    let id: string;
    try {
      id = `${name}|exists|${JSON.stringify(f, (_, x) => (typeof x === 'bigint' ? `N${x}` : x instanceof Uint8Array ? `B${x}` : x))}`;
    } catch {
      id = `${name}|?${opaque++}`;
    }
    // `some`/`is`: a related row matches (never when the filter matches none); `none`/`isNot`: none does.
    const exists = (values & T) === 0 ? FALSE : atom(id);
    if (op === 'some' || op === 'is') parts.push(exists);
    else if (op === 'none' || op === 'isNot') parts.push(notL(exists));
    else parts.push(values === T ? TRUE : atom(`${name}|every|${id}`)); // every: true when the filter always holds
  }
  return { k: 'and', kids: parts };
}

// Three-valued truth: sets of these bits.
const T = 1;
const F = 2;
const N = 4;

function and3(a: number, b: number): number {
  return a === F || b === F ? F : a === N || b === N ? N : T;
}
function or3(a: number, b: number): number {
  return a === T || b === T ? T : a === N || b === N ? N : F;
}

/** The truth of `l` under one assignment of its atoms. */
function evaluate(l: Logic, assign: ReadonlyMap<string, number>): number {
  switch (l.k) {
    case 'const':
      return l.v ? T : F;
    case 'atom':
      return assign.get(l.id) as number;
    case 'not':
      return evaluate(l.kid, assign) === T ? F : T;
    case 'and':
      return l.kids.reduce((acc, x) => (acc === F ? F : and3(acc, evaluate(x, assign))), T);
    case 'or':
      return l.kids.reduce((acc, x) => (acc === T ? T : or3(acc, evaluate(x, assign))), F);
  }
}

/**
 * The set of truths `l` can take, from its parts' sets (each part's atoms taken as independent of the
 * others': sound, less exact than a truth table over the whole). Parts small enough get a truth table.
 */
function combinedValues(l: Logic): number {
  switch (l.k) {
    case 'const':
      return l.v ? T : F;
    case 'atom':
      return T | F;
    case 'not': {
      const x = possibleValues(l.kid);
      return (x & T ? F : 0) | (x & (F | N) ? T : 0);
    }
    default: {
      const op = l.k === 'and' ? and3 : or3;
      let acc = l.k === 'and' ? T : F;
      for (const kid of l.kids) {
        const x = possibleValues(kid);
        let next = 0;
        for (const a of [T, F, N]) if (acc & a) for (const b of [T, F, N]) if (x & b) next |= op(a, b);
        acc = next;
      }
      return acc;
    }
  }
}

/** Collects the atoms of `l`; returns its node count. */
function collectAtoms(l: Logic, out: Set<string>): number {
  if (l.k === 'atom') out.add(l.id);
  if (l.k === 'not') return 1 + collectAtoms(l.kid, out);
  if (l.k === 'and' || l.k === 'or') {
    let n = 1;
    for (const kid of l.kids) n += collectAtoms(kid, out);
    return n;
  }
  return 1;
}

/** The most evaluations (assignments × nodes) a truth table may take; beyond, the parts' tables are combined. */
const MAX_TABLE_WORK = 200_000;

/**
 * The set of truths `l` takes over every assignment of its atoms: exact for the logic (the same condition
 * twice is one atom, so `x OR NOT x` is always true) when a truth table fits {@link MAX_TABLE_WORK}.
 *
 * Whether a filter matches a row only asks "true, or not": NULL and false differ in SQL's AND/OR but never in
 * whether the result is true (AND and OR of "not true" values are not true, `not` is `NOT coalesce(x, 0)`),
 * so each atom only takes true and false here.
 */
function possibleValues(l: Logic): number {
  const atoms = new Set<string>();
  const nodes = collectAtoms(l, atoms);
  if (atoms.size > 16 || 2 ** atoms.size * nodes > MAX_TABLE_WORK) return combinedValues(l);
  const entries = [...atoms];
  const assign = new Map<string, number>();
  let seen = 0;
  const walk = (i: number): void => {
    if ((seen & T) !== 0 && (seen & (F | N)) !== 0) return; // both answers seen: nothing more to learn
    if (i === entries.length) {
      seen |= evaluate(l, assign);
      return;
    }
    const id = entries[i] as string;
    for (const v of [T, F]) {
      assign.set(id, v);
      walk(i + 1);
    }
  };
  walk(0);
  return seen;
}

/**
 * True when filters provably match every row whatever it holds: none at all, compositions of empty filters
 * (`{ or: [{}] }`, `{ and: [] }`), conditions that hold for every value (`{ id: { notIn: [] } }`,
 * `{ not: { id: { in: [] } } }`, `{ name: { contains: '' } }` on a NOT NULL column, `{ a: col('a') }`), and
 * any `and`/`or`/`not` of conditions that is true whatever each condition's truth (`{ or: [x, { not: x }] }`).
 * `updateWhere`/`deleteWhere` treat these as empty filters: they need `{ all: true }`. The model's columns
 * are known when `meta` is given or the filters were just compiled with {@link compileWhere}.
 */
export function matchesEveryRow(filters: unknown, meta?: ModelMeta): boolean {
  if (!isPlainObject(filters)) return false;
  const m = meta ?? (filters === lastFilters ? lastMeta : undefined);
  return possibleValues(filterLogic(m, filters, 0)) === T;
}

/**
 * Compiles one filter object in a scope: `outer` is how its table is referred to (its name at the top,
 * an alias inside a relationship's subquery). Returns its shape key and SQL (`''` when it adds no
 * condition); parameters are pushed in the order the SQL uses them.
 */
function buildFilter(
  meta: ModelMeta,
  filters: Record<string, unknown>,
  keys: readonly string[],
  depth: number,
  outer: string,
  ctx: FilterContext,
  at: (string | number)[],
): { key: string; sql: string } {
  let key = '';
  const parts: string[] = [];
  for (const k of keys) {
    const v = filters[k];
    const path = [...at, k];
    const col = meta.byName.get(k);
    if (col) {
      let code: string;
      if (!isPlainObject(v)) {
        if (v === null) code = `${k}:null;`;
        else if (isColumnRef(v)) code = columnRefCode(meta, col, 'eq', v, ctx.issues, path);
        else code = compare(col, 'eq', filterValue(col, v, ctx.issues, path), ctx.params);
      } else code = columnCondition(meta, col, v, ctx.params, ctx.issues, path, ctx.limits);
      if (code !== '') {
        key += code;
        parts.push(conditionsSql(meta, code));
      }
      continue;
    }
    if (k === 'or' || k === 'and') {
      if (!Array.isArray(v)) {
        ctx.issues.push({ path, message: 'expected an array of filters' });
        continue;
      }
      const subs: string[] = [];
      let subKey = '';
      v.forEach((f, i) => {
        const b = subFilter(meta, f, depth, outer, ctx, [...path, i]);
        subKey += `{${b.key}}`;
        if (b.sql !== '') subs.push(b.sql);
        else if (k === 'or') subs.push('1'); // an empty filter matches every row
      });
      key += `${k}[${subKey}]`;
      if (k === 'or') parts.push(subs.length ? `(${joinBalanced(subs, ' OR ')})` : '0');
      else if (subs.length) parts.push(joinBalanced(subs, ' AND '));
      continue;
    }
    if (k === 'not') {
      const b = subFilter(meta, v, depth, outer, ctx, path);
      key += `not{${b.key}}`;
      // coalesce: a condition that compares NULL is "not matching" (JavaScript's false), so NOT makes it match.
      parts.push(b.sql === '' ? '0' : `NOT coalesce((${b.sql}), 0)`);
      continue;
    }
    const rel = meta.relationDecls.has(k) ? relationsOf(meta, metaOf).get(k) : undefined;
    if (!rel) {
      ctx.issues.push({ path, message: `unknown column or relationship of ${meta.name}` });
      continue;
    }
    const r = relationCondition(rel, v, depth, outer, ctx, path);
    key += `${k}${r.key}`;
    if (r.sql !== '') parts.push(r.sql);
  }
  return { key, sql: joinBalanced(parts, ' AND ') };
}

/**
 * Joins conditions with AND or OR as a balanced tree of parentheses: SQLite parses `a OR b OR c …` as a left-deep
 * tree, one level of its expression depth per condition (1,000 by default, 100 on D1 and Durable Objects), so a
 * flat list of 150 conditions would fail on D1. Balanced, n conditions take ⌈log₂ n⌉ levels. AND and OR are
 * associative in SQL's three-valued logic, so the grouping changes no result.
 */
export function joinBalanced(conditions: readonly string[], op: ' AND ' | ' OR '): string {
  if (conditions.length <= 2) return conditions.map((c) => `(${c})`).join(op);
  const mid = conditions.length >> 1;
  return `(${joinBalanced(conditions.slice(0, mid), op)})${op}(${joinBalanced(conditions.slice(mid), op)})`;
}

function subFilter(
  meta: ModelMeta,
  f: unknown,
  depth: number,
  outer: string,
  ctx: FilterContext,
  path: (string | number)[],
  weight = 1,
): { key: string; sql: string } {
  if (!isPlainObject(f)) {
    ctx.issues.push({ path, message: 'expected a filter object' });
    return { key: '', sql: '' };
  }
  if (ctx.nesting + weight > MAX_FILTER_NESTING) {
    ctx.issues.push({
      path,
      message: `filters nested more than ${MAX_FILTER_NESTING} levels deep (a relationship condition counts as ${RELATION_NESTING})`,
    });
    return { key: '', sql: '' };
  }
  ctx.nesting += weight;
  try {
    return buildFilter(meta, f, Object.keys(f), depth, outer, ctx, path);
  } finally {
    ctx.nesting -= weight;
  }
}

/** `EXISTS (…)` conditions over a relationship (`some`, `none`, `every`, `is`, `isNot`). */
function relationCondition(
  rel: RelationMeta,
  v: unknown,
  depth: number,
  outer: string,
  ctx: FilterContext,
  path: (string | number)[],
): { key: string; sql: string } {
  const ops = rel.toMany ? TO_MANY_OPS : TO_ONE_OPS;
  if (!isPlainObject(v) || Object.keys(v).length === 0) {
    ctx.issues.push({ path, message: `expected { ${[...ops].join(' | ')}: filters }` });
    return { key: '', sql: '' };
  }
  const alias = scopeAlias(depth + 1);
  const t = rel.target;
  // The related rows of the outer row, as a subquery on the target under `alias`; unqualified column names in
  // the nested filter resolve to it (the innermost scope).
  let from: string;
  switch (rel.kind) {
    case 'manyToOne':
      from = `SELECT 1 FROM ${t.quotedTable} AS ${alias} WHERE ${alias}."id" = ${outer}.${rel.fk.quoted}`;
      break;
    case 'oneToMany':
    case 'oneToOne':
      from = `SELECT 1 FROM ${t.quotedTable} AS ${alias} WHERE ${alias}.${rel.fk.quoted} = ${outer}."id"`;
      break;
    case 'manyToMany': {
      const through = rel.through as ModelMeta;
      const tk = rel.targetKey as ColumnMeta;
      from = `SELECT 1 FROM ${t.quotedTable} AS ${alias} WHERE ${alias}."id" IN (SELECT ${tk.quoted} FROM ${through.quotedTable} WHERE ${rel.fk.quoted} = ${outer}."id")`;
      break;
    }
  }
  let key = '(';
  const parts: string[] = [];
  for (const op of Object.keys(v)) {
    const p = [...path, op];
    if (!ops.has(op)) {
      ctx.issues.push({ path: p, message: `unknown relationship operator (use ${[...ops].join(', ')})` });
      continue;
    }
    const f = v[op];
    if (f === null && !rel.toMany) {
      key += `${op}:null;`;
      // A reference is null when nothing is related: for many-to-one the foreign key is NULL (it is enforced).
      const isNull = rel.kind === 'manyToOne' ? `${outer}.${rel.fk.quoted} IS NULL` : `NOT EXISTS (${from})`;
      const notNull = rel.kind === 'manyToOne' ? `${outer}.${rel.fk.quoted} IS NOT NULL` : `EXISTS (${from})`;
      parts.push(op === 'is' ? isNull : notNull);
      continue;
    }
    const b = subFilter(t, f, depth + 1, alias, ctx, p, RELATION_NESTING);
    key += `${op}{${b.key}}`;
    const cond = b.sql === '' ? '' : ` AND (${b.sql})`;
    switch (op) {
      case 'some':
      case 'is':
        parts.push(`EXISTS (${from}${cond})`);
        break;
      case 'none':
      case 'isNot':
        parts.push(`NOT EXISTS (${from}${cond})`);
        break;
      case 'every':
        // Every related row matches = none fails to match (a NULL comparison is a failure, as in JavaScript).
        parts.push(b.sql === '' ? '1' : `NOT EXISTS (${from} AND NOT coalesce((${b.sql}), 0))`);
        break;
    }
  }
  return { key: `${key})`, sql: parts.join(' AND ') };
}

/**
 * Binds one `eq`/`ne`/`lt`/`lte`/`gt`/`gte` condition (the value already encoded) and returns its shape code.
 * Timestamp and text comparisons bind index-friendly bounds before the value (see {@link conditionSql}).
 */
function compare(col: ColumnMeta, op: string, encoded: SqlValue, params: SqlValue[]): string {
  const k = col.name;
  if (col.kind === 'timestamp' && typeof encoded === 'string') {
    const ms = parseTimestamp(encoded)?.getTime() ?? Number.NaN;
    if (op === 'eq') params.push(timestampLowerBound(ms), timestampUpperBound(ms));
    else if (op === 'lt' || op === 'lte') params.push(timestampUpperBound(ms));
    else if (op === 'gt' || op === 'gte') params.push(timestampLowerBound(ms));
  } else if (col.kind === 'text' && typeof encoded === 'string' && op !== 'eq' && op !== 'ne') {
    const prefix = orderPrefix(encoded);
    if (op === 'gt' || op === 'gte') params.push(prefix);
    else {
      const upper = prefix === '' ? undefined : prefixSuccessor(prefix);
      if (upper === undefined) {
        params.push(encoded);
        return `${k}:${op}~;`;
      }
      params.push(upper);
    }
  }
  params.push(encoded);
  return `${k}:${op};`;
}

/** Binds a text operator (`like`, `contains`, `startsWith`, `endsWith`) and returns its shape code. */
function textOperator(meta: ModelMeta, col: ColumnMeta, op: string, v: string, params: SqlValue[], limits: DriverLimits): string {
  const k = col.name;
  if (op === 'like') {
    // Only LIKE has D1's 50-byte pattern limit; the other operators bind plain text.
    const max = limits.maxLikePatternBytes;
    if (max !== undefined && utf8Bytes(v) > max)
      throw new LimitExceededError('LIKE pattern bytes', utf8Bytes(v), max, `${meta.name}.${k} like`);
    params.push(v);
    return `${k}:like;`;
  }
  // The empty string is included in, starts and ends every text (as in JavaScript): every non-null row.
  if (v === '') return `${k}:notnull;`;
  if (op === 'contains') params.push(v);
  else if (op === 'endsWith') params.push(v, v);
  else {
    const upper = prefixSuccessor(v);
    params.push(v);
    if (upper === undefined) return `${k}:startsWith~;`;
    params.push(upper);
  }
  return `${k}:${op};`;
}

/**
 * Compiles an order-by spec; every key must be a column, every direction exactly `asc` or `desc`. Timestamp
 * columns order by instant (whatever layout each row was written in) and text columns in JavaScript's string
 * order, so a sort agrees with the filters on the same column; NULLs come first in ascending order.
 */
export function compileOrder(meta: ModelMeta, orderBy: unknown): { key: string; sql: string } {
  if (orderBy === undefined) return { key: '', sql: '' };
  const entries = Array.isArray(orderBy) ? orderBy : [orderBy];
  const issues: ValidationIssue[] = [];
  const parts: string[] = [];
  entries.forEach((entry, i) => {
    if (!isPlainObject(entry)) {
      issues.push({ path: ['orderBy', i], message: 'expected { column: "asc" | "desc" }' });
      return;
    }
    for (const k of Object.keys(entry)) {
      const col = meta.byName.get(k);
      const dir = entry[k];
      if (!col) issues.push({ path: ['orderBy', k], message: `unknown column of ${meta.name}` });
      else if (dir !== 'asc' && dir !== 'desc') issues.push({ path: ['orderBy', k], message: 'direction must be "asc" or "desc"' });
      else {
        // Qualified: a bare name in ORDER BY means the result column of that name, which for integer-kind
        // columns is the select guard's CASE expression (no index order, and text after numbers).
        const ref = `${meta.quotedTable}.${col.quoted}`;
        const expr = col.kind === 'timestamp' ? timestampInstantSql(ref) : col.kind === 'text' ? jsOrderTextSql(ref) : ref;
        parts.push(`${expr} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
      }
    }
  });
  if (issues.length) throw new ValidationError(`invalid orderBy for ${meta.name}`, issues);
  if (parts.length === 0) return { key: '', sql: '' };
  const sql = ` ORDER BY ${parts.join(', ')}`;
  return { key: sql, sql };
}

function cached(meta: ModelMeta, key: string, build: () => string): string {
  let sql = meta.sqlCache.get(key);
  if (sql === undefined) {
    sql = build();
    meta.sqlCache.set(key, sql);
  }
  return sql;
}

/** `SELECT … FROM t WHERE "id" = ?`: the hot path, one cached text per model. */
export function selectByIdSql(meta: ModelMeta): string {
  return meta.sqlCache.get('byid') ?? cached(meta, 'byid', () => `SELECT ${meta.selectList} FROM ${meta.quotedTable} WHERE "id" = ?`);
}

/** A SELECT of whole rows with filters, order, limit and offset (limit and offset are bound). */
export function selectStatement(
  meta: ModelMeta,
  where: CompiledWhere,
  order: { key: string; sql: string },
  limit: number | undefined,
  offset: number | undefined,
): Statement {
  const lo = `${limit !== undefined ? 'L' : ''}${offset !== undefined ? 'O' : ''}`;
  const sql = cached(meta, `sel|${where.key}|${order.key}|${lo}`, () => {
    let s = `SELECT ${meta.selectList} FROM ${meta.quotedTable}${where.sql}${order.sql}`;
    if (limit !== undefined) s += ' LIMIT ?';
    else if (offset !== undefined) s += ' LIMIT -1';
    if (offset !== undefined) s += ' OFFSET ?';
    return s;
  });
  const params = where.params.slice();
  if (limit !== undefined) params.push(limit);
  if (offset !== undefined) params.push(offset);
  // No `bigints`: the select list reads integers beyond 2^53 as exact text, so every INTEGER is a safe number.
  return { sql, params, returnsRows: true, columns: meta.columnNames, readOnly: true };
}

/** `SELECT count(*) …` with filters. */
export function countStatement(meta: ModelMeta, where: CompiledWhere): Statement {
  const sql = cached(meta, `cnt|${where.key}`, () => `SELECT count(*) FROM ${meta.quotedTable}${where.sql}`);
  return { sql, params: where.params, returnsRows: true, columns: ['count(*)'], readOnly: true };
}

const RETURNING_INSERT = ' RETURNING "id", "created_at", "updated_at"';

/** A multi-row INSERT of `rows` rows of the model's declared columns, returning id and timestamps. */
export function insertSql(meta: ModelMeta, rows: number): string {
  return cached(meta, `ins|${rows}`, () => {
    if (meta.userColumns.length === 0) return `INSERT INTO ${meta.quotedTable} DEFAULT VALUES${RETURNING_INSERT}`;
    const tuple = `(${meta.userColumns.map((c) => paramSql(c.kind)).join(', ')})`;
    return `INSERT INTO ${meta.quotedTable} (${meta.userColumns.map((c) => c.quoted).join(', ')}) VALUES ${Array(rows)
      .fill(tuple)
      .join(', ')}${RETURNING_INSERT}`;
  });
}

/** A multi-row INSERT with no RETURNING (bulk inserts that build no objects). */
export function insertManySql(meta: ModelMeta, rows: number): string {
  return cached(meta, `insm|${rows}`, () => {
    if (meta.userColumns.length === 0) return `INSERT INTO ${meta.quotedTable} DEFAULT VALUES`;
    const tuple = `(${meta.userColumns.map((c) => paramSql(c.kind)).join(', ')})`;
    return `INSERT INTO ${meta.quotedTable} (${meta.userColumns.map((c) => c.quoted).join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`;
  });
}

/**
 * `insertMany`'s statement on a driver with `DriverCapabilities.bulkJson`: the rows as one bound JSON array of
 * arrays (each row's encoded values in column order), read back by SQLite in the array's order, so ids ascend in
 * the rows' order as with a `VALUES` list. `->>` gives a JSON string as TEXT, a number as INTEGER and `null` as
 * NULL, which is what binding the same values gives (see {@link canInsertJson}).
 */
export function insertJsonSql(meta: ModelMeta): string {
  return cached(meta, 'insj', () => {
    const cols = meta.userColumns;
    return `INSERT INTO ${meta.quotedTable} (${cols.map((c) => c.quoted).join(', ')}) SELECT ${cols
      .map((_, i) => `value ->> ${i}`)
      .join(', ')} FROM json_each(?) ORDER BY key`;
  });
}

/**
 * Whether a model's rows can go as JSON (see {@link insertJsonSql}): at least one column, and every column of a
 * kind whose stored value is a string, a safe integer or NULL. A REAL is left out (SQLite's reading of JSON
 * number text is not promised to give back the exact double), as are blobs and 64-bit integers.
 */
export function canInsertJson(meta: ModelMeta): boolean {
  const cols = meta.userColumns;
  return cols.length > 0 && cols.every((c) => JSON_KINDS.has(c.kind));
}

const JSON_KINDS: ReadonlySet<string> = new Set(['text', 'integer', 'boolean', 'timestamp', 'json']);

/** Rows per JSON insert at most (a statement's size is bounded by bytes too, see `insertMany`). */
export const MAX_ROWS_PER_JSON_INSERT = 10_000;

/**
 * Rows per multi-row INSERT at most, whatever the parameter limit allows. Preparing a VALUES list costs SQLite
 * time in proportion to its rows, and a commit pays it for every shape its statement cache lacks (the full
 * chunk and the remainder's powers of two): 10,000 rows in 256-row chunks (shapes 256 and 16) ran 1.20× a
 * hand-written insert of prepared 500-row statements, in 512-row chunks (512, 256, 16) 1.24×, in 64-row chunks
 * 1.23× (more statements to run); same process, 40 alternated rounds.
 */
export const MAX_ROWS_PER_INSERT = 256;

/**
 * Splits `n` rows into insert chunks that stay under the parameter limit: as many full chunks as fit, then
 * the remainder in powers of two, so a model has at most ~log2(max) distinct statement shapes to cache.
 */
export function insertChunks(n: number, columnsPerRow: number, limits: DriverLimits, what: string): number[] {
  if (columnsPerRow === 0) return Array(n).fill(1);
  const max = Math.min(MAX_ROWS_PER_INSERT, Math.floor(limits.maxParameters / columnsPerRow));
  if (max < 1) throw new LimitExceededError('bound parameters per statement', columnsPerRow, limits.maxParameters, what);
  const out: number[] = [];
  let left = n;
  while (left >= max) {
    out.push(max);
    left -= max;
  }
  for (let p = 2 ** Math.floor(Math.log2(max)); left > 0 && p >= 1; p /= 2) {
    if (left >= p) {
      out.push(p);
      left -= p;
    }
  }
  return out;
}

/** `, "version" = "version" + 1` for a versioned model, else nothing: every UPDATE litedao sends bumps it. */
function versionBump(meta: ModelMeta): string {
  return meta.version ? `, ${meta.version.quoted} = ${meta.version.quoted} + 1` : '';
}

/**
 * UPDATE of some columns of one row by id (and, for a versioned model, by the version it was read at),
 * refreshing updated_at (and bumping the version) and returning them. Planned with the post-condition "1 row".
 */
export function updateByIdSql(meta: ModelMeta, cols: readonly ColumnMeta[]): string {
  const key = `upd|${cols.map((c) => c.name).join(',')}`;
  return cached(meta, key, () => {
    const set = cols.map((c) => `${c.quoted} = ${paramSql(c.kind)}`);
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    const v = meta.version;
    return v
      ? `UPDATE ${meta.quotedTable} SET ${set.join(', ')}${versionBump(meta)} WHERE "id" = ? AND ${v.quoted} = ? RETURNING "updated_at", ${v.quoted}`
      : `UPDATE ${meta.quotedTable} SET ${set.join(', ')} WHERE "id" = ? RETURNING "updated_at"`;
  });
}

/** In the error of an increment whose result its column cannot hold, before the hex of `table\0column`. */
const RANGE_MARK = 'litedao-range:';
const RANGE_MARK_RE = new RegExp(`${RANGE_MARK}([0-9a-f]+)`);

/** The result of `increment()` in column `c` must meet these conditions (on `litedao_n`), per column kind. */
const KIND_RANGE: Partial<Record<ColumnMeta['kind'], string>> = {
  // better-sqlite3 binds numbers as REAL: the sum is compared by value, exact within ±2^53.
  integer: 'litedao_n BETWEEN -9007199254740991 AND 9007199254740991 AND litedao_n = CAST(litedao_n AS INTEGER)',
  real: 'litedao_n BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308',
  // An int64 sum that overflows becomes a REAL in SQLite.
  bigint: "typeof(litedao_n) = 'integer'",
};

/**
 * `increment()`'s new value of column `c` (`value`: its bound amount): the sum, or — when it is outside what the
 * column holds (a safe integer, a finite real, an int64, and its `.check()` bounds) — an error that aborts the
 * statement and so the whole batch; the runtime maps it to ValidationError. The error comes from `json_extract`
 * with a path that depends on the row (a constant one would fail when the statement starts), as the
 * post-condition guards do. NULL stays NULL, as `NULL + n` is.
 */
export function incrementSql(meta: ModelMeta, c: ColumnMeta, value: string): string {
  const conditions = [KIND_RANGE[c.kind] ?? '1', ...(checkConditions(c) ?? [])];
  const mark = `${RANGE_MARK}${hexOf(`${meta.tableName}\u0000${c.name}`)}`;
  return (
    `(SELECT CASE WHEN litedao_n IS NULL OR (${conditions.join(' AND ')}) THEN litedao_n ` +
    `ELSE json_extract('{}', '${mark}' || substr(typeof(litedao_n), 1, 0)) END FROM (SELECT ${c.quoted} + ${value} AS litedao_n))`
  );
}

/** A text as 4 hex digits per UTF-16 code unit (safe inside an SQL literal and an error message). */
function hexOf(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/** The table and column named by a {@link RANGE_MARK} in an error message, if any. */
export function rangeMarkOf(message: string): { table: string; column: string } | undefined {
  const m = RANGE_MARK_RE.exec(message);
  if (!m) return undefined;
  const hex = m[1] as string;
  let text = '';
  for (let i = 0; i + 4 <= hex.length; i += 4) text += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
  const [table = '', column = ''] = text.split('\u0000');
  return { table, column };
}

/** The SET list of an encoded update: `"a" = ?`, `"n" = <incrementSql>`, then updated_at (and the version bump). */
function setList(meta: ModelMeta, update: Pick<UpdateShape, 'cols' | 'adds'>): string {
  const set = update.cols.map((c, i) =>
    update.adds[i] ? `${c.quoted} = ${incrementSql(meta, c, paramSql(c.kind))}` : `${c.quoted} = ${paramSql(c.kind)}`,
  );
  set.push(`"updated_at" = ${TOUCH_SQL}`);
  return set.join(', ') + versionBump(meta);
}

/**
 * The columns an `updateWhere` returns when the session holds objects of the model, so it can refresh the
 * ones it changed: `id`, the columns set, `updated_at` (and the version).
 */
export function updateReturning(meta: ModelMeta, update: Pick<UpdateShape, 'cols'>): ColumnMeta[] {
  const out = [meta.byName.get('id') as ColumnMeta, ...update.cols, meta.byName.get('updated_at') as ColumnMeta];
  if (meta.version) out.push(meta.version);
  return out;
}

/** The RETURNING list of an update that refreshes loaded objects ({@link updateReturning}'s columns). */
function returningList(meta: ModelMeta, update: Pick<UpdateShape, 'cols'>): string {
  // Integer columns come back through the same guard as in SELECTs: exact text beyond 2^53, never rounded.
  return updateReturning(meta, update)
    .map((c) => (c.kind === 'integer' || c.kind === 'bigint' ? integerSelectSql(c.quoted) : c.quoted))
    .join(', ');
}

/** UPDATE … SET values, updated_at WHERE filters (the DAO's `update(filters, values)`), optionally RETURNING the changed rows. */
export function updateWhereSql(
  meta: ModelMeta,
  update: UpdateShape,
  where: Pick<CompiledWhere, 'key' | 'sql'>,
  returning: boolean | 'id',
): string {
  const colsKey = returning === 'id' ? `I${update.key}` : returning ? `R${update.key}` : update.key;
  let byWhere = meta.updateCache.get(colsKey);
  if (byWhere === undefined) {
    byWhere = new Map();
    meta.updateCache.set(colsKey, byWhere);
  }
  let sql = byWhere.get(where.key);
  if (sql === undefined) {
    sql = `UPDATE ${meta.quotedTable} SET ${setList(meta, update)}${where.sql}`;
    // Only the ids, to count the rows (a driver whose own count is not exact, D1).
    if (returning === 'id') sql += ' RETURNING "id"';
    else if (returning) {
      sql += ` RETURNING ${returningList(meta, update)}`;
    }
    byWhere.set(where.key, sql);
  }
  return sql;
}

/** The alias of the VALUES list in {@link updateByIdsSql}; its columns are SQLite's `column1`, `column2`, … */
const BY_IDS_VALUES = '"litedao_v"';

/**
 * A run of `updateWhere` calls by id, sent as one statement for `rows` of them: `UPDATE t SET "a" = v.column1,
 * …, updated_at FROM (VALUES (?, …, ?), …) AS v WHERE t."id" = v.columnN RETURNING "id"`, each tuple one call's
 * values in queue order (its SET values, then its id). Every id in one statement must differ (SQLite uses one
 * arbitrary VALUES row per target row); the caller splits the run where an id repeats. Each call's count is
 * whether its id came back. Only for an update {@link canUpdateByIds} accepts.
 */
export function updateByIdsSql(meta: ModelMeta, update: UpdateShape, rows: number, refresh = false): string {
  return cached(meta, `updids|${update.key}|${rows}|${refresh ? 'R' : ''}`, () => {
    const set = update.cols.map((c, i) => {
      const value = paramSql(c.kind).replace('?', `${BY_IDS_VALUES}."column${i + 1}"`);
      return update.adds[i] ? `${c.quoted} = ${incrementSql(meta, c, value)}` : `${c.quoted} = ${value}`;
    });
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    const width = update.cols.length + 1;
    const tuple = `(${Array(width).fill('?').join(', ')})`;
    return (
      `UPDATE ${meta.quotedTable} SET ${set.join(', ')}${versionBump(meta)} FROM (VALUES ${Array(rows).fill(tuple).join(', ')}) ` +
      `AS ${BY_IDS_VALUES} WHERE ${meta.quotedTable}."id" = ${BY_IDS_VALUES}."column${width}" RETURNING ${refresh ? returningList(meta, update) : '"id"'}`
    );
  });
}

/**
 * Whether updates of this shape may go as {@link updateByIdsSql}: not when a column of the table is named like
 * one of VALUES' own columns (`column1`, …), which would make the SET list ambiguous, nor when the update sets a
 * column of a UNIQUE constraint the model declares — SQLite changes the rows of one `UPDATE … FROM` in its own
 * order, not the calls', so such a run could collide where the calls one by one would not, or the reverse.
 */
export function canUpdateByIds(meta: ModelMeta, update: UpdateShape): boolean {
  return canSetByIds(meta, update.cols, update.cols.length + 1);
}

/** {@link canUpdateByIds} for `cols` set from VALUES rows `width` wide. */
export function canSetByIds(meta: ModelMeta, cols: readonly ColumnMeta[], width: number): boolean {
  for (const c of meta.columns) {
    const m = /^column([0-9]+)$/i.exec(c.name);
    if (m !== null && Number(m[1]) <= width) return false;
  }
  for (const c of cols) for (const set of meta.uniqueSets) if (set.includes(c.name)) return false;
  return true;
}

/**
 * The changed columns of `rows` loaded objects, one statement (see {@link updateByIdSql} for one object, and
 * {@link updateByIdsSql} for the form): each VALUES row holds an object's values, its id (and the version it was
 * read at); it returns `updated_at` (and the version), then the id that tells the objects apart. Planned with the
 * post-condition "`rows` rows", so every object's row must match, as one statement per object would require.
 */
export function dirtyByIdsSql(meta: ModelMeta, cols: readonly ColumnMeta[], rows: number): string {
  return cached(meta, `dirtyids|${cols.map((c) => c.name).join(',')}|${rows}`, () => {
    const set = cols.map((c, i) => `${c.quoted} = ${paramSql(c.kind).replace('?', `${BY_IDS_VALUES}."column${i + 1}"`)}`);
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    const v = meta.version;
    const width = cols.length + (v ? 2 : 1);
    const tuple = `(${Array(width).fill('?').join(', ')})`;
    const t = meta.quotedTable;
    const where = `${t}."id" = ${BY_IDS_VALUES}."column${cols.length + 1}"${v ? ` AND ${t}.${v.quoted} = ${BY_IDS_VALUES}."column${width}"` : ''}`;
    return (
      `UPDATE ${t} SET ${set.join(', ')}${versionBump(meta)} FROM (VALUES ${Array(rows).fill(tuple).join(', ')}) AS ${BY_IDS_VALUES} ` +
      `WHERE ${where} RETURNING "updated_at", ${v ? `${v.quoted}, ` : ''}"id"`
    );
  });
}

/** The ids (and versions) of the rows with the ids in a JSON array: which changed loaded objects went stale. */
export function versionsByIdsSql(meta: ModelMeta): string {
  const v = meta.version;
  return cached(
    meta,
    'verids',
    () => `SELECT "id"${v ? `, ${v.quoted}` : ''} FROM ${meta.quotedTable} WHERE "id" IN (SELECT value FROM json_each(?))`,
  );
}

/** DELETE of one row by id (and, for a versioned model, by the version it was read at). Planned with the post-condition "1 row". */
export function deleteByIdSql(meta: ModelMeta, checkVersion = true): string {
  return cached(meta, checkVersion ? 'delid' : 'delid-nov', () =>
    meta.version && checkVersion
      ? `DELETE FROM ${meta.quotedTable} WHERE "id" = ? AND ${meta.version.quoted} = ?`
      : `DELETE FROM ${meta.quotedTable} WHERE "id" = ?`,
  );
}

/**
 * Checks that a versioned row is still at the version an object was read at, writing nothing that stays (the
 * row is deleted later in the same batch): planned with the post-condition "1 row" at the start of a unit whose
 * own earlier statements may bump that version (see `UnitOfWork.plan`).
 */
export function versionCheckSql(meta: ModelMeta): string {
  const v = (meta.version as ColumnMeta).quoted;
  return cached(meta, 'vcheck', () => `UPDATE ${meta.quotedTable} SET ${v} = ${v} WHERE "id" = ? AND ${v} = ?`);
}

/** DELETE … WHERE filters (empty filters delete every row; callers guard that), optionally RETURNING the ids. */
export function deleteWhereSql(meta: ModelMeta, where: CompiledWhere, returning: boolean): string {
  return cached(
    meta,
    `delw|${returning ? 'R' : ''}|${where.key}`,
    () => `DELETE FROM ${meta.quotedTable}${where.sql}${returning ? ' RETURNING "id"' : ''}`,
  );
}

/**
 * INSERT … ON CONFLICT (target) DO UPDATE SET … RETURNING the whole row: an atomic upsert on a declared
 * unique key (not select-then-write, which races and, in the template, lost its filter).
 */
export function upsertSql(meta: ModelMeta, target: readonly string[], updateCols: readonly ColumnMeta[]): string {
  const key = `ups|${target.join(',')}|${updateCols.map((c) => c.name).join(',')}`;
  return cached(meta, key, () => {
    const cols = meta.userColumns;
    const set = updateCols.map((c) => `${c.quoted} = excluded.${c.quoted}`);
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    return (
      // The version bump rides along: an upsert that updates a row changes it like any other update.
      `INSERT INTO ${meta.quotedTable} (${cols.map((c) => c.quoted).join(', ')}) VALUES (${cols.map((c) => paramSql(c.kind)).join(', ')}) ` +
      `ON CONFLICT (${target.map((t) => `"${t}"`).join(', ')}) DO UPDATE SET ${set.join(', ')}${versionBump(meta)} RETURNING ${meta.selectList}`
    );
  });
}

/**
 * A foreign-key value computed in SQL: the bound id, or — when it is NULL and a distance `d` is bound — the
 * id of the row inserted `d` rows before the last one of the referenced table in this batch, read from
 * `sqlite_sequence` (AUTOINCREMENT's record of the last id; SQLite writes it when an INSERT statement ends,
 * so a multi-row INSERT reads the value from before itself). See unit-of-work.ts for when this is exact.
 */
function sequenceRefSql(col: ColumnMeta): string {
  const ref = col.config.references?.model();
  const table = metaOf(ref).tableName.replaceAll("'", "''");
  return `coalesce(${paramSql(col.kind)}, (SELECT "seq" FROM sqlite_sequence WHERE "name" = '${table}') - ?)`;
}

/**
 * A multi-row INSERT whose `exprCols` are foreign keys that may point at rows inserted earlier in the same
 * batch (two parameters each: an id, or NULL and a distance), returning id, timestamps and those keys.
 */
export function insertRelatedSql(meta: ModelMeta, rows: number, exprCols: readonly ColumnMeta[]): string {
  if (exprCols.length === 0) return insertSql(meta, rows);
  return cached(meta, `insr|${rows}|${exprCols.map((c) => c.name).join(',')}`, () => {
    const tuple = `(${meta.userColumns.map((c) => (exprCols.includes(c) ? sequenceRefSql(c) : paramSql(c.kind))).join(', ')})`;
    const returning = exprCols.map((c) => integerSelectSql(c.quoted)).join(', ');
    return `INSERT INTO ${meta.quotedTable} (${meta.userColumns.map((c) => c.quoted).join(', ')}) VALUES ${Array(rows)
      .fill(tuple)
      .join(', ')}${RETURNING_INSERT}, ${returning}`;
  });
}

/**
 * UPDATE of foreign keys of one stored row to rows inserted earlier in the same batch (see
 * {@link insertRelatedSql}), by id (and version), returning updated_at (and the version) and the keys.
 */
export function fixupUpdateSql(meta: ModelMeta, cols: readonly ColumnMeta[]): string {
  return cached(meta, `fix|${cols.map((c) => c.name).join(',')}`, () => {
    const set = cols.map((c) => `${c.quoted} = ${sequenceRefSql(c)}`);
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    const v = meta.version;
    const returning = ['"updated_at"', ...(v ? [v.quoted] : []), ...cols.map((c) => integerSelectSql(c.quoted))].join(', ');
    return `UPDATE ${meta.quotedTable} SET ${set.join(', ')}${versionBump(meta)} WHERE "id" = ?${v ? ` AND ${v.quoted} = ?` : ''} RETURNING ${returning}`;
  });
}

/** DELETE of the association rows linking two rows (a many-to-many collection lost a member). */
export function unlinkSql(through: ModelMeta, a: ColumnMeta, b: ColumnMeta, returning: boolean): string {
  return cached(
    through,
    `unl|${a.name}|${b.name}|${returning ? 'R' : ''}`,
    () => `DELETE FROM ${through.quotedTable} WHERE ${a.quoted} = ? AND ${b.quoted} = ?${returning ? ' RETURNING "id"' : ''}`,
  );
}

/**
 * SQL compilation. Every statement litedao sends is built here from a model's metadata, with values always
 * bound as parameters and identifiers always taken from the model (never from caller strings).
 *
 * SQL text is cached per model and query *shape* (`ModelMeta.sqlCache`), so the hot path — get by id, simple
 * selects, single-row writes — looks the text up instead of rebuilding it, and the drivers' prepared
 * statement caches (keyed by SQL text) hit every time.
 */
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import { LimitExceededError, ValidationError, type ValidationIssue } from './errors.ts';
import type { ColumnMeta, ModelMeta, Row } from './model-meta.ts';
import { type EncodedUpdate, encodeValue } from './validate.ts';

/**
 * SQL for "now", UTC, in the layout Python's SQLAlchemy writes: `CURRENT_TIMESTAMP` plus six fractional digits
 * (`2026-11-22 03:04:05.123000`). SQLite has millisecond resolution, so the last three digits are literal zeros:
 * SQLAlchemy 1.4 reads a 3-digit fraction `.123` as 123 *microseconds*, six digits read correctly everywhere.
 */
export const NOW_SQL = "strftime('%Y-%m-%d %H:%M:%f000', 'now')";

/**
 * A stored timestamp in litedao's layout, whatever layout it was written in (SQLite parses the text, so a
 * template-written `2026-11-22 03:04:05` and a `2026-11-22T03:04:05Z` compare as the instants they are).
 * NULL when the text is not a timestamp SQLite can read.
 */
export function canonicalTimestampSql(expr: string): string {
  return `strftime('%Y-%m-%d %H:%M:%f000', ${expr})`;
}

/**
 * What every update litedao sends writes to `updated_at`: now, but never earlier than the row's stored
 * `updated_at` or `created_at` (compared as instants). A writer with a coarser clock (the Python template
 * writes whole seconds) or a skewed one can then never move `updated_at` backwards, and the table trigger
 * applies the same rule to everyone else's updates.
 */
export const TOUCH_SQL = `max(${NOW_SQL}, coalesce(${canonicalTimestampSql('"updated_at"')}, ''), coalesce(${canonicalTimestampSql('"created_at"')}, ''))`;

/** Comparison operators of a filter on one column. */
export interface Operators<T> {
  eq?: T | null;
  ne?: T | null;
  lt?: T;
  lte?: T;
  gt?: T;
  gte?: T;
  in?: readonly T[];
  notIn?: readonly T[];
  isNull?: boolean;
  /** A raw LIKE pattern (`%` and `_` are wildcards, `\` escapes). Text columns only. */
  like?: string;
  /** Text contains the string; `%`, `_` and `\` in it are matched literally. */
  contains?: string;
  startsWith?: string;
  endsWith?: string;
}

/** A filter on one column: a value (equality; `null` means IS NULL) or an object of operators. */
export type Condition<T> = T | null | Operators<T>;

/**
 * Filters on a model: column → condition, all AND-ed. Keys are checked against the model's columns (an
 * unknown key, `__proto__` or `constructor` is a ValidationError), values against the column's schema.
 */
export type Filters<M> = { [K in keyof Row<M>]?: Condition<Exclude<Row<M>[K], null>> };

/** Sort order: `{ created_at: 'desc' }`, or a list of such entries for several keys. */
export type OrderBy<M> = { [K in keyof Row<M>]?: 'asc' | 'desc' } | readonly { [K in keyof Row<M>]?: 'asc' | 'desc' }[];

const OPERATORS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull', 'like', 'contains', 'startsWith', 'endsWith']);
const COMPARE: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
const TEXT_OPS = new Set(['like', 'contains', 'startsWith', 'endsWith']);

/** A plain object (not a Date, array, Uint8Array or class instance): the shape of an operator object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
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

/** Validates and encodes one filter value against its column (null is handled by the operators). */
function filterValue(col: ColumnMeta, v: unknown, issues: ValidationIssue[], path: (string | number)[]): SqlValue {
  if (v === null || v === undefined) {
    issues.push({ path, message: v === null ? 'null is only allowed with eq / ne / isNull' : 'undefined is not a filter value' });
    return null;
  }
  return encodeValue(col, v, issues, path);
}

/** A JSON array of encoded values for `IN (SELECT value FROM json_each(?))`; bigints written exactly. */
function jsonList(values: SqlValue[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (i ? ',' : '') + (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
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

/** The SQL of one condition, from its shape code (see {@link compileWhere}). */
function conditionSql(quoted: string, op: string): string {
  switch (op) {
    case 'eq':
      return `${quoted} = ?`;
    case 'ne':
      // IS NOT keeps NULL rows for `ne`, as JS `!==` would.
      return `${quoted} IS NOT ?`;
    case 'null':
      return `${quoted} IS NULL`;
    case 'notnull':
      return `${quoted} IS NOT NULL`;
    case 'in':
      return `${quoted} IN (SELECT value FROM json_each(?))`;
    case 'notIn':
      return `${quoted} NOT IN (SELECT value FROM json_each(?))`;
    case 'none':
      return '0';
    case 'all':
      return '1';
    case 'like':
      return `${quoted} LIKE ? ESCAPE '\\'`;
    default:
      return `${quoted} ${COMPARE[op]} ?`;
  }
}

/**
 * Compiles filters to a WHERE clause. Throws ValidationError listing every bad key and value (nothing is
 * sent), LimitExceededError when a LIKE pattern is longer than the adapter allows.
 *
 * One pass validates and binds the values while building only the shape key (`name:eq;age:gt;`); the SQL
 * text is derived from the key once per shape and cached, so repeated queries build no SQL.
 *
 * `in` lists compile to `IN (SELECT value FROM json_each(?))`: one bound parameter however long the list, so
 * `findByIds` with 5,000 ids stays under D1's 100-parameter limit in one statement, and the SQL text is the
 * same for every list length (one cached statement).
 */
export function compileWhere(meta: ModelMeta, filters: unknown, limits: DriverLimits, what = 'filters'): CompiledWhere {
  if (filters === undefined || filters === null) return EMPTY_WHERE;
  if (!isPlainObject(filters)) {
    throw new ValidationError(`invalid ${what}`, [{ path: [], message: 'filters must be a plain object of column → condition' }]);
  }
  const keys = Object.keys(filters);
  if (keys.length === 0) return EMPTY_WHERE;
  const issues: ValidationIssue[] = [];
  const params: SqlValue[] = [];
  let key = '';
  for (const k of keys) {
    const col = meta.byName.get(k);
    if (!col) {
      issues.push({ path: [k], message: `unknown column of ${meta.name}` });
      continue;
    }
    const cond = filters[k];
    if (!isPlainObject(cond)) {
      if (cond === null) key += `${k}:null;`;
      else {
        params.push(filterValue(col, cond, issues, [k]));
        key = key === '' ? col.eqKey : `${key}${col.eqKey}`; // precomputed: the common `{ id: 5 }` builds no string
      }
      continue;
    }
    const ops = Object.keys(cond);
    if (ops.length === 0) issues.push({ path: [k], message: 'empty operator object' });
    for (const op of ops) {
      const v = cond[op];
      const path = [k, op];
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
        const pattern =
          op === 'like' ? v : op === 'contains' ? `%${escapeLike(v)}%` : op === 'startsWith' ? `${escapeLike(v)}%` : `%${escapeLike(v)}`;
        const max = limits.maxLikePatternBytes;
        if (max !== undefined && utf8Bytes(pattern) > max) {
          throw new LimitExceededError('LIKE pattern bytes', utf8Bytes(pattern), max, `${meta.name}.${k} ${op}`);
        }
        params.push(pattern);
        key += `${k}:like;`;
        continue;
      }
      switch (op) {
        case 'eq':
        case 'ne':
          if (v === null) key += `${k}:${op === 'eq' ? 'null' : 'notnull'};`;
          else {
            params.push(filterValue(col, v, issues, path));
            key += `${k}:${op};`;
          }
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
          const encoded = v.map((x, i) => filterValue(col, x, issues, [k, op, i]));
          params.push(jsonList(encoded));
          key += `${k}:${op};`;
          break;
        }
        default: {
          if (col.kind === 'blob' || col.kind === 'json' || col.kind === 'boolean') {
            issues.push({ path, message: `${op} is not available on ${col.kind} columns` });
            break;
          }
          params.push(filterValue(col, v, issues, path));
          key += `${k}:${op};`;
        }
      }
    }
  }
  if (issues.length) throw new ValidationError(`invalid ${what} for ${meta.name}`, issues);
  const sql = cached(meta, key, () => {
    const parts = key
      .slice(0, -1)
      .split(';')
      .map((piece) => {
        const at = piece.lastIndexOf(':');
        const col = meta.byName.get(piece.slice(0, at)) as ColumnMeta;
        return conditionSql(col.quoted, piece.slice(at + 1));
      });
    return ` WHERE ${parts.join(' AND ')}`;
  });
  return { key, sql, params };
}

/** Compiles an order-by spec; every key must be a column, every direction exactly `asc` or `desc`. */
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
      else parts.push(`${col.quoted} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
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
  return cached(meta, 'byid', () => `SELECT ${meta.selectList} FROM ${meta.quotedTable} WHERE "id" = ?`);
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
  return { sql, params, returnsRows: true, columns: meta.columnNames, bigints: meta.hasBigint, readOnly: true };
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
    const tuple = `(${meta.userColumns.map(() => '?').join(', ')})`;
    return `INSERT INTO ${meta.quotedTable} (${meta.userColumns.map((c) => c.quoted).join(', ')}) VALUES ${Array(rows)
      .fill(tuple)
      .join(', ')}${RETURNING_INSERT}`;
  });
}

/** A multi-row INSERT with no RETURNING (bulk inserts that build no objects). */
export function insertManySql(meta: ModelMeta, rows: number): string {
  return cached(meta, `insm|${rows}`, () => {
    if (meta.userColumns.length === 0) return `INSERT INTO ${meta.quotedTable} DEFAULT VALUES`;
    const tuple = `(${meta.userColumns.map(() => '?').join(', ')})`;
    return `INSERT INTO ${meta.quotedTable} (${meta.userColumns.map((c) => c.quoted).join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`;
  });
}

/**
 * Splits `n` rows into insert chunks that stay under the parameter limit: as many full chunks as fit, then
 * the remainder in powers of two, so a model has at most ~log2(max) distinct statement shapes to cache.
 */
export function insertChunks(n: number, columnsPerRow: number, limits: DriverLimits, what: string): number[] {
  if (columnsPerRow === 0) return Array(n).fill(1);
  const max = Math.min(512, Math.floor(limits.maxParameters / columnsPerRow));
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
    const set = cols.map((c) => `${c.quoted} = ?`);
    set.push(`"updated_at" = ${TOUCH_SQL}`);
    const v = meta.version;
    return v
      ? `UPDATE ${meta.quotedTable} SET ${set.join(', ')}${versionBump(meta)} WHERE "id" = ? AND ${v.quoted} = ? RETURNING "updated_at", ${v.quoted}`
      : `UPDATE ${meta.quotedTable} SET ${set.join(', ')} WHERE "id" = ? RETURNING "updated_at"`;
  });
}

/** The SET list of an encoded update: `"a" = ?`, `"n" = "n" + ?`, then updated_at (and the version bump). */
function setList(meta: ModelMeta, update: EncodedUpdate): string {
  const set = update.cols.map((c, i) => (update.adds[i] ? `${c.quoted} = ${c.quoted} + ?` : `${c.quoted} = ?`));
  set.push(`"updated_at" = ${TOUCH_SQL}`);
  return set.join(', ') + versionBump(meta);
}

/**
 * The columns an `updateWhere` returns when the session holds objects of the model, so it can refresh the
 * ones it changed: `id`, the columns set, `updated_at` (and the version).
 */
export function updateReturning(meta: ModelMeta, update: EncodedUpdate): ColumnMeta[] {
  const out = [meta.byName.get('id') as ColumnMeta, ...update.cols, meta.byName.get('updated_at') as ColumnMeta];
  if (meta.version) out.push(meta.version);
  return out;
}

/** UPDATE … SET values, updated_at WHERE filters (the DAO's `update(filters, values)`), optionally RETURNING the changed rows. */
export function updateWhereSql(meta: ModelMeta, update: EncodedUpdate, where: CompiledWhere, returning: boolean): string {
  const colsKey = returning ? `R${update.key}` : update.key;
  let byWhere = meta.updateCache.get(colsKey);
  if (byWhere === undefined) {
    byWhere = new Map();
    meta.updateCache.set(colsKey, byWhere);
  }
  let sql = byWhere.get(where.key);
  if (sql === undefined) {
    sql = `UPDATE ${meta.quotedTable} SET ${setList(meta, update)}${where.sql}`;
    if (returning)
      sql += ` RETURNING ${updateReturning(meta, update)
        .map((c) => c.quoted)
        .join(', ')}`;
    byWhere.set(where.key, sql);
  }
  return sql;
}

/** DELETE of one row by id (and, for a versioned model, by the version it was read at). Planned with the post-condition "1 row". */
export function deleteByIdSql(meta: ModelMeta): string {
  return cached(meta, 'delid', () =>
    meta.version
      ? `DELETE FROM ${meta.quotedTable} WHERE "id" = ? AND ${meta.version.quoted} = ?`
      : `DELETE FROM ${meta.quotedTable} WHERE "id" = ?`,
  );
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
      `INSERT INTO ${meta.quotedTable} (${cols.map((c) => c.quoted).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (${target.map((t) => `"${t}"`).join(', ')}) DO UPDATE SET ${set.join(', ')}${versionBump(meta)} RETURNING ${meta.selectList}`
    );
  });
}

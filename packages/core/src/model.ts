/**
 * The Base model contract — the port of the seed's `Base(AsyncAttrs, DeclarativeBase)`.
 *
 * ```ts
 * export const Base = declarativeBase();
 * export class User extends Base('User', {
 *   telegram_id: t.integer().unique(),
 *   username: t.text().nullable(),
 * }) {}
 * await Base.metadata.createAll(engine);
 * ```
 *
 * Every model inherits `id` (INTEGER PRIMARY KEY AUTOINCREMENT: ids are never reused), `created_at` and
 * `updated_at` (filled by the database, refreshed by every update litedao issues and by a trigger for
 * everyone else), a pluralized snake_case table name, and `toDict()`.
 */
import * as z from 'zod';
import { type ColumnKind, type Decoder, decoders, EncodeIssue, encoders, jsonSafe } from './codec.ts';
import { type Column, type ColumnConfig, type ColumnsShape, type InsertOf, kindSchema, type RowOf, type UpdateOf } from './columns.ts';
import type { SqlValue } from './driver.ts';
import { ConfigurationError, IdentifierError, ValidationError, type ValidationIssue } from './errors.ts';
import { checkIdentifier, foldIdentifier, type NamingMode, quoteIdent, tableNameFor } from './naming.ts';

/**
 * SQL for "now", UTC, in the layout Python's SQLAlchemy writes: `CURRENT_TIMESTAMP` plus six fractional digits
 * (`2026-11-22 03:04:05.123000`). SQLite has millisecond resolution, so the last three digits are literal zeros:
 * SQLAlchemy 1.4 reads a 3-digit fraction `.123` as 123 *microseconds*, six digits read correctly everywhere.
 */
export const NOW_SQL = "strftime('%Y-%m-%d %H:%M:%f000', 'now')";

/** Runtime description of one column of a model. */
export interface ColumnMeta {
  readonly name: string;
  /** The name, double-quoted for SQL. */
  readonly quoted: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** Position in the model's select list. */
  readonly position: number;
  /** `id`, `created_at`, `updated_at`: owned by litedao, never written by callers. */
  readonly owned: boolean;
  readonly config: ColumnConfig;
  readonly decode: Decoder;
  /** zod schema of the value, nullable when the column is. */
  readonly schema: z.ZodType;
  /** This column's equality shape key in compiled filters (`name:eq;`). */
  readonly eqKey: string;
  /** This column's key in an update's column list (`name,`). */
  readonly setKey: string;
}

/** Runtime description of a model: its table, columns, schemas and compiled-SQL caches. */
export interface ModelMeta {
  readonly name: string;
  readonly tableName: string;
  readonly quotedTable: string;
  /** Select order: `id`, declared columns, `created_at`, `updated_at`. */
  readonly columns: readonly ColumnMeta[];
  /** Declared columns only, in declaration order. */
  readonly userColumns: readonly ColumnMeta[];
  readonly byName: ReadonlyMap<string, ColumnMeta>;
  readonly uniqueSets: readonly (readonly string[])[];
  readonly indexes: readonly (readonly string[])[];
  readonly hasBigint: boolean;
  /** `"id", "name", …` */
  readonly selectList: string;
  readonly columnNames: readonly string[];
  readonly metadata: Metadata;
  /** Compiled SQL per query shape (see compile.ts). */
  readonly sqlCache: Map<string, string>;
  /** Compiled UPDATE … WHERE per column list, then per filter shape (both keys are precomputed strings). */
  readonly updateCache: Map<string, Map<string, string>>;
  readonly schemas: ModelSchemas;
  // biome-ignore lint/suspicious/noExplicitAny: set once the class exists
  cls: any;
}

/** zod schemas derived from a model. */
export interface ModelSchemas {
  /** Values for a new row (what `new Model(values)` accepts). Strict: unknown keys are refused. */
  readonly insert: z.ZodType;
  /** A partial update of declared columns. Strict. */
  readonly update: z.ZodType;
  /** A full row as read, base columns included. */
  readonly select: z.ZodType;
}

/** A model class, as returned by `Base(name, columns)` and extended by the user's class. */
export interface ModelClass<C extends ColumnsShape = ColumnsShape> {
  new (values: InsertOf<C>): Entity & RowOf<C>;
  readonly modelName: string;
  readonly tableName: string;
  readonly columns: C;
  readonly schemas: ModelSchemas;
}

/** Any model class (for generic APIs). */
export type AnyModel = {
  readonly modelName: string;
  readonly tableName: string;
  readonly schemas: ModelSchemas;
} & AnyConstructor;

// biome-ignore lint/suspicious/noExplicitAny: any model constructor
type AnyConstructor = abstract new (...args: any[]) => Entity;

/** The declared columns of a model class. */
export type ColumnsOf<M> = M extends ModelClass<infer C> ? C : never;
/** The values `new M(values)` / `dao.add(values)` accept. */
export type Insert<M> = InsertOf<ColumnsOf<M>>;
/** The values an update accepts. */
export type Update<M> = UpdateOf<ColumnsOf<M>>;
/** A plain row of M (what `toDict()` returns). */
export type Row<M> = RowOf<ColumnsOf<M>>;

const META = Symbol.for('litedao.model');
/** Passed to a model constructor to build an instance from a stored row instead of from values. */
const LOAD = Symbol('litedao.load');

let snapshotOf: (e: Entity) => SqlValue[] | undefined;
let setSnapshot: (e: Entity, s: SqlValue[] | undefined) => void;
let ownerOf: (e: Entity) => object | undefined;
let setOwner: (e: Entity, o: object | undefined) => void;

/**
 * Base of every model instance. Column values are own enumerable properties named after the columns;
 * litedao's bookkeeping lives in private fields, so `{ ...user }` and `Object.keys(user)` show columns only.
 */
export class Entity {
  /** The values as last read from or written to the database (for dirty tracking); undefined while new. */
  #snapshot: SqlValue[] | undefined;
  /** The session this object belongs to. */
  #owner: object | undefined;

  /** @internal Loaded instances pass their stored row and session; new ones pass nothing. */
  constructor(snapshot?: SqlValue[], owner?: object) {
    this.#snapshot = snapshot;
    this.#owner = owner;
  }

  static {
    snapshotOf = (e) => e.#snapshot;
    setSnapshot = (e, s) => {
      e.#snapshot = s;
    };
    ownerOf = (e) => e.#owner;
    setOwner = (e, o) => {
      e.#owner = o;
    };
  }

  /** Column name → value, as the seed's `to_dict()` (values as JS objects: `Date`, `Uint8Array`, …). */
  toDict(): Record<string, unknown> {
    const meta = metaOf(this.constructor);
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    for (const c of meta.columns) out[c.name] = self[c.name];
    return out;
  }

  /** The JSON-safe form of {@link toDict}: ISO-8601 dates, bigints as strings, blobs as base64. */
  toJSON(): Record<string, unknown> {
    const meta = metaOf(this.constructor);
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    for (const c of meta.columns) out[c.name] = jsonSafe(self[c.name]);
    return out;
  }
}

/** @internal Bookkeeping accessors for the session. */
export const entityState = {
  snapshot: (e: Entity): SqlValue[] | undefined => snapshotOf(e),
  setSnapshot: (e: Entity, s: SqlValue[] | undefined): void => setSnapshot(e, s),
  owner: (e: Entity): object | undefined => ownerOf(e),
  setOwner: (e: Entity, o: object | undefined): void => setOwner(e, o),
};

/** The metadata of a model class (or throws ConfigurationError for anything else). */
export function metaOf(model: unknown): ModelMeta {
  const meta = typeof model === 'function' ? (model as unknown as Record<symbol, ModelMeta | undefined>)[META] : undefined;
  if (!meta) throw new ConfigurationError('expected a model class created with declarativeBase()');
  return meta;
}

/** Builds an instance of `cls` from a stored row (raw values in the model's select order), owned by `owner`. */
export function loadEntity(cls: AnyModel, raw: SqlValue[], owner?: object): Entity {
  // biome-ignore lint/suspicious/noExplicitAny: internal construction path
  return new (cls as any)(LOAD, raw, owner);
}

/** Turns zod issues into litedao's issue shape. */
export function zodIssues(error: z.ZodError, prefix: readonly (string | number)[] = []): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
    code: i.code,
  }));
}

/** Validates with zod or throws ValidationError; returns the parsed value. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix: readonly (string | number)[] = []): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(what, zodIssues(r.error, prefix));
  return r.data;
}

/**
 * Encodes one value of a column (null allowed only when the column is nullable), pushing an issue instead of
 * throwing so a whole unit of work can be checked before anything is written.
 */
export function encodeColumn(col: ColumnMeta, value: unknown, issues: ValidationIssue[], path: readonly (string | number)[]): SqlValue {
  if (value === null || value === undefined) {
    if (value === null && col.nullable) return null;
    issues.push({ path: [...path, col.name], message: value === undefined ? 'required' : 'must not be null' });
    return null;
  }
  try {
    const out = encoders[col.kind](value);
    if (col.config.schema) {
      const r = col.config.schema.safeParse(value);
      if (!r.success) issues.push(...zodIssues(r.error, [...path, col.name]));
    }
    return out;
  } catch (e) {
    if (e instanceof EncodeIssue) {
      issues.push({ path: [...path, col.name], message: e.message });
      return null;
    }
    throw e;
  }
}

/** Options of {@link declarativeBase}. */
export interface BaseOptions {
  /** How table names are derived; `'plural'` by default, `'legacy'` for the Python template's `lower + "s"`. */
  readonly naming?: NamingMode;
}

/** Options of one model. */
export interface ModelOptions<C extends ColumnsShape> {
  /** An explicit table name; overrides the naming mode. */
  readonly tableName?: string;
  /** Composite UNIQUE constraints, e.g. `[['chat_id', 'message_id']]` (what `upsert` can target). */
  readonly unique?: readonly (readonly (keyof C & string)[])[];
  /** Composite indexes. */
  readonly indexes?: readonly (readonly (keyof C & string)[])[];
}

/** The registry of one declarative base: its models and their tables (the seed's `Base.metadata`). */
export interface Metadata {
  /** Models in definition order. */
  readonly models: readonly AnyModel[];
  /** Creates every table, index and trigger that does not exist yet, in one atomic batch. */
  createAll(engine: { createAll(models: readonly AnyModel[]): Promise<void> }): Promise<void>;
  /** Drops every table of this base that exists, in one atomic batch. */
  dropAll(engine: { dropAll(models: readonly AnyModel[]): Promise<void> }): Promise<void>;
}

/** The function returned by {@link declarativeBase}: call it to declare a model. */
export interface DeclarativeBase {
  <const C extends ColumnsShape>(name: string, columns: C, options?: ModelOptions<C>): ModelClass<C>;
  readonly metadata: Metadata;
  readonly naming: NamingMode;
}

const OWNED = ['id', 'created_at', 'updated_at'] as const;
/** Names that would shadow litedao's or JavaScript's own members of an instance. */
const FORBIDDEN_COLUMNS = new Set([
  'toDict',
  'toJSON',
  'constructor',
  'prototype',
  '__proto__',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

function ownedColumn(name: 'id' | 'created_at' | 'updated_at'): ColumnConfig {
  return {
    kind: name === 'id' ? 'integer' : 'timestamp',
    nullable: false,
    hasDefault: true,
    unique: false,
    index: false,
  };
}

/**
 * Creates a declarative base: the function that declares models, and their shared `metadata`. Two models of
 * one base mapping to the same table is an `IdentifierError` at definition time.
 */
export function declarativeBase(options: BaseOptions = {}): DeclarativeBase {
  const naming = options.naming ?? 'plural';
  if (naming !== 'plural' && naming !== 'legacy') throw new ConfigurationError(`unknown naming mode ${String(naming)}`);
  const models: AnyModel[] = [];
  const tables = new Map<string, string>();

  const metadata: Metadata = {
    get models() {
      return models.slice();
    },
    createAll: (engine) => engine.createAll(models),
    dropAll: (engine) => engine.dropAll(models),
  };

  const base = <const C extends ColumnsShape>(name: string, columns: C, modelOptions: ModelOptions<C> = {}): ModelClass<C> => {
    const modelName = checkIdentifier(name, 'model name');
    const tableName = checkIdentifier(modelOptions.tableName ?? tableNameFor(modelName, naming), 'table name');
    const folded = foldIdentifier(tableName);
    const clash = tables.get(folded);
    if (clash !== undefined) {
      throw new IdentifierError(
        `models ${clash} and ${modelName} both map to table ${JSON.stringify(tableName)}; give one an explicit tableName`,
      );
    }
    const meta = buildMeta(modelName, tableName, columns, modelOptions as ModelOptions<ColumnsShape>, metadata);
    const cls = makeClass(meta);
    Object.defineProperty(cls, 'columns', { value: Object.freeze({ ...columns }) });
    tables.set(folded, modelName);
    models.push(cls as unknown as AnyModel);
    return cls as unknown as ModelClass<C>;
  };
  return Object.assign(base, { metadata, naming });
}

function buildMeta(
  name: string,
  tableName: string,
  columns: ColumnsShape,
  options: ModelOptions<ColumnsShape>,
  metadata: Metadata,
): ModelMeta {
  if (typeof columns !== 'object' || columns === null) throw new ConfigurationError(`model ${name}: columns must be an object`);
  const declared: [string, ColumnConfig][] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(columns)) {
    const col = columns[key] as Column | undefined;
    const colName = checkIdentifier(key, `column name of ${name}`);
    if ((OWNED as readonly string[]).includes(colName)) {
      throw new IdentifierError(`model ${name}: column ${colName} is inherited from Base and cannot be redeclared`);
    }
    if (FORBIDDEN_COLUMNS.has(colName)) throw new IdentifierError(`model ${name}: column name ${colName} would shadow a built-in member`);
    const f = foldIdentifier(colName);
    if (seen.has(f)) throw new IdentifierError(`model ${name}: two columns named ${colName} (SQLite ignores ASCII case)`);
    seen.add(f);
    if (!col || typeof col !== 'object' || !('config' in col))
      throw new ConfigurationError(`model ${name}: ${colName} is not a column (use t.text(), …)`);
    declared.push([colName, col.config]);
  }
  const all: [string, ColumnConfig, boolean][] = [
    ['id', ownedColumn('id'), true],
    ...declared.map(([n, c]): [string, ColumnConfig, boolean] => [n, c, false]),
    ['created_at', ownedColumn('created_at'), true],
    ['updated_at', ownedColumn('updated_at'), true],
  ];
  const metas: ColumnMeta[] = all.map(([n, c, owned], position) => {
    let schema = kindSchema(c.kind);
    if (c.schema) schema = schema.pipe(c.schema as z.ZodType<unknown>);
    return {
      name: n,
      quoted: quoteIdent(n),
      kind: c.kind,
      nullable: c.nullable,
      position,
      owned,
      config: c,
      decode: decoders[c.kind],
      schema: c.nullable ? schema.nullable() : schema,
      eqKey: `${n}:eq;`,
      setKey: `${n},`,
    };
  });
  const byName = new Map(metas.map((m) => [m.name, m]));
  const checkSet = (set: readonly string[], what: string) => {
    if (!Array.isArray(set) || set.length === 0) throw new ConfigurationError(`model ${name}: ${what} must list columns`);
    for (const c of set) if (!byName.has(c)) throw new ConfigurationError(`model ${name}: ${what} names unknown column ${String(c)}`);
    return set.slice();
  };
  const uniqueSets = [
    ...metas.filter((m) => m.config.unique).map((m) => [m.name]),
    ...(options.unique ?? []).map((s) => checkSet(s, 'unique')),
  ];
  const indexes = [
    ...metas.filter((m) => m.config.index).map((m) => [m.name]),
    ...(options.indexes ?? []).map((s) => checkSet(s, 'indexes')),
  ];
  const userColumns = metas.filter((m) => !m.owned);

  const insertShape: Record<string, z.ZodType> = {};
  const updateShape: Record<string, z.ZodType> = {};
  for (const c of userColumns) {
    const def = c.config.default;
    let s: z.ZodType = c.schema;
    if (c.config.hasDefault) {
      s = s.optional().transform((v) => (v === undefined ? (typeof def === 'function' ? (def as () => unknown)() : def) : v));
    } else if (c.nullable) {
      s = s.optional().transform((v) => (v === undefined ? null : v));
    }
    insertShape[c.name] = s;
    updateShape[c.name] = c.schema.optional();
  }
  const selectShape: Record<string, z.ZodType> = {};
  for (const c of metas) selectShape[c.name] = c.schema;

  return {
    name,
    tableName,
    quotedTable: quoteIdent(tableName),
    columns: metas,
    userColumns,
    byName,
    uniqueSets,
    indexes,
    hasBigint: metas.some((m) => m.kind === 'bigint'),
    selectList: metas.map((m) => m.quoted).join(', '),
    columnNames: metas.map((m) => m.name),
    metadata,
    sqlCache: new Map(),
    updateCache: new Map(),
    schemas: {
      insert: z.strictObject(insertShape),
      update: z.strictObject(updateShape),
      select: z.object(selectShape),
    },
    cls: undefined,
  };
}

function makeClass(meta: ModelMeta): ModelClass {
  const cols = meta.columns;
  const user = meta.userColumns;
  const n = cols.length;
  const where = cols.map((c) => `${meta.tableName}.${c.name}`);
  const assign = compileRowAssigner(cols, where, n);
  class Model extends Entity {
    static readonly modelName = meta.name;
    static readonly tableName = meta.tableName;
    static readonly schemas = meta.schemas;
    static readonly [META] = meta;

    constructor(values: unknown, raw?: SqlValue[], owner?: object) {
      const loading = values === LOAD && raw !== undefined;
      super(loading ? raw : undefined, loading ? owner : undefined);
      const self = this as unknown as Record<string, unknown>;
      if (loading) {
        assign(self, raw);
        return;
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new ValidationError(`new ${meta.name}(values) expects an object`, [{ path: [], message: 'expected an object' }]);
      }
      const given = values as Record<string, unknown>;
      const issues = checkKeys(meta, given);
      self.id = undefined;
      for (const c of user) self[c.name] = insertValue(c, given, issues, []).value;
      throwIfIssues(issues, `invalid values for ${meta.name}`);
      self.created_at = undefined;
      self.updated_at = undefined;
    }
  }
  Object.defineProperty(Model, 'name', { value: meta.name });
  meta.cls = Model;
  return Model as unknown as ModelClass;
}

type RowAssigner = (self: Record<string, unknown>, raw: SqlValue[]) => void;

/** Kinds whose stored value is already the JS value when it has the expected type (decode only on mismatch). */
const PASS_THROUGH: Partial<Record<ColumnKind, string>> = { integer: 'number', real: 'number', text: 'string' };

/**
 * Builds the function that copies a stored row onto an instance. Where the runtime allows code generation
 * (Node, most browsers) it is a straight-line function with constant property names — monomorphic stores,
 * no per-column calls for integers and text; where it does not (workerd, strict CSP: `new Function` throws),
 * a loop over the columns does the same work.
 */
function compileRowAssigner(cols: readonly ColumnMeta[], where: readonly string[], n: number): RowAssigner {
  const decode = cols.map((c) => c.decode);
  try {
    let body = 'var v;\n';
    cols.forEach((c, i) => {
      const key = JSON.stringify(c.name);
      const w = `w[${i}]`;
      const pass = PASS_THROUGH[c.kind];
      body += `v = raw[${i}];\n`;
      body += pass
        ? `self[${key}] = (v === null || typeof v === '${pass}') ? v : d[${i}](v, ${w});\n`
        : `self[${key}] = v === null ? null : d[${i}](v, ${w});\n`;
    });
    const make = new Function('d', 'w', `return function assignRow(self, raw) {\n${body}};`) as (
      d: readonly Decoder[],
      w: readonly string[],
    ) => RowAssigner;
    return make(decode, where);
  } catch {
    return (self, raw) => {
      for (let i = 0; i < n; i++) {
        const v = raw[i] as SqlValue;
        self[(cols[i] as ColumnMeta).name] = v === null ? null : (decode[i] as Decoder)(v, where[i] as string);
      }
    };
  }
}

/**
 * The value a new row gets for a column: the given one, else the column's default, else null for a nullable
 * column. Validated (issues collected, not thrown) and encoded.
 */
export function insertValue(
  col: ColumnMeta,
  given: Record<string, unknown>,
  issues: ValidationIssue[],
  path: readonly (string | number)[],
): { value: unknown; encoded: SqlValue } {
  let value = Object.hasOwn(given, col.name) ? given[col.name] : undefined;
  if (value === undefined) {
    const def = col.config.default;
    value = col.config.hasDefault ? (typeof def === 'function' ? (def as () => unknown)() : def) : col.nullable ? null : undefined;
  }
  return { value, encoded: encodeColumn(col, value, issues, path) };
}

/**
 * Issues for keys that are not declared columns of the model (`__proto__`, `constructor`, typos) and for the
 * base columns litedao owns. Keys are looked up in a Map, never with `in`.
 */
export function checkKeys(meta: ModelMeta, values: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(values)) {
    const c = meta.byName.get(k);
    if (!c) issues.push({ path: [k], message: `unknown column of ${meta.name}`, code: 'unrecognized_keys' });
    else if (c.owned && values[k] !== undefined) issues.push({ path: [k], message: `${k} is managed by litedao and cannot be set` });
  }
  return issues;
}

/** Throws ValidationError when any issue was collected. */
export function throwIfIssues(issues: readonly ValidationIssue[], what: string): void {
  if (issues.length > 0) throw new ValidationError(what, issues);
}

/**
 * Column and model metadata: what a model declares, at runtime, and the zod schemas derived from it.
 * Built once per model by `declarativeBase()`; read by validation, SQL compilation, DDL and the session.
 */
import * as z from 'zod';
import { type ColumnKind, type Decoder, decodeJsonNotNull, decoders, integerSelectSql } from './codec.ts';
import { checkColumnDefault } from './column-default.ts';
import { type Column, type ColumnConfig, type ColumnsShape, type InsertOf, kindSchema, type RowOf, type UpdateOf } from './columns.ts';
import type { Metadata } from './declarative-base.ts';
import type { SqlValue } from './driver.ts';
import type { Entity } from './entity.ts';
import { ConfigurationError, IdentifierError } from './errors.ts';
import { checkIdentifier, foldIdentifier, quoteIdent } from './naming.ts';
import {
  declareRelations,
  RESERVED_FILTER_KEYS,
  type RelatedLoaders,
  type Relation,
  type RelationBuilder,
  type RelationForeignKeys,
  type RelationInit,
  type RelationMeta,
  type RelationsShape,
  type RelationValues,
  relationBuilder,
} from './relations.ts';

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
  /** Set and bumped by litedao, never by callers (the `t.version()` column). */
  readonly managed: boolean;
  readonly config: ColumnConfig;
  readonly decode: Decoder;
  /** zod schema of the value, nullable when the column is. */
  readonly schema: z.ZodType;
  /** This column's equality shape key in compiled filters (`name:eq;`). */
  readonly eqKey: string;
  /** This column's key in an update's column list (`name,`). */
  readonly setKey: string;
  /** `table.column`, for messages (decoding errors name the column this way). */
  readonly where: string;
}

/** Runtime description of a model: its table, columns, schemas and compiled-SQL caches. */
export interface ModelMeta {
  readonly name: string;
  readonly tableName: string;
  readonly quotedTable: string;
  /** The table's previous name (`renamedFrom` option), for migrations. */
  readonly renamedFrom: string | undefined;
  /** Select order: `id`, declared columns, `created_at`, `updated_at`. */
  readonly columns: readonly ColumnMeta[];
  /** Declared columns only, in declaration order. */
  readonly userColumns: readonly ColumnMeta[];
  readonly byName: ReadonlyMap<string, ColumnMeta>;
  readonly uniqueSets: readonly (readonly string[])[];
  readonly indexes: readonly (readonly string[])[];
  readonly hasBigint: boolean;
  /** The optimistic-concurrency column (`t.version()`), if the model has one. */
  readonly version: ColumnMeta | undefined;
  /**
   * The select list, one result column per model column under its own name: `"name", …`, with integer-kind
   * columns (and `id`) read through {@link integerSelectSql}.
   */
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
  /**
   * The class objects loaded through relationships are made with: the user's subclass once litedao has seen
   * it (constructed, queried, named by `.references()` or passed to any API), else {@link cls}.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the user's model class
  loadClass: any;
  /** Copies a stored row (select order) onto an instance, decoding each value; set once the class exists. */
  assign: (self: Record<string, unknown>, raw: readonly SqlValue[]) => void;
  /** Declared relationships by name, as written (checked at definition time). */
  readonly relationDecls: ReadonlyMap<string, Relation>;
  /** Foreign-key columns a declared many-to-one relationship can fill (optional when constructing). */
  readonly relationForeignKeys: ReadonlySet<string>;
  /** The resolved relationships, set on first use for every model of the base (relations.ts). */
  relationsResolved: ReadonlyMap<string, RelationMeta> | undefined;
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

declare const MODEL_TYPES: unique symbol;

/** Type-only facts about a model carried by its instances (no property exists at run time). */
export interface ModelTypes<C extends ColumnsShape, R> {
  readonly row: RowOf<C>;
  readonly relations: R;
}

/**
 * An instance of a model: its columns, its relationships (`user.messages`) and `related`, the awaitable
 * loaders (`await user.related.messages`).
 */
export type ModelInstance<C extends ColumnsShape, R = {}> = Entity &
  RowOf<C> &
  RelationValues<R> & {
    /** Each relationship as a promise that loads it when needed (for every object loaded with this one). */
    readonly related: RelatedLoaders<R>;
    /** Type only. */
    readonly [MODEL_TYPES]?: ModelTypes<C, R>;
  };

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * What a model's constructor accepts: its insert values, where foreign keys a many-to-one relationship fills
 * may be left out, plus relationship values (`new Message({ text, user })`).
 */
export type ConstructOf<C extends ColumnsShape, R = {}> = Simplify<
  Omit<InsertOf<C>, RelationForeignKeys<R>> & Partial<Pick<InsertOf<C>, RelationForeignKeys<R> & keyof InsertOf<C>>> & RelationInit<R>
>;

/** A model class, as returned by `Base(name, columns)` and extended by the user's class. */
export interface ModelClass<C extends ColumnsShape = ColumnsShape, R = {}> {
  new (values: ConstructOf<C, R>): ModelInstance<C, R>;
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
export type ColumnsOf<M> = M extends { readonly columns: infer C extends ColumnsShape } ? C : never;
/** The declared relationships of a model class. */
// biome-ignore lint/suspicious/noExplicitAny: any model constructor
export type RelationsOf<M> = M extends abstract new (...args: any[]) => infer E ? RelationsOfEntity<E> : never;

/** The plain row type of a model instance type (`RowOfEntity<User>`). */
export type RowOfEntity<E> = E extends { readonly [MODEL_TYPES]?: infer X }
  ? NonNullable<X> extends { readonly row: infer Row }
    ? Row
    : never
  : never;
/** The relationships of a model instance type. */
export type RelationsOfEntity<E> = E extends { readonly [MODEL_TYPES]?: infer X }
  ? NonNullable<X> extends { readonly relations: infer R }
    ? R
    : never
  : never;
/** The values `new M(values)` / `dao.add(values)` accept. */
export type Insert<M> = InsertOf<ColumnsOf<M>>;
/** The values an update accepts. */
export type Update<M> = UpdateOf<ColumnsOf<M>>;
/** A plain row of M (what `toDict()` returns). */
export type Row<M> = RowOf<ColumnsOf<M>>;

/** Where a model class keeps its metadata (a registered symbol, so duplicate package copies agree). */
export const META = Symbol.for('litedao.model');

/** The metadata of a model class (or throws ConfigurationError for anything else). */
export function metaOf(model: unknown): ModelMeta {
  const meta = typeof model === 'function' ? (model as unknown as Record<symbol, ModelMeta | undefined>)[META] : undefined;
  if (!meta) throw new ConfigurationError('expected a model class created with declarativeBase()');
  // The user's class (`class User extends Base(…) {}`), seen for the first time: objects loaded through a
  // relationship are made with it.
  if (model !== meta.cls && model !== meta.loadClass) meta.loadClass = model;
  return meta;
}

export interface ModelOptions<C extends ColumnsShape, R extends RelationsShape = {}> {
  /** An explicit table name; overrides the naming mode. */
  readonly tableName?: string;
  /**
   * The model's relationships, declared with the builder: `(r) => ({ messages: r.oneToMany<Message>('Message') })`
   * (see relations.ts). Called once, when the model is defined; targets are resolved by name on first use.
   */
  readonly relations?: (r: RelationBuilder<C>) => R;
  /** Composite UNIQUE constraints, e.g. `[['chat_id', 'message_id']]` (what `upsert` can target). */
  readonly unique?: readonly (readonly (keyof C & string)[])[];
  /** Composite indexes. */
  readonly indexes?: readonly (readonly (keyof C & string)[])[];
  /** The table's previous name, for `litedao generate` (a rename that keeps the rows, not a drop and a create). */
  readonly renamedFrom?: string;
}

const OWNED = ['id', 'created_at', 'updated_at'] as const;
/** Names that would shadow litedao's or JavaScript's own members of an instance. */
const FORBIDDEN_COLUMNS = new Set([
  'toDict',
  'toJSON',
  'related',
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

/** Builds the metadata of one model; every declaration error is found here, at definition time. */
export function buildMeta(
  name: string,
  tableName: string,
  columns: ColumnsShape,
  options: ModelOptions<ColumnsShape, RelationsShape>,
  metadata: Metadata,
): ModelMeta {
  if (typeof columns !== 'object' || columns === null) throw new ConfigurationError(`model ${name}: columns must be an object`);
  const declared: [string, ColumnConfig][] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(columns)) {
    const col = columns[key] as Column | undefined;
    const colName = checkIdentifier(key, `column name of ${name}`);
    // SQLite compares identifiers ignoring ASCII case: `ID` or `Created_At` would be the same column.
    const owned = OWNED.find((o) => o === foldIdentifier(colName));
    if (owned !== undefined) {
      throw new IdentifierError(
        `model ${name}: column ${colName} is ${owned} (SQLite ignores ASCII case), which is inherited from Base and cannot be redeclared`,
      );
    }
    if (FORBIDDEN_COLUMNS.has(colName)) throw new IdentifierError(`model ${name}: column name ${colName} would shadow a built-in member`);
    if (RESERVED_FILTER_KEYS.has(colName)) {
      throw new IdentifierError(`model ${name}: column name ${colName} is reserved for composing filters (or, and, not)`);
    }
    const f = foldIdentifier(colName);
    if (seen.has(f)) throw new IdentifierError(`model ${name}: two columns named ${colName} (SQLite ignores ASCII case)`);
    seen.add(f);
    if (!col || typeof col !== 'object' || !('config' in col))
      throw new ConfigurationError(`model ${name}: ${colName} is not a column (use t.text(), …)`);
    checkColumnDefault(name, colName, col.config.kind, col.config);
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
      managed: owned || c.version === true,
      config: c,
      decode: c.kind === 'json' && !c.nullable ? decodeJsonNotNull : decoders[c.kind],
      schema: c.nullable ? schema.nullable() : schema,
      eqKey: `${n}:eq;`,
      setKey: `${n},`,
      where: `${tableName}.${n}`,
    };
  });
  const byName = new Map(metas.map((m) => [m.name, m]));
  if (metas.filter((m) => m.config.version === true).length > 1) {
    throw new ConfigurationError(`model ${name}: at most one t.version() column`);
  }
  const checkSet = (set: readonly string[], what: string) => {
    if (!Array.isArray(set) || set.length === 0) throw new ConfigurationError(`model ${name}: ${what} must list columns`);
    for (const c of set) if (!byName.has(c)) throw new ConfigurationError(`model ${name}: ${what} names unknown column ${String(c)}`);
    return set.slice();
  };
  // One UNIQUE per column set, whatever the order of its columns (`.unique()` and `unique: [['code']]` both
  // name `code`): SQLite keeps a duplicate as one more index, and introspection reads one constraint back.
  const uniqueSets: string[][] = [];
  const uniqueKeys = new Set<string>();
  for (const set of [
    ...metas.filter((m) => m.config.unique).map((m) => [m.name]),
    ...(options.unique ?? []).map((s) => checkSet(s, 'unique')),
  ]) {
    const key = [...new Set(set)].sort().join('\0');
    if (uniqueKeys.has(key)) continue;
    uniqueKeys.add(key);
    uniqueSets.push(set);
  }
  const indexes = [
    ...metas.filter((m) => m.config.index).map((m) => [m.name]),
    ...(options.indexes ?? []).map((s) => checkSet(s, 'indexes')),
  ];
  const userColumns = metas.filter((m) => !m.owned);
  if (options.relations !== undefined && typeof options.relations !== 'function') {
    throw new ConfigurationError(`model ${name}: relations must be a function (r) => ({ … })`);
  }
  const relationDecls = declareRelations(name, options.relations?.(relationBuilder), byName, FORBIDDEN_COLUMNS);
  const relationForeignKeys = new Set<string>();
  for (const r of relationDecls.values()) if (r.kind === 'manyToOne' && r.foreignKey !== undefined) relationForeignKeys.add(r.foreignKey);

  const insertShape: Record<string, z.ZodType> = {};
  const updateShape: Record<string, z.ZodType> = {};
  for (const c of userColumns) {
    // A t.version() column is set and bumped by litedao only: the schemas refuse it as every write path does.
    if (c.managed) continue;
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
    renamedFrom: options.renamedFrom,
    columns: metas,
    userColumns,
    byName,
    uniqueSets,
    indexes,
    hasBigint: metas.some((m) => m.kind === 'bigint'),
    version: metas.find((m) => m.config.version === true),
    // Integer-kind columns are read through a guard that makes integers beyond 2^53 arrive as exact text.
    selectList: metas.map((m) => (m.kind === 'integer' || m.kind === 'bigint' ? integerSelectSql(m.quoted) : m.quoted)).join(', '),
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
    loadClass: undefined,
    assign: () => {
      throw new ConfigurationError(`model ${name} is not ready`);
    },
    relationDecls,
    relationForeignKeys,
    relationsResolved: undefined,
  };
}

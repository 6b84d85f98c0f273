/**
 * Column builders: `t.integer()`, `t.text().nullable()`, `t.boolean().default(false)`, … Each builder is
 * immutable; every call returns a new builder whose type records nullability and defaults, so a model's
 * instance, insert and update types are inferred from its declaration with no codegen.
 */
import * as z from 'zod';
import { type ColumnKind, isPlainJson } from './codec.ts';
import { ConfigurationError } from './errors.ts';
import type { ColumnExpression } from './expressions.ts';

/** JSON values a `t.json()` column holds by default. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a foreign key points at: a model class, given lazily so models can reference each other. */
export interface ReferenceConfig {
  // biome-ignore lint/suspicious/noExplicitAny: any model class; resolved at definition time
  readonly model: () => any;
  readonly onDelete?: ReferentialAction | undefined;
  readonly onUpdate?: ReferentialAction | undefined;
}

/** SQLite's referential actions (https://sqlite.org/foreignkeys.html#fk_actions). */
export type ReferentialAction = 'cascade' | 'restrict' | 'set null' | 'set default' | 'no action';

const ACTIONS: readonly string[] = ['cascade', 'restrict', 'set null', 'set default', 'no action'];

/** Checks a referential action against SQLite's closed set; anything else is a ConfigurationError at definition. */
function referentialAction(value: unknown, which: string): ReferentialAction | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && ACTIONS.includes(value)) return value as ReferentialAction;
  throw new ConfigurationError(`references(): ${which} must be one of ${ACTIONS.map((a) => `'${a}'`).join(', ')}`);
}

/** Everything a column declares, at runtime. */
export interface ColumnConfig {
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  /** A constant or a function called per insert (client-side default, as SQLAlchemy's `default=`). */
  readonly default?: unknown;
  readonly unique: boolean;
  readonly index: boolean;
  readonly references?: ReferenceConfig | undefined;
  /** Extra zod refinement of the value (e.g. `z.string().email()`); runs on every write. */
  readonly schema?: z.ZodType | undefined;
  /** The column's previous name, for `litedao generate` (a rename, not a drop and an add). */
  readonly renamedFrom?: string | undefined;
  /** The model's optimistic-concurrency counter (`t.version()`): set and bumped by litedao only. */
  readonly version?: boolean | undefined;
}

/**
 * A column declaration. `T` is the JS value type; `N` whether it is nullable; `D` whether it has a default
 * (nullable columns default to null, so both are optional on insert); `F` whether it is a foreign key
 * (`.references()`), which a many-to-one relationship can be declared over.
 */
export class Column<T = unknown, N extends boolean = false, D extends boolean = false, F extends boolean = false> {
  readonly config: ColumnConfig;
  declare readonly _type: T;
  declare readonly _nullable: N;
  declare readonly _hasDefault: D;
  declare readonly _foreignKey: F;

  constructor(config: ColumnConfig) {
    this.config = Object.freeze({ ...config });
  }

  #with(patch: Partial<ColumnConfig>): ColumnConfig {
    return { ...this.config, ...patch };
  }

  /** Allows NULL. Nullable columns are optional on insert and default to null. */
  nullable(): Column<T, true, D, F> {
    return new Column(this.#with({ nullable: true }));
  }

  /**
   * A value used when an insert omits the column: a constant (also written as the SQL `DEFAULT`, so raw SQL and
   * other tools get it too) or a function called per insert.
   */
  default(value: T | (() => T)): Column<T, N, true, F> {
    return new Column(this.#with({ hasDefault: true, default: value }));
  }

  /** Adds a UNIQUE constraint (what `upsert` can target). */
  unique(): Column<T, N, D, F> {
    return new Column(this.#with({ unique: true }));
  }

  /** Adds an index named `ix_<table>_<column>`, as SQLAlchemy's `index=True` does. */
  index(): Column<T, N, D, F> {
    return new Column(this.#with({ index: true }));
  }

  /**
   * Makes the column a foreign key to another model's `id`. Pass the model lazily: `() => User`.
   * Foreign keys are enforced on every adapter (litedao turns them on for sqlite-wasm, where they are off).
   */
  // biome-ignore lint/suspicious/noExplicitAny: any model class
  references(model: () => any, actions?: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction }): Column<T, N, D, true> {
    if (typeof model !== 'function') throw new ConfigurationError('references(model) takes the model lazily: references(() => User)');
    // These words reach DDL: only SQLite's own five pass (anything else would be spliced into CREATE TABLE).
    const onDelete = referentialAction(actions?.onDelete, 'onDelete');
    const onUpdate = referentialAction(actions?.onUpdate, 'onUpdate');
    return new Column(this.#with({ references: { model, onDelete, onUpdate } }));
  }

  /**
   * Declares that this column was called `oldName` before, so `litedao generate` writes a RENAME COLUMN that
   * keeps its values instead of a drop and an add. Harmless once every database has migrated past the rename.
   */
  renamedFrom(oldName: string): Column<T, N, D, F> {
    if (typeof oldName !== 'string' || oldName.length === 0) throw new ConfigurationError('renamedFrom(oldName) takes the old column name');
    return new Column(this.#with({ renamedFrom: oldName }));
  }

  /**
   * Refines the value with a zod schema, checked on every write: `t.text().check(z.string().email())`.
   * The schema must come from zod 4 (`zod` ^4, or `zod/v4` of zod 3.25+): a zod 3 schema is a
   * `ConfigurationError` here, not a failure at the first write.
   */
  check(schema: z.ZodType<T>): Column<T, N, D, F> {
    if (!isZod4(schema)) {
      throw new ConfigurationError(
        'check() and t.json() take a zod 4 schema (import * as z from "zod" with zod ^4); this one is not (zod 3?)',
      );
    }
    return new Column(this.#with({ schema }));
  }
}

/** zod 4 schemas (classic and mini) carry their internals under `_zod`; zod 3's have `_def` only. */
function isZod4(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

function make<T>(kind: ColumnKind): Column<T, false, false> {
  return new Column<T, false, false>({ kind, nullable: false, hasDefault: false, unique: false, index: false });
}

/** Column builders. Declared SQL types match what SQLAlchemy emits for the same Python types where one exists. */
export const t = {
  /** INTEGER holding a JS safe integer (|n| ≤ 2^53−1). */
  integer: (): Column<number> => make<number>('integer'),
  /** REAL holding a finite number (NaN and Infinity are refused). */
  real: (): Column<number> => make<number>('real'),
  /** TEXT holding a well-formed string (lone surrogates and NUL are refused rather than silently altered). */
  text: (): Column<string> => make<string>('text'),
  /** BOOLEAN stored as 0/1 with a CHECK, read back as `true`/`false`. */
  boolean: (): Column<boolean> => make<boolean>('boolean'),
  /** TIMESTAMP stored as UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (as Python writes it), read back as `Date`. */
  timestamp: (): Column<Date> => make<Date>('timestamp'),
  /** JSON stored as TEXT; optionally typed and validated by a zod schema. */
  json: <T = JsonValue>(schema?: z.ZodType<T>): Column<T> => {
    const c = make<T>('json');
    return schema ? c.check(schema) : c;
  },
  /** BLOB holding bytes, read back as `Uint8Array` on every adapter. */
  blob: (): Column<Uint8Array> => make<Uint8Array>('blob'),
  /** INTEGER holding a 64-bit `bigint`, read exactly (not available beyond 2^53 on D1). */
  bigint: (): Column<bigint> => make<bigint>('bigint'),
  /**
   * An optimistic-concurrency counter, after SQLAlchemy's `version_id_col`: INTEGER NOT NULL, 1 for a new row,
   * bumped by every UPDATE litedao sends. Updates and deletes of a loaded object then match its row only at
   * the version it was read with (`WHERE id = ? AND version = ?`); a row changed by someone else since makes
   * the whole unit of work fail with `StaleDataError`, nothing written. At most one per model; never set it
   * yourself.
   */
  version: (): Column<number, false, true> =>
    new Column<number, false, true>({
      kind: 'integer',
      nullable: false,
      hasDefault: true,
      default: 1,
      unique: false,
      index: false,
      version: true,
    }),
};

/** A model's declared columns. */
// biome-ignore lint/suspicious/noExplicitAny: column value types vary
export type ColumnsShape = Record<string, Column<any, boolean, boolean, boolean>>;

type ValueOf<C> = C extends Column<infer T, infer N, boolean, boolean> ? (N extends true ? T | null : T) : never;

/** The base columns every model inherits (the seed's `Base`). */
export interface BaseColumns {
  id: number;
  created_at: Date;
  updated_at: Date;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A row of a model: its base columns plus its declared ones. */
export type RowOf<C extends ColumnsShape> = Simplify<BaseColumns & { -readonly [K in keyof C]: ValueOf<C[K]> }>;

type OptionalKeys<C extends ColumnsShape> = {
  [K in keyof C]: C[K] extends Column<unknown, infer N, infer D, boolean> ? (N extends true ? K : D extends true ? K : never) : never;
}[keyof C];
type RequiredKeys<C extends ColumnsShape> = Exclude<keyof C, OptionalKeys<C>>;

/** Values accepted when inserting: required columns, optional ones for nullable or defaulted columns. */
export type InsertOf<C extends ColumnsShape> = Simplify<
  { [K in RequiredKeys<C>]: ValueOf<C[K]> } & { [K in OptionalKeys<C>]?: ValueOf<C[K]> }
>;

/** An update value of a column: the new value, or for numeric columns an atomic expression (`increment(1)`). */
type UpdateValueOf<C> = ValueOf<C> | (NonNullable<ValueOf<C>> extends number | bigint ? ColumnExpression<NonNullable<ValueOf<C>>> : never);

/** Values accepted when updating: any subset of the declared columns (base columns are owned by litedao). */
export type UpdateOf<C extends ColumnsShape> = Simplify<{ [K in keyof C]?: UpdateValueOf<C[K]> }>;

/** zod schema for one column's value kind, before nullability. */
export function kindSchema(kind: ColumnKind): z.ZodType {
  switch (kind) {
    case 'integer':
      return z.int();
    case 'real':
      return z.number();
    case 'text':
      return z.string().refine((s) => s.isWellFormed() && !s.includes('\0'), {
        message: 'string contains a lone surrogate or a NUL character',
      });
    case 'boolean':
      return z.boolean();
    case 'timestamp':
      return z.date().refine((d) => d.getUTCFullYear() >= 0 && d.getUTCFullYear() <= 9999, {
        message: 'Date year must be between 0 and 9999',
      });
    case 'json':
      // A top-level JSON null would be SQL NULL: only nullable columns take it. Cycles cannot be stored.
      return z.json().refine((v) => v !== null && isPlainJson(v), { message: 'expected storable JSON (not null, no cycles)' });
    case 'blob':
      return z.instanceof(Uint8Array);
    case 'bigint':
      return z
        .bigint()
        .min(-(2n ** 63n))
        .max(2n ** 63n - 1n);
  }
}

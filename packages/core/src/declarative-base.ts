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
import type { ColumnsShape } from './columns.ts';
import type { SqlValue } from './driver.ts';
import { Entity, LOAD } from './entity.ts';
import { ConfigurationError, IdentifierError, ValidationError, type ValidationIssue } from './errors.ts';
import {
  type AnyModel,
  buildMeta,
  type ColumnMeta,
  META,
  type ModelClass,
  type ModelMeta,
  type ModelOptions,
  metaOf,
} from './model-meta.ts';
import { checkIdentifier, foldIdentifier, NAMING_MODES, type NamingMode, tableNameFor } from './naming.ts';
import { checkOptions, type OptionRule } from './options.ts';
import { assignInitial, installRelationAccessors, type RelationsShape } from './relations.ts';
import { compileRowAssigner } from './row-assigner.ts';
import { isInternalTable } from './schema-introspect.ts';
import { checkKeys, encodeColumn, newValue, throwIfIssues } from './validate.ts';

/** Options of {@link declarativeBase}. */
export interface BaseOptions {
  /**
   * How table names are derived: `'plural'` by default (`Hero` → `heroes`), `'legacy'` for the Python template's
   * `lower + "s"`, `'plural-0.1'` for the names litedao 0.1.0 gave (`Hero` → `heros`).
   */
  readonly naming?: NamingMode;
  /**
   * Create tables `STRICT` (default `true`): SQLite itself then refuses a value of the wrong storage class
   * (text in an INTEGER column), whoever writes it. Declared types become INTEGER/REAL/TEXT/BLOB (a boolean is
   * INTEGER with a CHECK, a timestamp TEXT). `false` keeps SQLAlchemy's declared types (BOOLEAN, TIMESTAMP)
   * for databases that other tools also create. Requires SQLite ≥ 3.37 (every adapter's SQLite has it).
   */
  readonly strict?: boolean;
}

/** Options of one model. */

/** The registry of one declarative base: its models and their tables (the seed's `Base.metadata`). */
export interface Metadata {
  /** Models in definition order. */
  readonly models: readonly AnyModel[];
  /** Whether this base's tables are created STRICT. */
  readonly strict: boolean;
  /** Creates every table, index and trigger that does not exist yet, in one atomic batch. */
  createAll(engine: { createAll(models: readonly AnyModel[]): Promise<void> }): Promise<void>;
  /** Drops every table of this base that exists, in one atomic batch. */
  dropAll(engine: { dropAll(models: readonly AnyModel[]): Promise<void> }): Promise<void>;
}

/** The function returned by {@link declarativeBase}: call it to declare a model. */
export interface DeclarativeBase {
  <const C extends ColumnsShape, R extends RelationsShape = {}>(name: string, columns: C, options?: ModelOptions<C, R>): ModelClass<C, R>;
  readonly metadata: Metadata;
  readonly naming: NamingMode;
}

/** Lists of column-name lists (`unique`, `indexes`): the names themselves are checked against the columns later. */
const nameLists: OptionRule = (v) =>
  Array.isArray(v) && v.every((set) => Array.isArray(set) && set.every((n) => typeof n === 'string'))
    ? undefined
    : `must be a list of column-name lists, e.g. [['chat_id', 'message_id']]`;

const MODEL_OPTION_RULES: { readonly [K in keyof ModelOptions<ColumnsShape>]-?: OptionRule } = {
  tableName: 'string',
  relations: 'function',
  unique: nameLists,
  indexes: nameLists,
  renamedFrom: 'string',
};

/**
 * Creates a declarative base: the function that declares models, and their shared `metadata`. Two models of
 * one base mapping to the same table is an `IdentifierError` at definition time.
 */
export function declarativeBase(givenOptions?: BaseOptions): DeclarativeBase {
  const options = checkOptions<BaseOptions>('declarativeBase', givenOptions, { naming: 'string', strict: 'boolean' });
  const naming = options.naming ?? 'plural';
  if (!NAMING_MODES.includes(naming)) {
    throw new ConfigurationError(`unknown naming mode ${String(naming)} (expected ${NAMING_MODES.map((m) => `'${m}'`).join(', ')})`);
  }
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new ConfigurationError('declarativeBase({ strict }) takes true or false');
  const models: AnyModel[] = [];
  const tables = new Map<string, string>();

  const metadata: Metadata = {
    get models() {
      return models.slice();
    },
    strict,
    createAll: (engine) => engine.createAll(models),
    dropAll: (engine) => engine.dropAll(models),
  };

  const base = <const C extends ColumnsShape, R extends RelationsShape = {}>(
    name: string,
    columns: C,
    givenModelOptions?: ModelOptions<C, R>,
  ): ModelClass<C, R> => {
    const modelName = checkIdentifier(name, 'model name');
    const modelOptions = checkOptions<ModelOptions<C, R>>(`model ${modelName}`, givenModelOptions, MODEL_OPTION_RULES);
    const tableName = checkIdentifier(modelOptions.tableName ?? tableNameFor(modelName, naming), 'table name');
    const folded = foldIdentifier(tableName);
    // Tables SQLite, D1, migrations and the unit log own, and a rebuild's `__new_<table>`: introspection and
    // migrations skip them, so a model there would never be checked, diffed or safely rebuilt.
    if (isInternalTable(tableName) || isInternalTable(folded)) {
      throw new IdentifierError(
        `model ${modelName}: table name ${JSON.stringify(tableName)} is reserved for SQLite, D1 or litedao's own tables (sqlite_…, _cf_…, d1_migrations, litedao_units, __new_…); give another tableName`,
      );
    }
    const clash = tables.get(folded);
    if (clash !== undefined) {
      throw new IdentifierError(
        `models ${clash} and ${modelName} both map to table ${JSON.stringify(tableName)}; give one an explicit tableName`,
      );
    }
    const meta = buildMeta(modelName, tableName, columns, modelOptions as unknown as ModelOptions<ColumnsShape, RelationsShape>, metadata);
    const cls = makeClass(meta);
    installRelationAccessors(cls, meta, metaOf);
    Object.defineProperty(cls, 'columns', { value: Object.freeze({ ...columns }) });
    tables.set(folded, modelName);
    models.push(cls as unknown as AnyModel);
    return cls as unknown as ModelClass<C, R>;
  };
  return Object.assign(base, { metadata, naming });
}

const NO_PATH: readonly string[] = Object.freeze([]);

/** Splits constructor values into columns and relationship values (`new Message({ text, user })`). */
function takeRelationValues(
  meta: ModelMeta,
  given: Record<string, unknown>,
): { columns: Record<string, unknown>; relations: [string, unknown][] } | undefined {
  let relations: [string, unknown][] | undefined;
  let columns: Record<string, unknown> | undefined;
  for (const k of Object.keys(given)) {
    if (!meta.relationDecls.has(k)) continue;
    if (!relations) {
      relations = [];
      columns = { ...given };
    }
    relations.push([k, given[k]]);
    delete (columns as Record<string, unknown>)[k];
  }
  return relations ? { columns: columns as Record<string, unknown>, relations } : undefined;
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
      if (new.target !== meta.loadClass && new.target !== Model) meta.loadClass = new.target;
      const self = this as unknown as Record<string, unknown>;
      if (loading) {
        assign(self, raw);
        return;
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new ValidationError(`new ${meta.name}(values) expects an object`, [{ path: [], message: 'expected an object' }]);
      }
      const given = values as Record<string, unknown>;
      const relationValues = meta.relationDecls.size ? takeRelationValues(meta, given) : undefined;
      const columnValues = relationValues ? relationValues.columns : given;
      const issues: ValidationIssue[] = [];
      checkKeys(meta, columnValues, issues);
      self.id = undefined;
      const fks = meta.relationForeignKeys;
      for (let i = 0; i < user.length; i++) {
        const c = user[i] as ColumnMeta;
        // A foreign key a many-to-one relationship fills may be left out now; commit checks it is set by then.
        if (fks.size && fks.has(c.name) && columnValues[c.name] === undefined && !c.nullable && !c.config.hasDefault) {
          self[c.name] = undefined;
          continue;
        }
        const value = newValue(c, columnValues);
        encodeColumn(c, value, issues, NO_PATH);
        self[c.name] = value;
      }
      throwIfIssues(issues, `invalid values for ${meta.name}`);
      self.created_at = undefined;
      self.updated_at = undefined;
      if (relationValues) assignInitial(this, meta, relationValues.relations, metaOf);
    }
  }
  Object.defineProperty(Model, 'name', { value: meta.name });
  meta.cls = Model;
  meta.loadClass = Model;
  meta.assign = assign;
  return Model as unknown as ModelClass;
}

/**
 * DDL from data only. A model becomes a {@link TableDef} (plain data: names, declared types, literals from a
 * closed set), and every CREATE statement is rendered from that data with identifiers double-quoted and
 * defaults as exact literals. Nothing a caller typed is spliced into SQL: referential actions are checked
 * against SQLite's five at model definition, and defaults the database cannot apply exactly stay client-side.
 *
 * The same table definitions are what migrations diff (migrations.ts) and what the live database is compared
 * with (schema-introspect.ts), so `createAll`, generated migration files and `verifySchema` agree by
 * construction.
 *
 * Tables are STRICT by default (SQLite refuses a value of the wrong storage class instead of storing it);
 * `declarativeBase({ strict: false })` opts out for databases shared with tools that need other declared types.
 */

import { defaultLiteral } from './column-default.ts';
import type { ReferentialAction } from './columns.ts';
import { canonicalTimestampSql, NOW_SQL, STATEMENT_NOW_SQL, STORED_LAYOUT_GLOB } from './compile.ts';
import type { Statement } from './driver.ts';
import { ConfigurationError } from './errors.ts';
import { type AnyModel, type ColumnMeta, type ModelMeta, metaOf } from './model-meta.ts';
import { foldIdentifier, quoteIdent } from './naming.ts';

/** A foreign key of one column to another table's `id`. */
export interface ForeignKeyDef {
  readonly table: string;
  readonly column: string;
  /** Upper-case SQL spelling; `NO ACTION` when the model declares none. */
  readonly onDelete: string;
  readonly onUpdate: string;
}

/** One column as the database declares it. */
export interface ColumnDef {
  readonly name: string;
  /** The declared type (`INTEGER`, `TEXT`, …). */
  readonly type: string;
  readonly notNull: boolean;
  /** SQL text after `DEFAULT` (a literal or a parenthesised expression), or null for none. */
  readonly default: string | null;
  /** `INTEGER PRIMARY KEY AUTOINCREMENT` (litedao's `id`). */
  readonly primaryKey: boolean;
  /** A column CHECK expression litedao generated (booleans: `"x" IN (0, 1)`), or null. */
  readonly check: string | null;
  readonly references: ForeignKeyDef | null;
}

/** A named (non-unique) index, as `.index()` and the `indexes` option declare. */
export interface IndexDef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

/** A trigger, kept as its full `CREATE TRIGGER` text (what sqlite_schema stores). */
export interface TriggerDef {
  readonly name: string;
  readonly sql: string;
}

/** One table: everything its CREATE TABLE, CREATE INDEX and CREATE TRIGGER statements say. */
export interface TableDef {
  readonly name: string;
  readonly strict: boolean;
  readonly columns: readonly ColumnDef[];
  /** Table-level UNIQUE constraints, in declaration order. */
  readonly uniques: readonly (readonly string[])[];
  readonly indexes: readonly IndexDef[];
  readonly triggers: readonly TriggerDef[];
}

/** Declared types: STRICT allows only INTEGER, REAL, TEXT, BLOB and ANY (https://sqlite.org/stricttables.html). */
const STRICT_TYPE: Record<ColumnMeta['kind'], string> = {
  integer: 'INTEGER',
  real: 'REAL',
  text: 'TEXT',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
  blob: 'BLOB',
  bigint: 'INTEGER',
};

/** Declared types of non-STRICT tables: what SQLAlchemy emits for the same Python types, same affinities. */
const LOOSE_TYPE: Record<ColumnMeta['kind'], string> = {
  ...STRICT_TYPE,
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  // TEXT, not SQLAlchemy's JSON: a JSON-declared column has NUMERIC affinity, which would turn the JSON
  // text `12345678901234567890` into a lossy REAL.
  json: 'TEXT',
};

/** SQLite's referential actions (https://sqlite.org/foreignkeys.html#fk_actions): the only words that reach DDL. */
export const REFERENTIAL_ACTIONS: ReadonlyMap<ReferentialAction, string> = new Map([
  ['cascade', 'CASCADE'],
  ['restrict', 'RESTRICT'],
  ['set null', 'SET NULL'],
  ['set default', 'SET DEFAULT'],
  ['no action', 'NO ACTION'],
]);

function actionSql(meta: ModelMeta, col: ColumnMeta, which: string, action: unknown): string {
  if (action === undefined) return 'NO ACTION';
  const sql = typeof action === 'string' ? REFERENTIAL_ACTIONS.get(action as ReferentialAction) : undefined;
  if (sql === undefined) {
    throw new ConfigurationError(
      `model ${meta.name}: column ${col.name}: ${which} must be one of ${[...REFERENTIAL_ACTIONS.keys()].join(', ')}`,
    );
  }
  return sql;
}

/** `"created_at"`/`"updated_at"` default: now, in the Python template's layout with six fractional digits. */
const NOW_DEFAULT = `(${NOW_SQL})`;

function columnDef(meta: ModelMeta, col: ColumnMeta, strict: boolean): ColumnDef {
  if (col.name === 'id') {
    return { name: 'id', type: 'INTEGER', notNull: true, default: null, primaryKey: true, check: null, references: null };
  }
  if (col.owned) {
    return {
      name: col.name,
      type: strict ? 'TEXT' : 'TIMESTAMP',
      notNull: true,
      default: NOW_DEFAULT,
      primaryKey: false,
      check: null,
      references: null,
    };
  }
  let references: ForeignKeyDef | null = null;
  const ref = col.config.references;
  if (ref) {
    let target: ModelMeta;
    try {
      target = metaOf(ref.model());
    } catch {
      throw new ConfigurationError(`model ${meta.name}: column ${col.name} references something that is not a model`);
    }
    references = {
      table: target.tableName,
      column: 'id',
      onDelete: actionSql(meta, col, 'onDelete', ref.onDelete),
      onUpdate: actionSql(meta, col, 'onUpdate', ref.onUpdate),
    };
  }
  return {
    name: col.name,
    type: (strict ? STRICT_TYPE : LOOSE_TYPE)[col.kind],
    notNull: !col.nullable,
    default: defaultLiteral(col.kind, col.config) ?? null,
    primaryKey: false,
    check: col.kind === 'boolean' ? `${col.quoted} IN (0, 1)` : null,
    references,
  };
}

/** The name of the updated_at trigger of a table. */
export function touchTriggerName(table: string): string {
  return `${table}_touch_updated_at`;
}

/**
 * The condition of the updated_at trigger, over the new and old `updated_at` and the new `created_at`: the
 * update left `updated_at` unchanged, or set it earlier (as instants) than the previous `updated_at` or
 * `created_at`.
 *
 * Comparing instants means parsing three timestamps with `strftime` on every updated row, most of the cost of
 * an UPDATE. litedao's own updates cannot need the trigger, and they are recognized without parsing: the new
 * value is exactly "now" (SQLite fixes "now" per statement, so the SET list and the trigger see the same
 * instant; written as `STATEMENT_NOW_SQL`, the same text as `NOW_SQL` at a third of its cost), and the
 * previous `updated_at` and the `created_at` are in the stored layout and compare lower as text. For text in
 * that layout with valid fields, text order is instant order, and rounding a microsecond fraction to SQLite's
 * milliseconds never passes "now", which is on the millisecond grid — so the shortcut only skips rows where
 * the full comparison would not fire. Any other row takes the full comparison.
 * (A stored value with a day past its month's end or hour 24 — which the reader refuses as no timestamp, and
 * SQLite rolls forward — compares as its text on the shortcut: docs/design.md.)
 */
export function touchConditionSql(newUpdated: string, oldUpdated: string, newCreated: string): string {
  const floor = `max(coalesce(${canonicalTimestampSql(oldUpdated)}, ''), coalesce(${canonicalTimestampSql(newCreated)}, ''))`;
  const ownWrite =
    `${newUpdated} = ${STATEMENT_NOW_SQL} AND ${oldUpdated} < ${newUpdated} AND ${newCreated} <= ${newUpdated} ` +
    `AND ${oldUpdated} GLOB ${STORED_LAYOUT_GLOB} AND ${newCreated} GLOB ${STORED_LAYOUT_GLOB}`;
  return (
    `${newUpdated} IS ${oldUpdated} OR ` +
    `(NOT coalesce(${ownWrite}, 0) AND coalesce(${canonicalTimestampSql(newUpdated)}, '') < ${floor})`
  );
}

/**
 * The trigger that keeps `updated_at` moving forward for every writer. It fires after an UPDATE that left
 * `updated_at` unchanged (raw SQL, other tools) or set it earlier than the row's previous `updated_at` or its
 * `created_at` (the Python template writes whole-second `CURRENT_TIMESTAMP`, so an update in the same second
 * would go backwards), and sets it to the same value litedao's own updates write (`TOUCH_SQL` in compile.ts):
 * now, but never earlier than either stored instant. Times are compared as instants through SQLite's own
 * parser, so every layout the reader accepts orders correctly; litedao's own updates never make it fire and
 * are recognized without parsing (see {@link touchConditionSql}).
 */
export function touchTriggerSql(table: string): string {
  const t = quoteIdent(table);
  const floor = `max(coalesce(${canonicalTimestampSql('OLD."updated_at"')}, ''), coalesce(${canonicalTimestampSql('NEW."created_at"')}, ''))`;
  return (
    `CREATE TRIGGER ${quoteIdent(touchTriggerName(table))} AFTER UPDATE ON ${t} FOR EACH ROW ` +
    `WHEN ${touchConditionSql('NEW."updated_at"', 'OLD."updated_at"', 'NEW."created_at"')} ` +
    `BEGIN UPDATE ${t} SET "updated_at" = max(${NOW_SQL}, ${floor}) WHERE "id" = NEW."id"; END`
  );
}

/** The name litedao gives an index over `columns` of `table` (SQLAlchemy's `ix_<table>_<column>`). */
export function indexName(table: string, columns: readonly string[]): string {
  return `ix_${table}_${columns.join('_')}`;
}

/** Whether a model's tables are STRICT (its declarative base decides; on unless opted out). */
function isStrict(meta: ModelMeta): boolean {
  return (meta.metadata as { strict?: boolean } | undefined)?.strict !== false;
}

/** The table definition of one model. */
export function tableDefOf(model: AnyModel | ModelMeta): TableDef {
  const meta = 'columns' in model && 'quotedTable' in model ? (model as ModelMeta) : metaOf(model);
  const strict = isStrict(meta);
  const indexes: IndexDef[] = [];
  const names = new Set<string>();
  for (const set of meta.indexes) {
    if (indexes.some((ix) => ix.columns.join('\0') === set.join('\0'))) continue; // `.index()` and `indexes` twice
    let name = indexName(meta.tableName, set);
    // `a_b` + `c` and `a` + `b_c` spell the same name: number the later one instead of silently skipping it.
    for (let n = 2; names.has(foldIdentifier(name)); n++) name = `${indexName(meta.tableName, set)}_${n}`;
    names.add(foldIdentifier(name));
    indexes.push({ name, columns: set.slice(), unique: false });
  }
  return {
    name: meta.tableName,
    strict,
    columns: meta.columns.map((c) => columnDef(meta, c, strict)),
    uniques: meta.uniqueSets.map((s) => s.slice()),
    indexes,
    triggers: [{ name: touchTriggerName(meta.tableName), sql: touchTriggerSql(meta.tableName) }],
  };
}

/** One column's definition inside CREATE TABLE (or after ALTER TABLE … ADD COLUMN). */
export function columnSql(c: ColumnDef): string {
  const q = quoteIdent(c.name);
  if (c.primaryKey) return `${q} ${c.type} NOT NULL PRIMARY KEY AUTOINCREMENT`;
  const parts = [q, c.type];
  if (c.notNull) parts.push('NOT NULL');
  if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
  if (c.check !== null) parts.push(`CHECK (${c.check})`);
  const ref = c.references;
  if (ref) {
    parts.push(`REFERENCES ${quoteIdent(ref.table)} (${quoteIdent(ref.column)})`);
    if (ref.onDelete !== 'NO ACTION') parts.push(`ON DELETE ${ref.onDelete}`);
    if (ref.onUpdate !== 'NO ACTION') parts.push(`ON UPDATE ${ref.onUpdate}`);
  }
  return parts.join(' ');
}

/** Options of {@link createTableSql}. */
export interface CreateTableOptions {
  /** `CREATE TABLE IF NOT EXISTS` (createAll) instead of plain `CREATE TABLE` (migration files). */
  readonly ifNotExists?: boolean;
  /** Create under another name (a migration's rebuild creates `__new_<table>` first). */
  readonly as?: string;
  /** Foreign keys to these tables point at another name (rebuilt parents are `__new_<table>` until renamed). */
  readonly referenceNames?: ReadonlyMap<string, string>;
}

/** The CREATE TABLE statement of a table definition. */
export function createTableSql(def: TableDef, options: CreateTableOptions = {}): string {
  const columns = def.columns.map((c) => {
    const target = c.references && options.referenceNames?.get(c.references.table);
    return columnSql(target ? { ...c, references: { ...(c.references as ForeignKeyDef), table: target } } : c);
  });
  for (const set of def.uniques) columns.push(`UNIQUE (${set.map(quoteIdent).join(', ')})`);
  const name = quoteIdent(options.as ?? def.name);
  return `CREATE TABLE ${options.ifNotExists ? 'IF NOT EXISTS ' : ''}${name} (\n  ${columns.join(',\n  ')}\n)${def.strict ? ' STRICT' : ''}`;
}

/** The CREATE INDEX statement of an index of `table`. */
export function createIndexSql(table: string, ix: IndexDef, ifNotExists = false): string {
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(ix.name)} ON ${quoteIdent(table)} (${ix.columns
    .map(quoteIdent)
    .join(', ')})`;
}

/** A trigger's CREATE statement, optionally with `IF NOT EXISTS`. */
export function createTriggerSql(trigger: TriggerDef, ifNotExists = false): string {
  return ifNotExists ? trigger.sql.replace(/^CREATE TRIGGER /, 'CREATE TRIGGER IF NOT EXISTS ') : trigger.sql;
}

/** Orders table definitions so that referenced tables come first (cycles keep the given order). */
export function parentsFirst(defs: readonly TableDef[]): TableDef[] {
  const byName = new Map(defs.map((d) => [foldIdentifier(d.name), d]));
  const out: TableDef[] = [];
  const state = new Map<TableDef, 'visiting' | 'done'>();
  const visit = (d: TableDef) => {
    if (state.get(d)) return;
    state.set(d, 'visiting');
    for (const c of d.columns) {
      const target = c.references && byName.get(foldIdentifier(c.references.table));
      if (target && target !== d) visit(target);
    }
    state.set(d, 'done');
    out.push(d);
  };
  for (const d of defs) visit(d);
  return out;
}

/**
 * The table definitions of the models, parents first. Names that SQLite keeps in one namespace (tables and
 * indexes; triggers) must not collide across the models: such a clash would make `IF NOT EXISTS` skip an
 * object silently, so it is a ConfigurationError here.
 */
export function tableDefsOf(models: readonly AnyModel[]): TableDef[] {
  const metas = [...new Set(models.map(metaOf))]; // a model's subclass and its base-made class share one meta
  const defs = metas.map((m) => tableDefOf(m));
  // Owners are compared by identity: two models (say of two declarative bases) describe their table with the
  // same words, yet only one of them could be created.
  const objects = new Map<string, { what: string; owner: ModelMeta }>();
  const claim = (name: string, what: string, owner: ModelMeta) => {
    const key = foldIdentifier(name);
    const prior = objects.get(key);
    if (prior !== undefined) {
      const who = prior.owner === owner ? '' : ` (models ${prior.owner.name} and ${owner.name})`;
      throw new ConfigurationError(`${what} and ${prior.what} have the same name in the database${who}; give one an explicit tableName`);
    }
    objects.set(key, { what, owner });
  };
  defs.forEach((d, i) => {
    const owner = metas[i] as ModelMeta;
    claim(d.name, `table ${d.name}`, owner);
    for (const ix of d.indexes) claim(ix.name, `index ${ix.name} of table ${d.name}`, owner);
  });
  return parentsFirst(defs);
}

const ddl = (sql: string): Statement => ({ sql, params: [], returnsRows: false });

/** Every statement that creates one table: the table, its indexes, its triggers. */
export function createTableStatements(def: TableDef, ifNotExists: boolean): string[] {
  return [
    createTableSql(def, { ifNotExists }),
    ...def.indexes.map((ix) => createIndexSql(def.name, ix, ifNotExists)),
    ...def.triggers.map((tr) => createTriggerSql(tr, ifNotExists)),
  ];
}

/** The CREATE statements for the models (tables, then indexes and triggers), parents first. */
export function createAllStatements(models: readonly AnyModel[], skipIndex?: (table: TableDef, index: IndexDef) => boolean): Statement[] {
  return tableDefsOf(models).flatMap((d) => {
    const def = skipIndex ? { ...d, indexes: d.indexes.filter((ix) => !skipIndex(d, ix)) } : d;
    return createTableStatements(def, true).map(ddl);
  });
}

/** DROP TABLE IF EXISTS for the models, children first. */
export function dropAllStatements(models: readonly AnyModel[]): Statement[] {
  const defs = tableDefsOf(models).reverse();
  const drop = (d: TableDef) => ddl(`DROP TABLE IF EXISTS ${quoteIdent(d.name)}`);
  if (!referenceCycle(defs)) return defs.map(drop);
  // Tables that reference each other: DROP TABLE empties a referenced table first, and that DELETE needs every
  // table it (and what it cascades to) references, so some cycles (a self-reference inside a cycle of three) have
  // no order that drops them one by one with foreign keys on (D1 and Durable Objects cannot turn them off). Each
  // table is replaced at once by a stand-in holding only its referenced keys; the stand-ins, which reference
  // nothing, go last. Foreign keys are deferred to the batch's end, when no row is left.
  const keys = new Map<string, Set<string>>();
  for (const d of defs) {
    for (const c of d.columns) {
      if (!c.references) continue;
      const t = foldIdentifier(c.references.table);
      keys.set(t, (keys.get(t) ?? new Set()).add(c.references.column));
    }
  }
  const standIn = (d: TableDef) => {
    const cols = [...(keys.get(foldIdentifier(d.name)) ?? [])].filter((c) => c !== 'id').map((c) => `, ${quoteIdent(c)} UNIQUE`);
    return ddl(`CREATE TABLE ${quoteIdent(d.name)} (id INTEGER PRIMARY KEY${cols.join('')})`);
  };
  return [
    ddl('PRAGMA defer_foreign_keys = ON'),
    ...defs.flatMap((d) => [drop(d), standIn(d)]),
    ...defs.map((d) => ddl(`DROP TABLE ${quoteIdent(d.name)}`)),
  ];
}

/** Whether tables reference each other in a cycle of two or more (a self-reference alone drops fine). */
function referenceCycle(defs: readonly TableDef[]): boolean {
  const names = new Set(defs.map((d) => foldIdentifier(d.name)));
  const parents = new Map(
    defs.map((d) => [
      foldIdentifier(d.name),
      d.columns
        .flatMap((c) => (c.references ? [foldIdentifier(c.references.table)] : []))
        .filter((p) => names.has(p) && p !== foldIdentifier(d.name)),
    ]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const visit = (t: string): boolean => {
    if (state.get(t) === 'done') return false;
    if (state.get(t) === 'open') return true;
    state.set(t, 'open');
    const found = (parents.get(t) ?? []).some(visit);
    state.set(t, 'done');
    return found;
  };
  return [...names].some(visit);
}

/** The CREATE statements as one SQL script, e.g. for `migrations/0001_init.sql`. */
export function createAllSql(models: readonly AnyModel[]): string {
  return `${createAllStatements(models)
    .map((s) => `${s.sql};`)
    .join('\n\n')}\n`;
}

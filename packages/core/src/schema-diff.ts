/**
 * Schema evolution as data: a snapshot of table definitions, a diff between two snapshots, and the SQL that
 * turns one into the other on SQLite, D1 and sqlite-wasm alike.
 *
 * What SQLite can change in place is changed in place (`ADD COLUMN`, `DROP COLUMN`, `RENAME`, indexes,
 * triggers). Everything else is SQLite's 12-step table rebuild (https://sqlite.org/lang_altertable.html#otheralter),
 * adapted to D1, where foreign keys cannot be turned off inside a migration: a `DROP TABLE` then performs an
 * implicit DELETE that fires `ON DELETE CASCADE`/`SET NULL` on child rows even with `defer_foreign_keys`. So the
 * tables that reference a rebuilt table (transitively) are rebuilt with it: every new table references the
 * other new tables by their temporary names, old tables are dropped children first (their cascades reach only
 * other old tables), and the renames back, parents first, rewrite the references to the final names. AUTOINCREMENT
 * counters are carried over, so ids are never reused; indexes and the updated_at trigger are recreated. The
 * whole plan is one file, applied as one transaction (one `batch()` on D1).
 *
 * Renames are never guessed: a table or column that disappears while another appears is a drop and an add,
 * refused without `allowDrop`, unless a `renamedFrom` hint (or the CLI's question) says it is a rename.
 */

import { sqlLiteral } from './column-default.ts';
import {
  type ColumnDef,
  columnSql,
  createIndexSql,
  createTableSql,
  createTableStatements,
  createTriggerSql,
  type IndexDef,
  parentsFirst,
  type TableDef,
  tableDefsOf,
  touchTriggerName,
} from './ddl.ts';
import { ConfigurationError } from './errors.ts';
import { lostExtras, tableExtras } from './migrate.ts';
import { type AnyModel, metaOf } from './model-meta.ts';
import { foldIdentifier, quoteIdent } from './naming.ts';

/** The schema the models described when a migration was generated (stored beside the migrations). */
export interface SchemaSnapshot {
  readonly version: 1;
  readonly tables: readonly TableDef[];
  /**
   * The models' column kinds (`text`, `json`, `timestamp`, …), table → column → kind: columns of one declared
   * type read differently by kind, so a change of kind is a change. Absent in snapshots read from a database
   * (and in older ones): kinds are then not compared.
   */
  readonly kinds?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * For snapshots read from a database (`generate --from-db`): each table's CREATE TABLE text as `sqlite_schema`
   * stores it. A rebuild of such a table would lose what that text says and models cannot (COLLATE, CHECK,
   * generated columns): {@link diffSchemas} refuses it unless `allowConstraintLoss`.
   */
  readonly tableSql?: Readonly<Record<string, string>>;
}

/** The snapshot of the models' current schema. */
export function snapshotOf(models: readonly AnyModel[]): SchemaSnapshot {
  const tables = tableDefsOf(models);
  const kinds: Record<string, Record<string, string>> = {};
  for (const meta of new Set(models.map(metaOf))) {
    kinds[meta.tableName] = Object.fromEntries(meta.columns.map((c) => [c.name, c.kind]));
  }
  return { version: 1, tables, kinds };
}

/** The kind a snapshot records for a column, if it records kinds. */
function kindOf(snapshot: SchemaSnapshot, table: string, column: string): string | undefined {
  const kinds = snapshot.kinds;
  if (kinds === undefined || typeof kinds !== 'object') return undefined;
  const entry = Object.entries(kinds).find(([t]) => f(t) === f(table))?.[1];
  const kind = entry === undefined ? undefined : Object.entries(entry).find(([c]) => f(c) === f(column))?.[1];
  return typeof kind === 'string' ? kind : undefined;
}

/** An empty schema (before the first migration). */
export const EMPTY_SNAPSHOT: SchemaSnapshot = Object.freeze({ version: 1, tables: [] });

/** Declared renames: new table name → old name; per (new) table, new column name → old name. */
export interface RenameHints {
  readonly tables: ReadonlyMap<string, string>;
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** The `renamedFrom` hints the models declare. */
export function renameHintsOf(models: readonly AnyModel[]): RenameHints {
  const tables = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  for (const m of models) {
    const meta = metaOf(m);
    if (meta.renamedFrom) tables.set(meta.tableName, meta.renamedFrom);
    for (const c of meta.userColumns) {
      if (!c.config.renamedFrom) continue;
      const map = columns.get(meta.tableName) ?? new Map<string, string>();
      columns.set(meta.tableName, map);
      map.set(c.name, c.config.renamedFrom);
    }
  }
  return { tables, columns };
}

/** Merges hint sets (later ones win). */
export function mergeHints(...hints: readonly (RenameHints | undefined)[]): RenameHints {
  const tables = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  for (const h of hints) {
    if (!h) continue;
    for (const [k, v] of h.tables) tables.set(k, v);
    for (const [t, m] of h.columns) {
      const into = columns.get(t) ?? new Map<string, string>();
      for (const [k, v] of m) into.set(k, v);
      columns.set(t, into);
    }
  }
  return { tables, columns };
}

/** One change between two schemas, for messages, `litedao check` and the comments of a generated file. */
export interface SchemaChange {
  readonly kind:
    | 'create table'
    | 'drop table'
    | 'rename table'
    | 'add column'
    | 'drop column'
    | 'rename column'
    | 'alter column'
    | 'alter table'
    | 'create index'
    | 'drop index'
    | 'replace trigger'
    | 'drop trigger';
  readonly table: string;
  readonly detail: string;
}

/** A possible rename the diff will not assume: something disappeared while something else appeared. */
export interface RenameCandidate {
  readonly kind: 'table' | 'column';
  /** For columns: the (new) table. */
  readonly table: string;
  readonly from: string;
  readonly to: string;
}

/** Options of {@link diffSchemas}. */
export interface DiffOptions {
  readonly renames?: RenameHints;
  /** Allow dropping tables and columns (their data is lost). Without it a drop is a ConfigurationError. */
  readonly allowDrop?: boolean;
  /**
   * Allow a rebuild to lose what a table's own CREATE TABLE says and the models cannot (COLLATE, CHECK, generated
   * columns; known from the snapshot's `tableSql`). Without it such a rebuild is a ConfigurationError.
   */
  readonly allowConstraintLoss?: boolean;
}

/** What {@link diffSchemas} returns. */
export interface SchemaDiff {
  readonly changes: readonly SchemaChange[];
  /** The statements of the migration, in order, without trailing semicolons. */
  readonly statements: readonly string[];
  /** Tables rebuilt with the 12-step procedure (changed ones and the tables that reference them). */
  readonly rebuilt: readonly string[];
  /**
   * What the rebuilds lose that the old tables' CREATE TABLE said (allowed by `allowConstraintLoss`); the file
   * then says so, and `migrate()` accepts it.
   */
  readonly constraintLoss?: readonly string[];
}

const f = foldIdentifier;
const q = quoteIdent;

function normalizeTriggerSql(sql: string): string {
  return sql.replace(/^CREATE\s+TRIGGER\s+IF\s+NOT\s+EXISTS\s+/i, 'CREATE TRIGGER ').trim();
}

/** Whether litedao made this trigger of a table (its updated_at trigger, under the old or the new table name). */
function ownedTrigger(name: string, from: TableDef, to: TableDef): boolean {
  return f(name) === f(touchTriggerName(from.name)) || f(name) === f(touchTriggerName(to.name));
}

function describeColumn(c: ColumnDef): string {
  const parts = [c.type, c.notNull ? 'NOT NULL' : 'NULL'];
  if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
  if (c.check) parts.push('CHECK');
  if (c.references) parts.push(`REFERENCES ${c.references.table} ON DELETE ${c.references.onDelete} ON UPDATE ${c.references.onUpdate}`);
  return parts.join(' ');
}

/** Whether two column definitions differ in anything but the name (`tableRenames`: old → new folded names). */
function columnChanged(a: ColumnDef, b: ColumnDef, tableRenames: ReadonlyMap<string, string>): string | undefined {
  const diffs: string[] = [];
  if (a.type.toUpperCase() !== b.type.toUpperCase()) diffs.push(`type ${a.type} → ${b.type}`);
  if (a.notNull !== b.notNull) diffs.push(b.notNull ? 'NOT NULL' : 'nullable');
  if ((a.default ?? null) !== (b.default ?? null)) diffs.push(`default ${a.default ?? 'none'} → ${b.default ?? 'none'}`);
  if ((a.check !== null) !== (b.check !== null)) diffs.push(b.check ? 'CHECK added' : 'CHECK removed');
  if (a.primaryKey !== b.primaryKey) diffs.push(b.primaryKey ? 'PRIMARY KEY AUTOINCREMENT' : 'not a primary key');
  const ra = a.references;
  const rb = b.references;
  if ((ra === null) !== (rb === null)) diffs.push(rb ? `REFERENCES ${rb.table}` : 'foreign key removed');
  else if (ra && rb) {
    const target = tableRenames.get(f(ra.table)) ?? f(ra.table);
    if (target !== f(rb.table) || ra.onDelete !== rb.onDelete || ra.onUpdate !== rb.onUpdate || f(ra.column) !== f(rb.column)) {
      diffs.push(`foreign key → ${rb.table} ON DELETE ${rb.onDelete} ON UPDATE ${rb.onUpdate}`);
    }
  }
  return diffs.length ? diffs.join(', ') : undefined;
}

interface TablePlan {
  readonly from: TableDef;
  readonly to: TableDef;
  /** New column name (folded) → old column def. */
  readonly sources: Map<string, ColumnDef>;
  readonly added: ColumnDef[];
  readonly dropped: ColumnDef[];
  readonly renamed: [ColumnDef, ColumnDef][];
  readonly changed: [ColumnDef, ColumnDef, string][];
  /** Columns whose kind changed under the same declared type (reported; nothing to run: values are not converted). */
  readonly kindChanged: [ColumnDef, ColumnDef, string][];
  readonly tableLevel: string[];
  /** Rename hints that contradict each other or the models (refused). */
  readonly conflicts: string[];
}

function sameSets(a: readonly (readonly string[])[], b: readonly (readonly string[])[]): boolean {
  const key = (s: readonly (readonly string[])[]) =>
    s
      .map((x) => x.map(f).join(','))
      .sort()
      .join(';');
  return key(a) === key(b);
}

/**
 * Candidate renames the hints do not settle: per table, columns that disappeared and columns that appeared;
 * tables likewise. The CLI asks about them on a terminal; elsewhere they are an error unless drops are allowed.
 */
export function renameCandidates(from: SchemaSnapshot, to: SchemaSnapshot, renames?: RenameHints): RenameCandidate[] {
  const out: RenameCandidate[] = [];
  const plan = matchTables(from, to, renames ?? { tables: new Map(), columns: new Map() });
  const goneTables = plan.dropped;
  for (const n of plan.created) for (const o of goneTables) out.push({ kind: 'table', table: n.name, from: o.name, to: n.name });
  for (const p of plan.pairs) {
    const tp = planTable(p.from, p.to, renames?.columns.get(p.to.name));
    for (const a of tp.added) for (const d of tp.dropped) out.push({ kind: 'column', table: p.to.name, from: d.name, to: a.name });
  }
  return out;
}

function matchTables(from: SchemaSnapshot, to: SchemaSnapshot, renames: RenameHints) {
  const oldByName = new Map(from.tables.map((t) => [f(t.name), t]));
  const newByName = new Map(to.tables.map((t) => [f(t.name), t]));
  const pairs: { from: TableDef; to: TableDef; renamed: boolean }[] = [];
  const used = new Set<string>();
  const created: TableDef[] = [];
  const conflicts: string[] = [];
  const hinted = new Map<string, string>();
  for (const t of to.tables) {
    const hint = renames.tables.get(t.name);
    if (hint === undefined || f(hint) === f(t.name) || !oldByName.has(f(hint))) continue;
    const other = hinted.get(f(hint));
    if (other !== undefined) conflicts.push(`tables ${other} and ${t.name} both declare renamedFrom('${hint}')`);
    else if (newByName.has(f(hint)))
      conflicts.push(
        `table ${t.name} declares renamedFrom('${hint}'), but the models still declare table ${hint}: a swap or a stale hint; rename in two migrations, or remove the hint once its migration is generated`,
      );
    else if (oldByName.has(f(t.name)))
      conflicts.push(
        `table ${t.name} declares renamedFrom('${hint}'), but a table ${t.name} exists already: renaming ${hint} onto it would drop it; drop or rename ${t.name} in one migration, then rename ${hint} in the next (or remove the hint)`,
      );
    hinted.set(f(hint), t.name);
  }
  for (const t of to.tables) {
    const same = oldByName.get(f(t.name));
    if (same) {
      pairs.push({ from: same, to: t, renamed: false });
      used.add(f(same.name));
      continue;
    }
    const hint = renames.tables.get(t.name);
    const old = hint !== undefined ? oldByName.get(f(hint)) : undefined;
    if (old && !newByName.has(f(old.name)) && !used.has(f(old.name))) {
      pairs.push({ from: old, to: t, renamed: true });
      used.add(f(old.name));
    } else created.push(t);
  }
  const dropped = from.tables.filter((t) => !used.has(f(t.name)));
  return { pairs, created, dropped, conflicts };
}

function planTable(
  from: TableDef,
  to: TableDef,
  hints: ReadonlyMap<string, string> | undefined,
  tableRenames: ReadonlyMap<string, string> = new Map(),
  snapshots?: { readonly from: SchemaSnapshot; readonly to: SchemaSnapshot },
): TablePlan {
  const oldCols = new Map(from.columns.map((c) => [f(c.name), c]));
  const newNames = new Set(to.columns.map((c) => f(c.name)));
  const sources = new Map<string, ColumnDef>();
  const used = new Set<string>();
  const added: ColumnDef[] = [];
  const renamed: [ColumnDef, ColumnDef][] = [];
  const changed: [ColumnDef, ColumnDef, string][] = [];
  const kindChanged: [ColumnDef, ColumnDef, string][] = [];
  const conflicts: string[] = [];
  const hinted = new Map<string, string>();
  for (const c of to.columns) {
    const hint = hints?.get(c.name);
    if (hint === undefined || f(hint) === f(c.name) || !oldCols.has(f(hint))) continue;
    const other = hinted.get(f(hint));
    if (other !== undefined) conflicts.push(`columns ${to.name}.${other} and ${to.name}.${c.name} both declare renamedFrom('${hint}')`);
    else if (newNames.has(f(hint)))
      conflicts.push(
        `column ${to.name}.${c.name} declares renamedFrom('${hint}'), but the models still declare ${to.name}.${hint}: a swap or a stale hint; rename in two migrations, or remove the hint once its migration is generated`,
      );
    hinted.set(f(hint), c.name);
  }
  // A hint naming an old column that the new models no longer declare wins over a same-name match.
  const hintOf = (c: ColumnDef) => {
    const hint = hints?.get(c.name);
    if (hint === undefined || f(hint) === f(c.name) || newNames.has(f(hint))) return undefined;
    return oldCols.get(f(hint));
  };
  const takenByHint = new Set(
    to.columns
      .map((c) => hintOf(c))
      .filter((o) => o !== undefined)
      .map((o) => f(o.name)),
  );
  for (const c of to.columns) {
    let old = takenByHint.has(f(c.name)) ? undefined : oldCols.get(f(c.name));
    const cand = hintOf(c);
    if (cand && !used.has(f(cand.name))) {
      old = cand;
      renamed.push([cand, c]);
    }
    if (!old) {
      added.push(c);
      continue;
    }
    used.add(f(old.name));
    sources.set(f(c.name), old);
    const what = columnChanged(old, c, tableRenames);
    const [ka, kb] = snapshots ? [kindOf(snapshots.from, from.name, old.name), kindOf(snapshots.to, to.name, c.name)] : [];
    const kind = ka !== undefined && kb !== undefined && ka !== kb ? `kind ${ka} → ${kb}` : undefined;
    if (what) changed.push([old, c, kind ? `${what}, ${kind}` : what]);
    else if (kind)
      kindChanged.push([old, c, `${kind} (declared type ${c.type} unchanged: stored values stay as they are and must read as ${kb})`]);
  }
  const dropped = from.columns.filter((c) => !used.has(f(c.name)));
  const tableLevel: string[] = [];
  if (from.strict !== to.strict) tableLevel.push(to.strict ? 'STRICT' : 'not STRICT');
  const renameCol = (name: string) => {
    const r = renamed.find(([o]) => f(o.name) === f(name));
    return r ? r[1].name : name;
  };
  if (
    !sameSets(
      from.uniques.map((s) => s.map(renameCol)),
      to.uniques,
    )
  ) {
    tableLevel.push(`UNIQUE constraints ${JSON.stringify(from.uniques)} → ${JSON.stringify(to.uniques)}`);
  }
  // A rename onto a name the old table also has (its column dropped) cannot be done in place.
  if (renamed.some(([, n]) => oldCols.has(f(n.name)))) tableLevel.push('a column renamed onto a dropped column name');
  return { from, to, sources, added, dropped, renamed, changed, kindChanged, tableLevel, conflicts };
}

/** Can SQLite's ADD COLUMN add this column (https://sqlite.org/lang_altertable.html#altertabaddcol)? */
function addableInPlace(c: ColumnDef): boolean {
  if (c.primaryKey) return false;
  if (c.default?.startsWith('(')) return false;
  if (c.notNull && (c.default === null || c.default.toUpperCase() === 'NULL')) return false;
  if (c.references && c.default !== null && c.default.toUpperCase() !== 'NULL') return false;
  return true;
}

/** Can SQLite's DROP COLUMN drop this column: nothing else in the schema refers to it? */
function droppableInPlace(c: ColumnDef, t: TableDef): boolean {
  if (c.primaryKey || c.references || c.check) return false;
  const name = f(c.name);
  if (t.uniques.some((u) => u.some((x) => f(x) === name))) return false;
  if (t.indexes.some((ix) => ix.columns.some((x) => f(x) === name))) return false;
  return true;
}

const tmpName = (table: string) => `__new_${table}`;

/** The order to drop old tables in: children first, the members of a reference cycle next to each other. */
function dropOrder(tables: readonly TableDef[]): TableDef[] {
  const order = parentsFirst(tables).reverse();
  const byName = new Map(tables.map((t) => [f(t.name), t]));
  const reach = new Map<TableDef, Set<TableDef>>();
  for (const t of tables) {
    const seen = new Set<TableDef>();
    const stack = [t];
    while (stack.length > 0) {
      const x = stack.pop() as TableDef;
      for (const c of x.columns) {
        const p = c.references && byName.get(f(c.references.table));
        if (p && !seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
    reach.set(t, seen);
  }
  // Cycles (strongly connected tables) in the order their first member is dropped: children first between them.
  const out: TableDef[] = [];
  const placed = new Set<TableDef>();
  for (const t of order) {
    if (placed.has(t)) continue;
    const cycle = order.filter((x) => x === t || (reach.get(t)?.has(x) && reach.get(x)?.has(t)));
    for (const x of cycle) {
      out.push(x);
      placed.add(x);
    }
  }
  return out;
}

/**
 * The changes and the SQL that turn schema `from` into schema `to`. Throws ConfigurationError for what no SQL
 * can do without losing data or guessing: a drop without `allowDrop`, a NOT NULL column added without a
 * default the database can fill existing rows with, conflicting rename hints.
 */
export function diffSchemas(from: SchemaSnapshot, to: SchemaSnapshot, options: DiffOptions = {}): SchemaDiff {
  const renames = options.renames ?? { tables: new Map(), columns: new Map() };
  const { pairs, created, dropped, conflicts } = matchTables(from, to, renames);
  const changes: SchemaChange[] = [];
  const refusals: string[] = [];
  const tableRenames = new Map<string, string>(); // old folded → new folded
  for (const p of pairs) if (p.renamed) tableRenames.set(f(p.from.name), f(p.to.name));

  const plans = pairs.map((p) => ({
    ...p,
    plan: planTable(p.from, p.to, renames.columns.get(p.to.name), tableRenames, { from, to }),
  }));
  refusals.push(...conflicts);
  for (const { to: t, plan } of plans) {
    for (const [o, n, what] of plan.kindChanged)
      changes.push({
        kind: 'alter column',
        table: t.name,
        detail: `${t.name}.${n.name}${o.name !== n.name ? ` (was ${o.name})` : ''}: ${what}`,
      });
  }
  for (const d of dropped) {
    changes.push({ kind: 'drop table', table: d.name, detail: `drop table ${d.name}` });
    // A table that stays and still references the dropped one would keep a dangling foreign key (every later
    // insert fails), and the drop's implicit DELETE would cascade into its rows: never, even with allowDrop.
    const referrers = to.tables.filter(
      (t) => f(t.name) !== f(d.name) && t.columns.some((c) => c.references && f(c.references.table) === f(d.name)),
    );
    if (referrers.length > 0)
      refusals.push(
        `table ${d.name} cannot be dropped: ${referrers.map((r) => r.name).join(', ')} still reference${referrers.length === 1 ? 's' : ''} it (remove those references in the same migration, or keep exporting the model of ${d.name})`,
      );
    if (!options.allowDrop)
      refusals.push(
        `table ${d.name} would be dropped with its rows (pass --allow-drop, or declare renamedFrom: '${d.name}' on the model that replaces it)`,
      );
  }

  // Which tables need the rebuild, before the closure over referrers.
  const rebuild = new Set<string>(); // new folded names
  for (const { to: t, plan } of plans) {
    refusals.push(...plan.conflicts);
    const needs =
      plan.changed.length > 0 ||
      plan.tableLevel.length > 0 ||
      plan.added.some((c) => !addableInPlace(c)) ||
      plan.dropped.some((c) => !droppableInPlace(c, plan.from));
    if (needs) rebuild.add(f(t.name));
    for (const c of plan.added) {
      if (c.notNull && (c.default === null || c.default.toUpperCase() === 'NULL')) {
        refusals.push(
          `column ${t.name}.${c.name} is NOT NULL without a default, so existing rows would have no value: give it a constant .default(…), make it nullable, or declare renamedFrom if it replaces a column`,
        );
      }
    }
    for (const c of plan.dropped) {
      if (!options.allowDrop) {
        refusals.push(
          `column ${t.name}.${c.name} would be dropped with its values (pass --allow-drop, or declare .renamedFrom('${c.name}') on the column that replaces it)`,
        );
      }
    }
  }
  // Referrers of a rebuilt table are rebuilt too (see the module comment: DROP TABLE's implicit DELETE), by the
  // references of either version of the referrer.
  const oldNameOf = new Map(plans.map((p) => [f(p.to.name), f(p.from.name)]));
  const refersTo = (t: TableDef, names: ReadonlySet<string>) => t.columns.some((c) => c.references && names.has(f(c.references.table)));
  for (let grew = true; grew; ) {
    grew = false;
    const newNames = new Set(rebuild);
    const oldNames = new Set([...rebuild].map((n) => oldNameOf.get(n) ?? n));
    for (const { from: o, to: t } of plans) {
      if (rebuild.has(f(t.name)) || !(refersTo(t, newNames) || refersTo(o, oldNames))) continue;
      rebuild.add(f(t.name));
      grew = true;
    }
  }
  // What the old tables' own CREATE TABLE said that the rebuilt ones will not (only known for snapshots read
  // from a database); migrate() checks the same against the live database.
  const constraintLoss: string[] = [];
  for (const p of plans) {
    if (!rebuild.has(f(p.to.name))) continue;
    const text = Object.entries(from.tableSql ?? {}).find(([n]) => f(n) === f(p.from.name))?.[1];
    const before = typeof text === 'string' ? tableExtras(text) : undefined;
    const after = tableExtras(createTableSql(p.to));
    const renamedColumns = new Map(p.plan.renamed.map(([o, n]) => [f(o.name), f(n.name)]));
    if (before && after) constraintLoss.push(...lostExtras(p.to.name, before, after, renamedColumns));
  }
  if (constraintLoss.length > 0 && !options.allowConstraintLoss)
    refusals.push(
      `a rebuild would lose what the table's CREATE TABLE says and the models cannot: ${constraintLoss.join('; ')} (pass --allow-constraint-loss / allowConstraintLoss to accept, then add them back to the CREATE TABLE "__new_…" statement of the file to keep them)`,
    );
  if (refusals.length > 0) throw new ConfigurationError(`cannot generate this migration:\n- ${refusals.join('\n- ')}`);

  const out: string[] = [];
  const needsDeferred = rebuild.size > 0 || dropped.length > 0;
  if (needsDeferred) out.push('PRAGMA defer_foreign_keys = ON');

  // 1. Table renames (SQLite rewrites foreign keys, indexes and trigger bodies that name the table).
  for (const { from: o, to: t, renamed } of plans) {
    if (!renamed) continue;
    changes.push({ kind: 'rename table', table: t.name, detail: `rename table ${o.name} to ${t.name}` });
    out.push(`ALTER TABLE ${q(o.name)} RENAME TO ${q(t.name)}`);
  }
  // 2. New tables, parents first.
  for (const t of parentsFirst(created)) {
    changes.push({ kind: 'create table', table: t.name, detail: `create table ${t.name}` });
    out.push(...createTableStatements(t, false));
  }
  // 3. Rebuilds: new tables under temporary names, rows copied; old tables (rebuilt and dropped ones) dropped
  //    children first; new ones renamed back parents first, then their indexes and triggers.
  const rebuilt = parentsFirst(plans.filter((p) => rebuild.has(f(p.to.name))).map((p) => p.to));
  const planOf = new Map(plans.map((p) => [f(p.to.name), p]));
  const tempNames = new Map(rebuilt.map((t) => [t.name, tmpName(t.name)]));
  const creates: string[] = [];
  const copies: string[] = [];
  for (const t of rebuilt) {
    const { plan } = planOf.get(f(t.name)) as (typeof plans)[number];
    for (const [o, n, what] of plan.changed)
      changes.push({
        kind: 'alter column',
        table: t.name,
        detail: `${t.name}.${n.name}${o.name !== n.name ? ` (was ${o.name})` : ''}: ${what}`,
      });
    for (const what of plan.tableLevel) changes.push({ kind: 'alter table', table: t.name, detail: `${t.name}: ${what}` });
    for (const [o, n] of plan.renamed)
      changes.push({ kind: 'rename column', table: t.name, detail: `rename column ${t.name}.${o.name} to ${n.name}` });
    for (const c of plan.added)
      changes.push({ kind: 'add column', table: t.name, detail: `add column ${t.name}.${c.name} ${describeColumn(c)}` });
    for (const c of plan.dropped) changes.push({ kind: 'drop column', table: t.name, detail: `drop column ${t.name}.${c.name}` });
    // Indexes and triggers are all recreated with the table; report the ones that differ.
    const renameCol = (name: string) => plan.renamed.find(([a]) => f(a.name) === f(name))?.[1].name ?? name;
    const ixKey = (ix: IndexDef, rename: (n: string) => string) =>
      `${f(ix.name)}|${ix.unique}|${ix.columns.map((c) => f(rename(c))).join(',')}`;
    const oldIx = new Set(plan.from.indexes.map((ix) => ixKey(ix, renameCol)));
    const newIx = new Set(t.indexes.map((ix) => ixKey(ix, (n) => n)));
    for (const ix of plan.from.indexes)
      if (!newIx.has(ixKey(ix, renameCol))) changes.push({ kind: 'drop index', table: t.name, detail: `drop index ${ix.name}` });
    for (const ix of t.indexes) {
      if (!oldIx.has(ixKey(ix, (n) => n)))
        changes.push({ kind: 'create index', table: t.name, detail: `create index ${ix.name} on ${t.name} (${ix.columns.join(', ')})` });
    }
    const oldTr = new Map(plan.from.triggers.map((tr) => [f(tr.name), normalizeTriggerSql(tr.sql)]));
    for (const tr of t.triggers) {
      if (oldTr.get(f(tr.name)) !== normalizeTriggerSql(tr.sql))
        changes.push({
          kind: 'replace trigger',
          table: t.name,
          detail: `${oldTr.has(f(tr.name)) ? 'replace' : 'create'} trigger ${tr.name}`,
        });
    }
    const tmp = tmpName(t.name);
    // All new tables exist before the first copy: with foreign keys on (D1), a copy into a table whose
    // (temporary) parent does not exist yet fails, and in a reference cycle no order would do.
    creates.push(createTableSql(t, { as: tmp, referenceNames: tempNames }));
    const targets: string[] = [];
    const exprs: string[] = [];
    for (const c of t.columns) {
      const src = plan.sources.get(f(c.name));
      if (!src) continue; // a new column: its DEFAULT (or NULL) fills the copied rows
      targets.push(q(c.name));
      const becomesNotNull = c.notNull && !src.notNull && c.default !== null && c.default.toUpperCase() !== 'NULL';
      exprs.push(becomesNotNull ? `coalesce(${q(src.name)}, ${c.default})` : q(src.name));
    }
    copies.push(`INSERT INTO ${q(tmp)} (${targets.join(', ')}) SELECT ${exprs.join(', ')} FROM ${q(t.name)}`);
    // AUTOINCREMENT: the new table continues the old counter, so ids of deleted rows are never handed out again.
    if (t.columns.some((c) => c.primaryKey)) {
      const [tn, on] = [sqlLiteral(tmp), sqlLiteral(t.name)];
      copies.push(
        // The stored name may differ from the model's in ASCII case (SQLite matches table names that way).
        `UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(seq) FROM sqlite_sequence WHERE lower(name) = lower(${on})), 0)) WHERE name = ${tn}`,
        `INSERT INTO sqlite_sequence (name, seq) SELECT ${tn}, max(seq) FROM sqlite_sequence WHERE lower(name) = lower(${on}) HAVING count(*) > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${tn})`,
      );
    }
  }
  out.push(...creates, ...copies);
  // Every old table that goes (rebuilt or dropped) is dropped here, after all copies, children first by the old
  // foreign keys: a parent's implicit DELETE then finds no old child rows to cascade into, restrict or null. Each
  // rebuilt table takes its place at once (renamed back), so with foreign keys on (D1) every table a dropped
  // table or its cascades refer to exists ("no such table" otherwise, in a reference cycle).
  const currentName = new Map<TableDef, string>();
  const newOf = new Map<TableDef, TableDef>();
  for (const t of rebuilt) {
    const old = (planOf.get(f(t.name)) as (typeof plans)[number]).from;
    currentName.set(old, t.name);
    newOf.set(old, t);
  }
  for (const d of dropped) currentName.set(d, d.name);
  const order = dropOrder([...currentName.keys()]);
  // In a reference cycle some old table goes after one of its parents: its references to that parent are
  // cleared first (the rows are copied already), so the parent's drop neither cascades, nor restricts, nor leaves
  // a deferred violation that the parent's replacement would make permanent.
  const position = new Map(order.map((t, i) => [f(t.name), i]));
  order.forEach((old, i) => {
    for (const c of old.columns) {
      const at = c.references ? position.get(f(c.references.table)) : undefined;
      if (at === undefined || at >= i || c.notNull) continue;
      out.push(`UPDATE ${q(currentName.get(old) as string)} SET ${q(c.name)} = NULL WHERE ${q(c.name)} IS NOT NULL`);
    }
  });
  for (const old of order) {
    out.push(`DROP TABLE ${q(currentName.get(old) as string)}`);
    const t = newOf.get(old);
    if (t) out.push(`ALTER TABLE ${q(tmpName(t.name))} RENAME TO ${q(t.name)}`);
  }
  for (const t of rebuilt) {
    for (const ix of t.indexes) out.push(createIndexSql(t.name, ix));
    for (const tr of t.triggers) out.push(createTriggerSql(tr));
    // A trigger the old table had that the models do not describe (read from an adopted database) went with
    // the old table: created again from its own SQL, as SQLite's procedure does (step 10).
    const p = planOf.get(f(t.name)) as (typeof plans)[number];
    const own = new Set(t.triggers.map((tr) => f(tr.name)));
    if (p.renamed) continue; // its SQL names the old table; migrate() recreates it from the live SQL instead
    for (const tr of p.from.triggers) {
      if (own.has(f(tr.name)) || ownedTrigger(tr.name, p.from, t)) continue;
      changes.push({ kind: 'replace trigger', table: t.name, detail: `recreate trigger ${tr.name} (not in the models, kept)` });
      out.push(createTriggerSql({ name: tr.name, sql: normalizeTriggerSql(tr.sql) }));
    }
  }

  // 4. In place: indexes and triggers that go, column renames, adds and drops, then new indexes and triggers.
  const later: string[] = [];
  for (const { from: o, to: t, plan, renamed } of plans) {
    if (rebuild.has(f(t.name))) continue;
    const renameCol = (name: string) => plan.renamed.find(([a]) => f(a.name) === f(name))?.[1].name ?? name;
    const key = (ix: IndexDef, rename: (n: string) => string) =>
      `${f(ix.name)}|${ix.unique}|${ix.columns.map((c) => f(rename(c))).join(',')}`;
    const newKeys = new Set(t.indexes.map((ix) => key(ix, (n) => n)));
    const oldKeys = new Set(o.indexes.map((ix) => key(ix, renameCol)));
    for (const ix of o.indexes) {
      if (newKeys.has(key(ix, renameCol))) continue;
      changes.push({ kind: 'drop index', table: t.name, detail: `drop index ${ix.name}` });
      out.push(`DROP INDEX ${q(ix.name)}`);
    }
    const oldTriggers = new Map(o.triggers.map((tr) => [f(tr.name), normalizeTriggerSql(tr.sql)]));
    const newTriggers = new Set(t.triggers.map((tr) => f(tr.name)));
    for (const tr of o.triggers) {
      // Only litedao's own triggers go; one the models do not describe (read from an adopted database) stays.
      if (newTriggers.has(f(tr.name)) || !ownedTrigger(tr.name, o, t)) continue;
      changes.push({ kind: 'drop trigger', table: t.name, detail: `drop trigger ${tr.name}` });
      out.push(`DROP TRIGGER IF EXISTS ${q(tr.name)}`);
    }
    for (const [a, b] of plan.renamed) {
      changes.push({ kind: 'rename column', table: t.name, detail: `rename column ${t.name}.${a.name} to ${b.name}` });
      out.push(`ALTER TABLE ${q(t.name)} RENAME COLUMN ${q(a.name)} TO ${q(b.name)}`);
    }
    for (const c of plan.added) {
      changes.push({ kind: 'add column', table: t.name, detail: `add column ${t.name}.${c.name} ${describeColumn(c)}` });
      out.push(`ALTER TABLE ${q(t.name)} ADD COLUMN ${columnSql(c)}`);
    }
    for (const c of plan.dropped) {
      changes.push({ kind: 'drop column', table: t.name, detail: `drop column ${t.name}.${c.name}` });
      out.push(`ALTER TABLE ${q(t.name)} DROP COLUMN ${q(c.name)}`);
    }
    for (const ix of t.indexes) {
      if (oldKeys.has(key(ix, (n) => n))) continue;
      changes.push({ kind: 'create index', table: t.name, detail: `create index ${ix.name} on ${t.name} (${ix.columns.join(', ')})` });
      later.push(createIndexSql(t.name, ix));
    }
    for (const tr of t.triggers) {
      const before = oldTriggers.get(f(tr.name));
      // A renamed table's trigger body was rewritten by SQLite; its name was not: recreate it under the new name.
      if (before !== undefined && before === normalizeTriggerSql(tr.sql) && !renamed) continue;
      if (before !== undefined) out.push(`DROP TRIGGER IF EXISTS ${q(tr.name)}`);
      changes.push({ kind: 'replace trigger', table: t.name, detail: `${before === undefined ? 'create' : 'replace'} trigger ${tr.name}` });
      later.push(createTriggerSql(tr));
    }
  }
  out.push(...later);
  return { changes, statements: out, rebuilt: rebuilt.map((t) => t.name), ...(constraintLoss.length ? { constraintLoss } : {}) };
}

/** A migration file's text: a header, the changes as comments, the statements. */
export function migrationFileSql(name: string, diff: SchemaDiff): string {
  const head = [
    `-- ${name}: generated by \`litedao generate\` from the models (one transaction; one batch() on D1).`,
    '-- Apply with `litedao migrate`, `wrangler d1 migrations apply`, or migrate(engine, migrations) in the browser.',
    ...diff.changes.map((c) => `-- ${c.kind}: ${c.detail}`),
    ...(diff.constraintLoss?.length
      ? ['-- litedao: allow-constraint-loss', ...diff.constraintLoss.map((x) => `-- lost by the rebuild (allowed): ${x}`)]
      : []),
    ...(diff.rebuilt.length === 0
      ? []
      : [
          `-- rebuilt (SQLite's table rebuild): ${diff.rebuilt.join(', ')}. The new tables hold only what the models say: migrate()`,
          '-- refuses this file if a live table has a COLLATE, CHECK or generated column it would lose (keep them by adding',
          '-- them to the CREATE TABLE "__new_…" statements, or accept the loss with a line: -- litedao: allow-constraint-loss),',
          '-- and keeps views and hand-written triggers (dropped before, created again after).',
        ]),
  ];
  return `${head.join('\n')}\n\n${diff.statements.map((s) => `${s};`).join('\n\n')}\n`;
}

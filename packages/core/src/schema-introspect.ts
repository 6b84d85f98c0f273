/**
 * Reads a live database's schema into the same {@link TableDef} data the models produce (ddl.ts), and checks
 * models against it. Uses only what every adapter can run, D1 included: `sqlite_schema` and the PRAGMA
 * table-valued functions (`pragma_table_xinfo`, `pragma_table_list`, `pragma_index_list`, `pragma_index_info`,
 * `pragma_foreign_key_list`).
 */
import type { ColumnDef, IndexDef, TableDef, TriggerDef } from './ddl.ts';
import type { SqlValue, Statement, StatementResult } from './driver.ts';
import { SchemaError } from './errors.ts';
import { type AnyModel, type ColumnMeta, metaOf } from './model-meta.ts';
import { foldIdentifier, NAMING_MODES, quoteIdent, tableNameFor } from './naming.ts';
import { UNIT_TABLE } from './unit-log.ts';

/** Anything that runs one statement: an Engine, a Driver, a transaction. */
export interface StatementRunner {
  execute(statement: Statement): Promise<StatementResult>;
}

async function query(db: StatementRunner, sql: string, params: SqlValue[] = []): Promise<Record<string, SqlValue>[]> {
  const res = await db.execute({ sql, params, returnsRows: true });
  const cols = res.columns ?? [];
  return res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null])));
}

/** Tables that belong to SQLite, to the platform (D1's `_cf_…`), to migrations or to the engine's unit log. */
export function isInternalTable(name: string): boolean {
  return /^sqlite_/i.test(name) || name.startsWith('_cf_') || name === 'd1_migrations' || name === UNIT_TABLE || name.startsWith('__new_');
}

const str = (v: SqlValue | undefined): string => (v === null || v === undefined ? '' : String(v));

const LITERAL =
  /^(?:NULL|TRUE|FALSE|CURRENT_(?:TIME|DATE|TIMESTAMP)|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|'(?:[^']|'')*'|[xX]'[0-9a-fA-F]*')$/i;

/** A DEFAULT as CREATE TABLE spells it: `table_xinfo` drops the parentheses around an expression default. */
function defaultText(v: string): string {
  return LITERAL.test(v.trim()) ? v : `(${v})`;
}

/**
 * Everything introspection needs about some tables, in ONE statement (a D1 round trip costs milliseconds):
 * per table its SQL, kind (`pragma_table_list`: table, virtual, shadow), STRICT flag, columns, foreign keys,
 * indexes with their columns, and triggers, each as JSON. `json(…)` around nested arrays keeps them arrays
 * where a subquery would pass them on as text. SQLite's and D1's own tables are left out: D1 refuses PRAGMAs
 * on its `_cf_…` tables (SQLITE_AUTH). A virtual table gets no PRAGMA either: one whose module is not loaded
 * here ("no such module") would fail the whole statement.
 */
const TABLES_SQL = `SELECT m.name AS name, m.sql AS sql, m.virtual AS virtual,
  (SELECT l.type FROM pragma_table_list(m.name) AS l) AS kind,
  (SELECT l.strict FROM pragma_table_list(m.name) AS l) AS strict,
  CASE WHEN m.virtual THEN '[]' ELSE (SELECT json_group_array(json_array(c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden)) FROM pragma_table_xinfo(m.name) AS c) END AS cols,
  CASE WHEN m.virtual THEN '[]' ELSE (SELECT json_group_array(json_array(f."table", f."from", f."to", f.on_update, f.on_delete)) FROM pragma_foreign_key_list(m.name) AS f) END AS fks,
  CASE WHEN m.virtual THEN '[]' ELSE (SELECT json_group_array(json_array(i.name, i."unique", i.origin,
     json((SELECT json_group_array(ii.name) FROM pragma_index_info(i.name) AS ii)), i.partial)) FROM pragma_index_list(m.name) AS i) END AS ixs,
  (SELECT json_group_array(json_array(t.name, t.sql)) FROM sqlite_schema AS t WHERE t.type = 'trigger' AND t.tbl_name = m.name) AS trs
FROM (SELECT rowid AS rid, type, name, sql, coalesce(sql, '') LIKE 'CREATE VIRTUAL TABLE%' AS virtual FROM sqlite_schema) AS m
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
  AND (? IS NULL OR lower(m.name) IN (SELECT lower(value) FROM json_each(?)))
ORDER BY m.rid`;

type Json = string | number | null | Json[];

/** What a {@link TableDef} does not say but the models' contract depends on, for introspected tables. */
interface LiveFacts {
  /** `table`, `virtual` (FTS5, R*Tree, …) or `shadow` (a virtual table's storage). */
  readonly kind: 'table' | 'virtual' | 'shadow';
  /** The primary key's columns, in key order (empty: the table has none besides the hidden rowid). */
  readonly primaryKey: readonly string[];
  /** Whether the primary key is the rowid itself (`INTEGER PRIMARY KEY`: no separate index, ids assigned). */
  readonly rowidAlias: boolean;
  /** UNIQUE indexes with a WHERE clause or an expression: they do not make their columns unique. */
  readonly partialUniques: ReadonlySet<string>;
  /** Every index with a WHERE clause or an expression (unique or not): it does not cover whole columns. */
  readonly partialIndexes: ReadonlySet<string>;
}

const liveFacts = new WeakMap<TableDef, LiveFacts>();

/** Shadow tables' name suffixes of SQLite's virtual table modules, for when the module is not loaded. */
const SHADOW_SUFFIXES: Record<string, readonly string[]> = {
  fts5: ['data', 'idx', 'content', 'docsize', 'config'],
  fts4: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  fts3: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  rtree: ['node', 'parent', 'rowid'],
  rtree_i32: ['node', 'parent', 'rowid'],
  geopoly: ['node', 'parent', 'rowid'],
};

function tableFromRow(r: Record<string, SqlValue>): TableDef {
  const name = str(r.name);
  const tableSql = str(r.sql);
  const arr = (v: SqlValue | undefined) => JSON.parse(str(v) || '[]') as Json[][];
  const xinfo = arr(r.cols);
  const fks = arr(r.fks);
  const autoincrement = /\bAUTOINCREMENT\b/i.test(tableSql);
  const columns: ColumnDef[] = xinfo
    .filter((c) => Number(c[5]) === 0)
    .map(([cName, cType, notnull, dflt, pk]) => {
      const colName = String(cName);
      const fk = fks.find((f) => String(f[1]) === colName);
      // Only the CHECK litedao writes (booleans) is recognised; other CHECKs stay in the table's own SQL.
      const check = `${quoteIdent(colName)} IN (0, 1)`;
      return {
        name: colName,
        type: String(cType ?? ''),
        notNull: Number(notnull) === 1 || (Number(pk) > 0 && autoincrement),
        default: dflt === null || dflt === undefined ? null : defaultText(String(dflt)),
        primaryKey: Number(pk) === 1 && autoincrement,
        check: tableSql.includes(`CHECK (${check})`) ? check : null,
        references: fk
          ? { table: String(fk[0]), column: String(fk[2] ?? '') || 'id', onDelete: String(fk[4]), onUpdate: String(fk[3]) }
          : null,
      };
    });
  const uniques: string[][] = [];
  const indexes: IndexDef[] = [];
  const partialUniques = new Set<string>();
  const partialIndexes = new Set<string>();
  let pkIndex = false;
  for (const [ixName, unique, origin, cols, partial] of arr(r.ixs)) {
    const raw = Array.isArray(cols) ? cols : (JSON.parse(String(cols ?? '[]')) as Json[]);
    const names = raw.map(String);
    if (origin === 'pk') pkIndex = true;
    if (Number(partial) === 1 || raw.some((c) => c === null)) partialIndexes.add(String(ixName));
    if (Number(unique) === 1 && partialIndexes.has(String(ixName))) partialUniques.add(String(ixName));
    if (origin === 'u') uniques.push(names);
    else if (origin === 'c') indexes.push({ name: String(ixName), columns: names, unique: Number(unique) === 1 });
  }
  const triggers: TriggerDef[] = arr(r.trs)
    .map(([tName, tSql]) => ({ name: String(tName), sql: String(tSql) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // index_list lists the newest first; declaration order reads better and diffs stably.
  uniques.reverse();
  indexes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const def: TableDef = { name, strict: Number(r.strict ?? 0) === 1, columns, uniques, indexes, triggers };
  const primaryKey = xinfo
    .filter((c) => Number(c[4]) > 0)
    .sort((a, b) => Number(a[4]) - Number(b[4]))
    .map((c) => String(c[0]));
  const kind = Number(r.virtual) === 1 || r.kind === 'virtual' ? 'virtual' : r.kind === 'shadow' ? 'shadow' : 'table';
  liveFacts.set(def, {
    kind,
    primaryKey,
    rowidAlias: primaryKey.length === 1 && !pkIndex && kind === 'table',
    partialUniques,
    partialIndexes,
  });
  return def;
}

/** The module a `CREATE VIRTUAL TABLE … USING module(…)` names, lower-case. */
function virtualModule(sql: string): string {
  return /\bUSING\s+"?([A-Za-z0-9_]+)/i.exec(sql)?.[1]?.toLowerCase() ?? '';
}

/**
 * The named tables of the live database as {@link TableDef}s, in one statement, keyed by the name folded as
 * SQLite compares names (ASCII case); missing tables are absent.
 */
export async function introspectTables(db: StatementRunner, names: readonly string[]): Promise<Map<string, TableDef>> {
  const list = JSON.stringify(names);
  const rows = await query(db, TABLES_SQL, [list, list]);
  return new Map(rows.map((r) => [foldIdentifier(str(r.name)), tableFromRow(r)]));
}

/** One table of the live database as a {@link TableDef}, or undefined when it does not exist. */
export async function introspectTable(db: StatementRunner, name: string): Promise<TableDef | undefined> {
  return (await introspectTables(db, [name])).get(foldIdentifier(name));
}

/**
 * Every user table of the live database, in creation order: SQLite's, D1's, the migration and unit-log tables
 * are excluded, and so are virtual tables (FTS5, R*Tree: their module owns their layout, they are no litedao
 * tables) and their shadow tables (the module's storage, created and dropped with the virtual table).
 */
export async function introspectSchema(db: StatementRunner): Promise<TableDef[]> {
  const rows = await query(db, TABLES_SQL, [null, null]);
  // Shadow tables by name too: `pragma_table_list` only knows them when the module is loaded in this SQLite.
  const shadowNames = new Set<string>();
  for (const r of rows) {
    if (Number(r.virtual) !== 1) continue;
    for (const suffix of SHADOW_SUFFIXES[virtualModule(str(r.sql))] ?? []) shadowNames.add(foldIdentifier(`${str(r.name)}_${suffix}`));
  }
  return rows
    .filter((r) => Number(r.virtual) !== 1 && r.kind !== 'virtual' && r.kind !== 'shadow' && !shadowNames.has(foldIdentifier(str(r.name))))
    .map(tableFromRow)
    .filter((t) => !isInternalTable(t.name));
}

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html#determination_of_column_affinity). */
export function affinityOf(declared: string): 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC' {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t === '' || t === 'ANY') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/** Affinities under which a column kind reads back exactly (what the Python template declares included). */
const COMPATIBLE: Record<ColumnMeta['kind'], readonly string[]> = {
  integer: ['INTEGER', 'NUMERIC'],
  bigint: ['INTEGER', 'NUMERIC'],
  boolean: ['INTEGER', 'NUMERIC'],
  real: ['REAL', 'NUMERIC'],
  text: ['TEXT'],
  timestamp: ['TEXT', 'NUMERIC'],
  json: ['TEXT', 'NUMERIC', 'BLOB'],
  blob: ['BLOB'],
};

/**
 * Everything that keeps litedao from working correctly on `live` for one model: the table or a column missing,
 * a column the model does not know (an INSERT would fail on its NOT NULL, a read would never see it), a
 * declared type whose affinity would change values, a NULL the model cannot hold or cannot write, an `id` that
 * is not the table's INTEGER PRIMARY KEY (SQLite assigns it to new rows), a `created_at` or `updated_at`
 * without a DEFAULT of the current time, a missing UNIQUE constraint (`upsert` targets it; a partial or
 * expression index does not count), a virtual table in place of a table. The Python template's schema passes:
 * `id INTEGER NOT NULL … PRIMARY KEY (id)` and nullable `created_at`/`updated_at` with `DEFAULT
 * (CURRENT_TIMESTAMP)`. Each entry names the table and column.
 */
export function schemaProblems(model: AnyModel, live: TableDef | undefined): string[] {
  const meta = metaOf(model);
  const t = meta.tableName;
  if (!live) return [`table ${t} is missing`];
  const facts = liveFacts.get(live);
  if (facts && facts.kind !== 'table') {
    return [
      `table ${t} is a ${facts.kind === 'virtual' ? 'virtual table' : "virtual table's shadow table"}, not a table litedao can store the model in`,
    ];
  }
  const out: string[] = [];
  const liveCols = new Map(live.columns.map((c) => [foldIdentifier(c.name), c]));
  for (const col of meta.columns) {
    const c = liveCols.get(foldIdentifier(col.name));
    if (!c) {
      out.push(`${t}.${col.name} is missing (the model declares ${col.kind}${col.nullable ? ', nullable' : ''})`);
      continue;
    }
    if (col.name === 'id') {
      if (affinityOf(c.type) !== 'INTEGER') out.push(`${t}.id is declared ${c.type}, not INTEGER`);
      else if (facts && !(facts.rowidAlias && foldIdentifier(facts.primaryKey[0] ?? '') === 'id'))
        out.push(`${t}.id ${idKeyProblem(facts)}: new rows would get no id`);
      continue;
    }
    if (col.owned && !isNowDefault(c.default)) {
      out.push(
        c.default === null
          ? `${t}.${col.name} has no DEFAULT: new rows would get no timestamp (declare DEFAULT CURRENT_TIMESTAMP)`
          : `${t}.${col.name} has DEFAULT ${c.default}, not the current time: new rows would get a wrong timestamp (declare DEFAULT CURRENT_TIMESTAMP)`,
      );
    }
    const aff = affinityOf(c.type);
    if (!COMPATIBLE[col.kind].includes(aff))
      out.push(`${t}.${col.name} is declared ${c.type || '(no type)'} (${aff} affinity), the model declares ${col.kind}`);
    if (col.nullable && c.notNull) out.push(`${t}.${col.name} is NOT NULL in the database, nullable in the model`);
    if (!col.nullable && !c.notNull && !col.owned) out.push(`${t}.${col.name} allows NULL in the database, the model declares it NOT NULL`);
  }
  const known = new Set(meta.columns.map((c) => foldIdentifier(c.name)));
  for (const c of live.columns) {
    if (!known.has(foldIdentifier(c.name))) {
      out.push(
        `${t}.${c.name} is in the database but not in the model${c.notNull && c.default === null ? ' (NOT NULL without a default: inserts fail)' : ''}`,
      );
    }
  }
  const uniqueKeys = new Set(
    [
      ...live.uniques,
      ...live.indexes.filter((ix) => ix.unique && !facts?.partialUniques.has(ix.name)).map((ix) => ix.columns),
      // A PRIMARY KEY is unique too (and `ON CONFLICT (…)` targets it like a UNIQUE constraint).
      ...(facts && facts.primaryKey.length > 0 ? [facts.primaryKey] : []),
    ].map((s) => s.map(foldIdentifier).sort().join('\0')),
  );
  for (const set of meta.uniqueSets) {
    if (!uniqueKeys.has(set.map(foldIdentifier).sort().join('\0'))) out.push(`${t}: UNIQUE (${set.join(', ')}) is missing`);
  }
  return out;
}

/** Why `id` is not the table's INTEGER PRIMARY KEY (the rowid, which SQLite assigns to a new row). */
function idKeyProblem(facts: LiveFacts): string {
  const key = facts.primaryKey;
  if (key.length === 0) return 'is not the PRIMARY KEY (the table has none)';
  if (key.length > 1) return `is not the PRIMARY KEY alone (it is PRIMARY KEY (${key.join(', ')}))`;
  if (foldIdentifier(key[0] as string) !== 'id') return `is not the PRIMARY KEY (${key[0]} is)`;
  return 'is a PRIMARY KEY but not the rowid (declare it id INTEGER PRIMARY KEY, in a table with a rowid)';
}

/**
 * Whether a column DEFAULT stores the current time as text the timestamp reader parses: CURRENT_TIMESTAMP
 * (also in parentheses, as SQLAlchemy writes it), `datetime('now', …)`, or `strftime` of 'now' with a full
 * date-and-time format (litedao's own default). Numbers (`unixepoch()`, `julianday('now')`, `strftime('%s',
 * 'now')`), constants, dates and times alone are not.
 */
function isNowDefault(sql: string | null): boolean {
  if (sql === null) return false;
  if (/^\(*\s*CURRENT_TIMESTAMP\s*\)*$/i.test(sql.trim())) return true;
  if (/\bdatetime\s*\(\s*'now'/i.test(sql)) return true;
  const f = /\bstrftime\s*\(\s*'((?:[^']|'')*)'\s*,\s*'now'/i.exec(sql);
  return f !== null && ['%Y', '%m', '%d', '%H', '%M'].every((part) => (f[1] as string).includes(part));
}

/**
 * The names another naming mode gives the model's table, when its own name is derived (an explicit
 * `tableName` that no mode gives is the user's choice and has no alternatives).
 */
function otherNamings(model: AnyModel): string[] {
  const meta = metaOf(model);
  const derived = NAMING_MODES.map((mode) => tableNameFor(meta.name, mode));
  const own = foldIdentifier(meta.tableName);
  if (!derived.some((n) => foldIdentifier(n) === own)) return [];
  return [...new Set(derived.filter((n) => foldIdentifier(n) !== own))];
}

/**
 * For a model whose table is missing: each table that exists under another naming mode's name for the model
 * (and is no other model's table), with how to use it. Empty when there is none.
 */
function namingHints(model: AnyModel, live: ReadonlyMap<string, TableDef>, models: readonly AnyModel[]): string[] {
  const meta = metaOf(model);
  const t = meta.tableName;
  const owned = new Set(models.map((m) => foldIdentifier(metaOf(m).tableName)));
  const found = otherNamings(model).filter((n) => live.has(foldIdentifier(n)) && !owned.has(foldIdentifier(n)));
  return found.map(
    (n) =>
      `table ${t} is missing but ${n} exists, the name another naming mode gives model ${meta.name} (the Python template's is lower-case + "s": declarativeBase({ naming: 'legacy' })); use that mode or tableName: '${n}', or rename the table with a migration (renamedFrom: '${n}'), instead of creating an empty ${t} beside it`,
  );
}

/**
 * Compares the models with the live database and throws one `SchemaError` listing every problem
 * ({@link schemaProblems}), before anything is written. Resolves when the database fits.
 */
export async function verifySchema(db: StatementRunner, models: readonly AnyModel[]): Promise<void> {
  const problems: string[] = [];
  const live = await introspectTables(db, [...models.map((m) => metaOf(m).tableName), ...models.flatMap(otherNamings)]);
  for (const m of models) {
    const table = live.get(foldIdentifier(metaOf(m).tableName));
    const hints = table ? [] : namingHints(m, live, models);
    problems.push(...(hints.length > 0 ? hints : schemaProblems(m, table)));
  }
  if (problems.length > 0) {
    throw new SchemaError(
      `the database does not match the models (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
  }
}

/**
 * The check `createAll` runs first: tables that already exist must fit their models, because CREATE TABLE IF
 * NOT EXISTS would skip them silently and the first write would fail instead. Missing tables are fine (they
 * are about to be created).
 */
export async function verifyExistingTables(db: StatementRunner, models: readonly AnyModel[]): Promise<ReadonlyMap<string, TableDef>> {
  const problems: string[] = [];
  const tables = await introspectTables(db, [...models.map((m) => metaOf(m).tableName), ...models.flatMap(otherNamings)]);
  for (const m of models) {
    const live = tables.get(foldIdentifier(metaOf(m).tableName));
    // A missing table is created, unless the model's table exists under another naming mode's name: creating an
    // empty one beside it would split the data (the Python template's `categorys`, `categories` created anew).
    problems.push(...(live ? schemaProblems(m, live) : namingHints(m, tables, models)));
  }
  if (problems.length > 0) {
    throw new SchemaError(
      `createAll: existing tables do not match the models, so they cannot be skipped (migrate them: see "Migrations" in the README):\n- ${problems.join('\n- ')}`,
    );
  }
  return tables;
}

/**
 * Whether a live table already has an index that does what `ix` would: a whole-column index (no WHERE, no
 * expression) on the same columns in the same order, with the same uniqueness, under any name (SQLAlchemy's
 * `ix_messages_user_read` for litedao's `ix_messages_user_id_is_read`). `createAll` then leaves `ix` out
 * instead of maintaining two identical indexes on every write.
 */
export function hasEquivalentIndex(live: TableDef, ix: IndexDef): boolean {
  const partial = liveFacts.get(live)?.partialIndexes;
  return live.indexes.some(
    (l) =>
      !partial?.has(l.name) &&
      l.unique === ix.unique &&
      l.columns.length === ix.columns.length &&
      l.columns.every((c, i) => foldIdentifier(c) === foldIdentifier(ix.columns[i] as string)),
  );
}

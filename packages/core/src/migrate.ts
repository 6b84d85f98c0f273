/**
 * The migration runner: one implementation for Node, D1 and the browser. It reads the same folder of flat
 * `NNNN_name.sql` files wrangler reads and records applied files in the same table, with wrangler's own DDL
 * (`d1_migrations`: id, name UNIQUE, applied_at), so switching between `wrangler d1 migrations apply` and
 * litedao never applies a file twice.
 *
 * Each file is applied atomically together with its bookkeeping row: inside one interactive transaction where
 * the adapter has them (better-sqlite3, sqlite-wasm: the failing statement is named exactly), as one `batch()`
 * on D1. A failure leaves nothing of that file behind and names the file and the statement.
 *
 * A file that drops tables (a plain drop, or SQLite's 12-step rebuild: copy to `__new_x`, drop `x`, rename) never
 * deletes or nulls rows of a table it does not drop itself: with foreign keys on, `DROP TABLE` runs an implicit
 * `DELETE` that fires `ON DELETE CASCADE`/`SET NULL` in every referencing table, hand-written ones included.
 * Where the connection can turn foreign keys off (better-sqlite3, sqlite-wasm), such a file runs with
 * `PRAGMA foreign_keys = OFF` outside its transaction and `PRAGMA foreign_key_check` before the commit (SQLite's
 * own procedure); where it cannot (D1, Durable Objects), a file that drops a table some other live table
 * references is refused before anything runs, with a `SchemaError` naming both.
 */
import type { Engine } from './engine.ts';
import { isDaoError, SchemaError } from './errors.ts';
import { foldIdentifier, quoteIdent } from './naming.ts';
import { sql as sqlTag } from './sql.ts';
import { isTransactionControl, splitStatements as splitSql } from './sql-text.ts';

/** One migration file. */
export interface Migration {
  /** The file name, e.g. `0002_add_language.sql` (what `d1_migrations.name` records). */
  readonly name: string;
  /** The file's SQL text. */
  readonly sql: string;
}

/** What the runner accepts: a list, or a record of path → text (Vite's `import.meta.glob(…, { query: '?raw' })`). */
export type MigrationSource = readonly Migration[] | Readonly<Record<string, string>>;

/** Options of {@link migrate} and {@link migrationStatus}. */
export interface MigrateOptions {
  /** The bookkeeping table; wrangler's `migrations_table` setting. Default `d1_migrations`. */
  readonly table?: string;
}

/** One row of {@link migrationStatus}. */
export interface MigrationState {
  readonly name: string;
  readonly applied: boolean;
  /** When it was applied (the table's text, UTC), for applied files. */
  readonly appliedAt?: string | undefined;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Files applied now, in order. */
  readonly applied: readonly string[];
  /** Files that were applied before. */
  readonly alreadyApplied: readonly string[];
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Leading number of a file name (`0002_x.sql` → 2), as wrangler orders them; NaN without one. */
function leadingNumber(name: string): number {
  const m = /^(\d+)/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** The migrations as a sorted list: by leading number, then name; only `.sql` files. Duplicate names are an error. */
export function normalizeMigrations(source: MigrationSource): Migration[] {
  const list: Migration[] = Array.isArray(source)
    ? (source as readonly Migration[]).map((m) => ({ name: baseName(m.name), sql: m.sql }))
    : Object.entries(source as Record<string, string>).map(([path, text]) => ({ name: baseName(path), sql: text }));
  const out = list.filter((m) => m.name.endsWith('.sql'));
  for (const m of out) {
    if (typeof m.sql !== 'string') throw new SchemaError(`migration ${m.name}: expected its SQL text (import it with ?raw)`);
  }
  out.sort((a, b) => {
    const [x, y] = [leadingNumber(a.name), leadingNumber(b.name)];
    if (x !== y && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  for (let i = 1; i < out.length; i++) {
    if (out[i]?.name === out[i - 1]?.name) throw new SchemaError(`two migrations are named ${out[i]?.name}`);
  }
  return out;
}

/** wrangler's bookkeeping table, exactly as wrangler creates it (so either tool can create it first). */
export function migrationsTableSql(table = 'd1_migrations'): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`;
}

/**
 * The statements of a migration file, trimmed and without their terminating `;`: the file is cut exactly where
 * SQLite itself would end each statement (core's sql-text tokenizer, which knows string literals, quoted
 * identifiers, comments and `CREATE TRIGGER … BEGIN … END` bodies). Empty statements and comments are dropped.
 */
export function migrationStatements(text: string): string[] {
  return splitSql(text).map((s) => s.trim().replace(/;$/, '').trim());
}

const IDENT = String.raw`"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*\]|[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*`;
const DROP_TABLE = new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:(?:${IDENT})\s*\.\s*)?(${IDENT})\s*$`, 'i');

function unquote(ident: string): string {
  const c = ident[0];
  if (c === '"') return ident.slice(1, -1).replaceAll('""', '"');
  if (c === '`') return ident.slice(1, -1).replaceAll('``', '`');
  if (c === '[') return ident.slice(1, -1);
  return ident;
}

/** The tables a file's `DROP TABLE` statements drop (folded names). */
export function droppedTablesOf(statements: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    const m = DROP_TABLE.exec(s.replace(/^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, ''));
    if (m?.[1]) out.add(foldIdentifier(unquote(m[1])));
  }
  return out;
}

const REFERRERS_SQL = `SELECT m.name AS child, f."table" AS parent FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\'`;

/**
 * Refuses a file that drops a table some live table it does not drop references: on a connection where
 * foreign keys stay on, the drop's implicit DELETE would delete, null or refuse that table's rows.
 */
async function refuseForeignReferrers(engine: Engine, file: string, dropped: ReadonlySet<string>): Promise<void> {
  const res = await engine.execute({ sql: REFERRERS_SQL, params: [], returnsRows: true });
  const found: string[] = [];
  for (const [child, parent] of res.rows) {
    const [c, p] = [String(child), String(parent)];
    if (dropped.has(foldIdentifier(p)) && !dropped.has(foldIdentifier(c)) && foldIdentifier(c) !== foldIdentifier(p)) {
      const entry = `${c} → ${p}`;
      if (!found.includes(entry)) found.push(entry);
    }
  }
  if (found.length === 0) return;
  throw new SchemaError(
    `migration ${file} drops (or rebuilds) a table that other live tables reference: ${found.join(', ')}. ` +
      'This connection cannot turn foreign keys off, so DROP TABLE would delete, null or refuse the rows of those tables ' +
      '(its implicit DELETE fires their ON DELETE actions). Rebuild the referencing tables in the same migration ' +
      '(create, copy, drop them too), or remove their references first. Nothing of the file was applied.',
  );
}

// ---- What a file that drops tables must not lose: views, triggers, and what the CREATE TABLE said. ----

/** One token of SQL text: its text and whether it is an identifier/keyword (`word`), punctuation or a literal. */
interface Tok {
  readonly text: string;
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'punct';
  /** Where it starts and ends in the text. */
  readonly at: number;
  readonly end: number;
}

/** Tokens of SQL text as SQLite reads them (comments and whitespace dropped). */
function tokens(sqlText: string): Tok[] {
  const out: Tok[] = [];
  const re =
    /\s+|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|[xX]'[0-9a-fA-F]*'|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*|\|\||<=|>=|==|!=|<>|<<|>>|->>|->|./gy;
  for (let m = re.exec(sqlText); m && m[0] !== ''; m = re.exec(sqlText)) {
    const x = m[0];
    const c = x[0] as string;
    const [at, end] = [m.index, m.index + x.length];
    if (/\s/.test(c) || x.startsWith('--') || x.startsWith('/*')) continue;
    if (c === "'" || (/[xX]/.test(c) && x[1] === "'")) out.push({ text: x, kind: 'string', at, end });
    else if (c === '"' || c === '`' || c === '[') out.push({ text: unquote(x), kind: 'quoted', at, end });
    else if (/[\d.]/.test(c) && x !== '.') out.push({ text: x, kind: 'number', at, end });
    else if (/[A-Za-z_\x80-\uffff]/.test(c)) out.push({ text: x, kind: 'word', at, end });
    else out.push({ text: x, kind: 'punct', at, end });
  }
  return out;
}

const isName = (t: Tok | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
const kw = (t: Tok | undefined, word: string) => t?.kind === 'word' && t.text.toUpperCase() === word;

/** Tokens as comparable text: identifiers unquoted and folded, keywords in one case, single spaces. */
function normalized(toks: readonly Tok[]): string {
  return toks.map((t) => (t.kind === 'word' || t.kind === 'quoted' ? foldIdentifier(t.text) : t.text)).join(' ');
}

/** The index after the parenthesised group that starts at `i` (a `(` token). */
function groupEnd(toks: readonly Tok[], i: number): number {
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    const t = toks[j] as Tok;
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) return j + 1;
  }
  return toks.length;
}

/** What a CREATE TABLE statement says that litedao's models cannot say: collations, CHECKs, generated columns. */
export interface TableExtras {
  /** Column (folded) → its COLLATE name (upper case), for columns with one other than BINARY. */
  readonly collations: Map<string, string>;
  /** CHECK expressions (normalized), with the columns of the table they mention (folded). */
  readonly checks: { readonly text: string; readonly shown: string; readonly mentions: readonly string[] }[];
  /** Generated column (folded) → its expression as written. */
  readonly generated: Map<string, string>;
  /** Every column (folded). */
  readonly columns: Set<string>;
}

const TABLE_CONSTRAINT = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);

/** Reads a CREATE TABLE statement's extras (undefined when it is no `CREATE TABLE … (…)`, e.g. `AS SELECT`). */
export function tableExtras(createSql: string): TableExtras | undefined {
  const toks = tokens(createSql);
  const open = toks.findIndex((t) => t.kind === 'punct' && t.text === '(');
  if (open === -1 || toks.slice(0, open).some((t) => kw(t, 'AS'))) return undefined;
  const end = groupEnd(toks, open) - 1;
  const items: Tok[][] = [];
  let item: Tok[] = [];
  for (let i = open + 1; i < end; i++) {
    const t = toks[i] as Tok;
    if (t.kind === 'punct' && t.text === '(') {
      const e = groupEnd(toks, i);
      item.push(...toks.slice(i, e));
      i = e - 1;
    } else if (t.kind === 'punct' && t.text === ',') {
      items.push(item);
      item = [];
    } else item.push(t);
  }
  if (item.length) items.push(item);
  const extras: TableExtras = { collations: new Map(), checks: [], generated: new Map(), columns: new Set() };
  const checks: { toks: Tok[]; shown: string }[] = [];
  const source = (list: readonly Tok[], from: number, to: number) => createSql.slice((list[from] as Tok).at, (list[to - 1] as Tok).end);
  for (const it of items) {
    const first = it[0];
    const isTableConstraint = first?.kind === 'word' && TABLE_CONSTRAINT.has(first.text.toUpperCase());
    const column = isTableConstraint || !isName(first) ? undefined : foldIdentifier((first as Tok).text);
    if (column !== undefined) extras.columns.add(column);
    for (let i = column === undefined ? 0 : 1; i < it.length; i++) {
      const t = it[i] as Tok;
      if (kw(t, 'COLLATE') && column !== undefined && isName(it[i + 1])) {
        const name = (it[i + 1] as Tok).text.toUpperCase();
        if (name !== 'BINARY') extras.collations.set(column, name);
      } else if (kw(t, 'CHECK') && it[i + 1]?.text === '(') {
        const e = groupEnd(it, i + 1);
        checks.push({ toks: it.slice(i + 2, e - 1), shown: source(it, i + 1, e) });
        i = e - 1;
      } else if (kw(t, 'AS') && it[i + 1]?.text === '(' && column !== undefined) {
        const e = groupEnd(it, i + 1);
        extras.generated.set(column, `AS ${source(it, i + 1, e)}`);
        i = e - 1;
      }
    }
  }
  for (const c of checks) {
    const mentions = c.toks.filter((t) => isName(t) && extras.columns.has(foldIdentifier(t.text))).map((t) => foldIdentifier(t.text));
    const shown = `CHECK ${c.shown}`;
    extras.checks.push({ text: normalized(c.toks), shown, mentions });
  }
  return extras;
}

/** litedao's own CHECK of a boolean column (`"x" IN (0, 1)`): the models say it, so a model change may drop it. */
const BOOLEAN_CHECK = /^[^ ]+ in \( 0 , 1 \)$/;

/** What the table `before` had that `after` (the same table, rebuilt) lacks, for the columns `after` still has. */
export function lostExtras(
  table: string,
  before: TableExtras,
  after: TableExtras,
  renamedColumns: ReadonlyMap<string, string> = new Map(),
): string[] {
  const lost: string[] = [];
  const now = (col: string) => renamedColumns.get(col) ?? col;
  for (const [col, coll] of before.collations) {
    if (after.columns.has(now(col)) && after.collations.get(now(col)) !== coll) lost.push(`${table}.${col} COLLATE ${coll}`);
  }
  const kept = new Set(after.checks.map((c) => c.text));
  for (const c of before.checks) {
    const text = c.text
      .split(' ')
      .map((w) => (c.mentions.includes(w) ? now(w) : w))
      .join(' ');
    if (kept.has(text) || BOOLEAN_CHECK.test(c.text) || c.mentions.some((m) => !after.columns.has(now(m)))) continue;
    lost.push(`${table} ${c.shown}`);
  }
  for (const [col, expr] of before.generated) {
    if (after.generated.has(now(col))) continue;
    lost.push(`${table}.${col} GENERATED ${expr}${after.columns.has(now(col)) ? ' (now a plain column)' : ' (the column is gone)'}`);
  }
  return lost;
}

/** The comment line by which a migration file accepts losing what {@link lostExtras} finds. */
const ALLOW_LOSS = /^\s*--\s*litedao:\s*allow-constraint-loss\b/im;

const CREATE_TABLE = new RegExp(
  String.raw`^CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:${IDENT})\s*\.\s*)?(${IDENT})`,
  'i',
);
const RENAME_TABLE = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:(?:${IDENT})\s*\.\s*)?(${IDENT})\s+RENAME\s+TO\s+(${IDENT})\s*$`, 'i');
const VIEW_OR_TRIGGER = new RegExp(
  String.raw`^(?:CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?|DROP\s+)(VIEW|TRIGGER)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:(?:${IDENT})\s*\.\s*)?(${IDENT})`,
  'i',
);

/** What a file's statements do to tables, views and triggers, read from the statements alone (so D1 can use it). */
function fileEffects(statements: readonly string[]) {
  const created = new Map<string, string>(); // final folded table name → its CREATE TABLE text
  const namedObjects = new Set<string>(); // views and triggers the file itself creates or drops (folded)
  const renamed = new Map<string, string>(); // live table (folded) → the name the file renames it to
  const columnsOf = new Map<string, Map<string, string>>(); // created table → its copied columns, source → target
  for (const raw of statements) {
    const s = raw.replace(/^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
    const copy = copiedColumns(s);
    if (copy) {
      columnsOf.set(copy.into, copy.columns);
      continue;
    }
    let m = CREATE_TABLE.exec(s);
    if (m?.[1]) {
      created.set(foldIdentifier(unquote(m[1])), s);
      continue;
    }
    m = RENAME_TABLE.exec(s);
    if (m?.[1] && m[2]) {
      const [from, to] = [foldIdentifier(unquote(m[1])), foldIdentifier(unquote(m[2]))];
      const text = created.get(from);
      created.delete(from);
      const columns = columnsOf.get(from);
      columnsOf.delete(from);
      if (columns) columnsOf.set(to, columns);
      if (text !== undefined) created.set(to, text);
      else {
        const live = [...renamed].find(([, now]) => foldIdentifier(now) === from)?.[0] ?? from;
        renamed.set(live, unquote(m[2]));
      }
      continue;
    }
    m = DROP_TABLE.exec(s);
    if (m?.[1]) {
      created.delete(foldIdentifier(unquote(m[1])));
      continue;
    }
    m = VIEW_OR_TRIGGER.exec(s);
    if (m?.[2]) namedObjects.add(foldIdentifier(unquote(m[2])));
  }
  return { created, namedObjects, renamed, columnsOf };
}

/**
 * The columns a rebuild's copy carries (`INSERT INTO t (a, b) SELECT x, coalesce(y, 0) FROM s`): source column →
 * target column (folded), so a column renamed in the rebuild keeps its COLLATE, CHECK and generated checks.
 */
function copiedColumns(statement: string): { into: string; columns: Map<string, string> } | undefined {
  const toks = tokens(statement);
  if (!kw(toks[0], 'INSERT') || !kw(toks[1], 'INTO') || !isName(toks[2]) || toks[3]?.text !== '(') return undefined;
  const close = groupEnd(toks, 3);
  const targets = toks.slice(4, close - 1).filter((t) => isName(t));
  if (!kw(toks[close], 'SELECT')) return undefined;
  const exprs: Tok[][] = [[]];
  for (let i = close + 1; i < toks.length; i++) {
    const t = toks[i] as Tok;
    if (kw(t, 'FROM')) break;
    if (t.text === '(') {
      const e = groupEnd(toks, i);
      exprs.at(-1)?.push(...toks.slice(i, e));
      i = e - 1;
    } else if (t.text === ',') exprs.push([]);
    else exprs.at(-1)?.push(t);
  }
  const columns = new Map<string, string>();
  exprs.forEach((e, i) => {
    const src = e.length === 1 && isName(e[0]) ? e[0] : kw(e[0], 'COALESCE') && e[1]?.text === '(' && isName(e[2]) ? e[2] : undefined;
    const target = targets[i];
    if (src && target) columns.set(foldIdentifier(src.text), foldIdentifier(target.text));
  });
  return { into: foldIdentifier((toks[2] as Tok).text), columns };
}

/** SQL text with the identifiers that name a renamed table spelled with the new name (as SQLite's RENAME would). */
function withRenames(text: string, renamed: ReadonlyMap<string, string>): string {
  if (renamed.size === 0) return text;
  let out = text;
  for (const t of tokens(text).reverse()) {
    const to = isName(t) ? renamed.get(foldIdentifier(t.text)) : undefined;
    if (to !== undefined) out = `${out.slice(0, t.at)}${quoteIdent(to)}${out.slice(t.end)}`;
  }
  return out;
}

const OBJECTS_SQL = `SELECT type, name, tbl_name, sql FROM sqlite_schema
WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL ORDER BY rowid`;

/** `CREATE VIEW|TRIGGER …` as `CREATE … IF NOT EXISTS …` (a no-op when the file made one of that name itself). */
function ifNotExists(createSql: string): string {
  if (/^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?(?:VIEW|TRIGGER)\s+IF\s+NOT\s+EXISTS\b/i.test(createSql)) return createSql;
  return createSql.replace(/^\s*CREATE\s+((?:TEMP\s+|TEMPORARY\s+)?(?:VIEW|TRIGGER))\s+/i, 'CREATE $1 IF NOT EXISTS ');
}

/**
 * What keeps a file that drops tables from losing schema objects (SQLite's 12-step procedure, steps 3, 8 and
 * 10: https://sqlite.org/lang_altertable.html#otheralter): views are dropped before it and recreated after it
 * (a view over a dropped table makes the rebuild's `ALTER TABLE … RENAME` fail), triggers of other tables that
 * mention a dropped table likewise, and the triggers of a dropped table that the file creates again come back
 * with it. Objects the file itself creates or drops by name are left to the file. It also lists what a rebuilt
 * table's new CREATE TABLE lacks of the old one's (COLLATE, CHECK, generated columns), which the file refuses
 * unless it carries `-- litedao: allow-constraint-loss`.
 */
async function preservation(
  engine: Engine,
  statements: readonly string[],
  dropped: ReadonlySet<string>,
): Promise<{ before: string[]; after: string[]; lost: string[] }> {
  const res = await engine.execute({ sql: OBJECTS_SQL, params: [], returnsRows: true });
  const { created, namedObjects, renamed, columnsOf } = fileEffects(statements);
  const before: string[] = [];
  const after: string[] = [];
  const lost: string[] = [];
  // Names as they are when the file drops tables: a table the file renames first is known by its new name.
  const now = (folded: string) => foldIdentifier(renamed.get(folded) ?? folded);
  const objects = res.rows.map((r) => {
    const [type, name, table, text] = r.map((v) => String(v ?? '')) as [string, string, string, string];
    return { type, name, table: now(foldIdentifier(table)), text: withRenames(text, renamed) };
  });
  // Views over a dropped table, and views over those: left in place they make the rebuild's RENAME fail.
  const gone = new Set(dropped);
  const mentionsGone = (text: string) => tokens(text).some((t) => isName(t) && gone.has(foldIdentifier(t.text)));
  const views = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of objects) {
      const n = foldIdentifier(o.name);
      if (o.type !== 'view' || views.has(n) || namedObjects.has(n) || !mentionsGone(o.text)) continue;
      views.add(n);
      gone.add(n);
      grew = true;
    }
  }
  for (const o of objects) {
    const n = foldIdentifier(o.name);
    if (o.type === 'table') {
      const rebuilt = dropped.has(o.table) ? created.get(o.table) : undefined;
      const [was, will] = [tableExtras(o.text), rebuilt === undefined ? undefined : tableExtras(rebuilt)];
      if (was && will) lost.push(...lostExtras(o.name, was, will, columnsOf.get(o.table)));
      continue;
    }
    if (namedObjects.has(n) || isInternalName(o.table)) continue;
    if (o.type === 'view') {
      if (!views.has(n)) continue;
      before.push(`DROP VIEW IF EXISTS ${quoteIdent(o.name)}`);
      after.push(ifNotExists(o.text));
    } else if (dropped.has(o.table)) {
      // Gone with its table (dropped first: the file's own statements on the old table must not fire it); back
      // when the file creates the table again (a rebuild), else dropped with it.
      before.push(`DROP TRIGGER IF EXISTS ${quoteIdent(o.name)}`);
      if (created.has(o.table)) after.push(ifNotExists(o.text));
    } else if (mentionsGone(o.text)) {
      before.push(`DROP TRIGGER IF EXISTS ${quoteIdent(o.name)}`);
      after.push(ifNotExists(o.text));
    }
  }
  return { before, after, lost };
}

const isInternalName = (folded: string) => folded.startsWith('sqlite_') || folded.startsWith('_cf_');

async function pragmaNumber(engine: Engine, name: string): Promise<number | undefined> {
  try {
    const res = await engine.execute({ sql: `PRAGMA ${name}`, params: [], returnsRows: true });
    const v = res.rows[0]?.[0];
    return v === undefined || v === null ? undefined : Number(v);
  } catch {
    return undefined;
  }
}

/** Turns foreign keys off for a file that drops tables; true when they are off now and must be turned on again. */
async function foreignKeysOff(engine: Engine): Promise<boolean> {
  if ((await pragmaNumber(engine, 'foreign_keys')) !== 1) return false;
  try {
    await engine.execute({ sql: 'PRAGMA foreign_keys = OFF', params: [], returnsRows: false });
  } catch {
    return false;
  }
  return (await pragmaNumber(engine, 'foreign_keys')) === 0;
}

/** A raw statement as an `sql` query (the text is a whole statement; it has no parameters). */
function rawQuery(text: string) {
  const strings = Object.assign([text], { raw: [text] }) as unknown as TemplateStringsArray;
  return sqlTag(strings);
}

function failure(file: string, index: number | undefined, total: number, statement: string | undefined, cause: unknown): SchemaError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const where = index === undefined ? `(one of its ${total} statements; D1 does not say which)` : `at statement ${index + 1} of ${total}`;
  const text = statement === undefined ? '' : `: ${statement.length > 300 ? `${statement.slice(0, 300)}…` : statement}`;
  return new SchemaError(`migration ${file} failed ${where}${text}\n  ${reason}\nNothing of ${file} was applied.`, { cause });
}

async function appliedRows(engine: Engine, table: string): Promise<Map<string, string>> {
  await engine.execute({ sql: migrationsTableSql(table), params: [], returnsRows: false });
  const res = await engine.execute({ sql: `SELECT name, applied_at FROM ${quoteIdent(table)} ORDER BY id`, params: [], returnsRows: true });
  return new Map(res.rows.map((r) => [String(r[0]), String(r[1])]));
}

/** Which migrations are applied to the engine's database and which are pending. */
export async function migrationStatus(engine: Engine, source: MigrationSource, options: MigrateOptions = {}): Promise<MigrationState[]> {
  const migrations = normalizeMigrations(source);
  const applied = await appliedRows(engine, options.table ?? 'd1_migrations');
  return migrations.map((m) => ({ name: m.name, applied: applied.has(m.name), appliedAt: applied.get(m.name) }));
}

/**
 * Applies every pending migration in order, each atomically with its `d1_migrations` row. Stops at the first
 * failure with a `SchemaError` naming the file and statement; files before it stay applied, nothing of the
 * failing file is. Safe to call at every startup: applied files are skipped.
 *
 * ```ts
 * // Vite (browser): the folder wrangler reads, imported as text
 * const files = import.meta.glob('../migrations/*.sql', { query: '?raw', import: 'default', eager: true });
 * await migrate(engine, files as Record<string, string>);
 * ```
 */
export async function migrate(engine: Engine, source: MigrationSource, options: MigrateOptions = {}): Promise<MigrateResult> {
  const table = options.table ?? 'd1_migrations';
  const migrations = normalizeMigrations(source);
  const applied = await appliedRows(engine, table);
  const done: string[] = [];
  const before: string[] = [];
  const record = `INSERT INTO ${quoteIdent(table)} (name) VALUES (?)`;
  for (const m of migrations) {
    if (applied.has(m.name)) {
      before.push(m.name);
      continue;
    }
    const statements = migrationStatements(m.sql);
    const control = statements.findIndex((s) => isTransactionControl(s));
    if (control !== -1) {
      throw new SchemaError(
        `migration ${m.name}: statement ${control + 1} controls the transaction (${statements[control]?.slice(0, 40)}); every file already runs as one transaction (D1 rejects BEGIN), remove it`,
      );
    }
    const dropped = droppedTablesOf(statements);
    const keep = dropped.size > 0 ? await preservation(engine, statements, dropped) : { before: [], after: [], lost: [] };
    if (keep.lost.length > 0 && !ALLOW_LOSS.test(m.sql)) {
      throw new SchemaError(
        `migration ${m.name} rebuilds tables without what their CREATE TABLE said and models cannot say: ${keep.lost.join('; ')}. ` +
          'Add them to the CREATE TABLE statement(s) of the file to keep them, or add the line ' +
          "'-- litedao: allow-constraint-loss' to the file to accept losing them. Nothing of the file was applied.",
      );
    }
    if (engine.capabilities.interactiveTransactions) {
      // Foreign keys off (outside the transaction: SQLite ignores the pragma inside one) while the file drops tables.
      const fkOff = dropped.size > 0 && (await foreignKeysOff(engine));
      if (dropped.size > 0 && !fkOff) await refuseForeignReferrers(engine, m.name, dropped);
      let at = -1;
      try {
        await engine.transaction(async (session) => {
          // Re-checked inside the transaction: another process may have applied it meanwhile.
          const again = await session.execute(sqlTag`SELECT 1 FROM ${sqlTag.ident(table)} WHERE name = ${m.name}`);
          if (again.rows.length > 0) return;
          const check = async () =>
            (await session.execute(rawQuery('PRAGMA foreign_key_check'))).rows.map((r) => {
              const v = r as Record<string, unknown>;
              return JSON.stringify([v.table, v.rowid, v.parent, v.fkid]);
            });
          const before = fkOff ? new Set(await check()) : undefined;
          for (const s of keep.before) await session.execute(rawQuery(s));
          for (at = 0; at < statements.length; at++) await session.execute(rawQuery(statements[at] as string));
          at = -1;
          for (const s of keep.after) {
            try {
              await session.execute(rawQuery(s));
            } catch (e) {
              throw new SchemaError(
                `migration ${m.name}: a view or trigger it dropped and rebuilt tables under cannot be recreated after it: ${s.slice(0, 200)}\n  ${e instanceof Error ? e.message : String(e)}\nNothing of ${m.name} was applied.`,
                { cause: e },
              );
            }
          }
          if (before) {
            const broken = (await check()).filter((r) => !before.has(r));
            if (broken.length > 0) {
              const shown = broken.slice(0, 5).map((r) => {
                const [child, rowid, parent] = JSON.parse(r) as [string, number | null, string];
                return `${child} row ${rowid ?? '?'} → ${parent}`;
              });
              throw new SchemaError(
                `migration ${m.name} leaves ${broken.length} row${broken.length === 1 ? '' : 's'} referencing missing parents (PRAGMA foreign_key_check): ${shown.join('; ')}${broken.length > 5 ? '; …' : ''}\nNothing of ${m.name} was applied.`,
              );
            }
          }
          await session.execute(sqlTag`INSERT INTO ${sqlTag.ident(table)} (name) VALUES (${m.name})`);
        });
      } catch (e) {
        if (at >= 0) throw failure(m.name, at, statements.length, statements[at], e);
        throw isDaoError(e) ? e : failure(m.name, undefined, statements.length, undefined, e);
      } finally {
        if (fkOff) await engine.execute({ sql: 'PRAGMA foreign_keys = ON', params: [], returnsRows: false });
      }
    } else {
      if (dropped.size > 0) await refuseForeignReferrers(engine, m.name, dropped);
      try {
        await engine.batch([
          ...[...keep.before, ...statements, ...keep.after].map((s) => ({ sql: s, params: [], returnsRows: undefined })),
          { sql: record, params: [m.name], returnsRows: false },
        ]);
      } catch (e) {
        throw failure(m.name, undefined, statements.length, undefined, e);
      }
    }
    done.push(m.name);
  }
  return { applied: done, alreadyApplied: before };
}

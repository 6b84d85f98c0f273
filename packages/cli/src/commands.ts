/**
 * The CLI's commands as functions (bin.ts wires them to commander). Each returns the process exit code and
 * writes through a {@link Output}, so tests can run them in-process as well as through the real binary.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { styleText } from 'node:util';
import {
  ConfigurationError,
  createEngine,
  diffSchemas,
  EMPTY_SNAPSHOT,
  type Engine,
  introspectSchema,
  type Migration,
  mergeHints,
  migrate,
  migrationFileSql,
  migrationStatus,
  migrationsTableSql,
  normalizeMigrations,
  quoteIdent,
  type RenameHints,
  renameCandidates,
  renameHintsOf,
  type SchemaChange,
  type SchemaSnapshot,
  snapshotOf,
} from '@litedao/core';
import { loadModels, type ResolvedConfig, shownPath } from './config.ts';

/** Where commands write; colours and progress only when `tty` is true. */
export interface Output {
  readonly tty: boolean;
  line(text: string): void;
  error(text: string): void;
}

/** Standard output and error, coloured only on a terminal (and never with NO_COLOR). */
export function processOutput(): Output {
  return {
    tty: Boolean(process.stdout.isTTY),
    line: (text) => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
  };
}

type Style = Parameters<typeof styleText>[0];
/** `styleText` checks the stream itself: no escape codes unless it is a TTY without NO_COLOR. */
const paint = (out: Output, style: Style, text: string) => (out.tty ? styleText(style, text, { stream: process.stdout }) : text);

const SNAPSHOT_DIR = 'meta';

function leadingNumber(name: string): number {
  const m = /^(\d+)/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** A file system error as one line naming the path (Node's own messages name the syscall, not always the path). */
function fsError(what: string, path: string, e: unknown): ConfigurationError {
  const code = (e as { code?: unknown })?.code;
  const reason =
    code === 'ENOENT'
      ? 'it does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : code === 'ENOTDIR'
            ? 'a part of the path is a file, not a folder'
            : String((e as Error)?.message ?? e).split('\n', 1)[0];
  return new ConfigurationError(`cannot ${what} ${shownPath(path)}: ${reason}`, { cause: e });
}

/** A file's text, or a ConfigurationError naming it. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw fsError('read', path, e);
  }
}

/** Whether `dir` exists as a folder; a file (or anything else) there is a ConfigurationError. */
function folderExists(dir: string, what: string): boolean {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch (e) {
    if ((e as { code?: unknown })?.code === 'ENOENT') return false;
    throw fsError(`read the ${what}`, dir, e);
  }
  if (!stat.isDirectory())
    throw new ConfigurationError(`the ${what} ${shownPath(dir)} is a file, not a folder (see --dir / migrationsDir)`);
  return true;
}

function listFolder(dir: string, what: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw fsError(`read the ${what}`, dir, e);
  }
}

/** The `.sql` files of the migrations folder (not its subfolders: wrangler reads `<dir>/*.sql`), in order. */
export function readMigrations(dir: string): Migration[] {
  if (!folderExists(dir, 'migrations folder')) return [];
  const files = listFolder(dir, 'migrations folder')
    .filter((e) => !e.isDirectory() && e.name.endsWith('.sql'))
    .map((e) => ({ name: e.name, sql: readText(join(dir, e.name)) }));
  return normalizeMigrations(files);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** What is wrong with a parsed snapshot's shape (the first problem), or undefined when it is a litedao snapshot. */
function snapshotProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const snap = v as { version?: unknown; tables?: unknown };
  if (snap.version !== 1) return `version ${JSON.stringify(snap.version)} (expected 1)`;
  if (!Array.isArray(snap.tables)) return 'no "tables" array';
  for (const [i, t] of snap.tables.entries()) {
    const at = `tables[${i}]`;
    if (typeof t !== 'object' || t === null) return `${at} is not an object`;
    const table = t as Record<string, unknown>;
    if (!isString(table.name) || table.name === '') return `${at} has no name`;
    const where = `table ${table.name}`;
    if (typeof table.strict !== 'boolean') return `${where}: "strict" is not true or false`;
    if (!Array.isArray(table.columns) || table.columns.length === 0) return `${where}: "columns" is not a non-empty array`;
    for (const c of table.columns as unknown[]) {
      if (typeof c !== 'object' || c === null) return `${where}: a column is not an object`;
      const col = c as Record<string, unknown>;
      if (!isString(col.name) || col.name === '') return `${where}: a column has no name`;
      const cw = `${where}, column ${col.name}`;
      if (!isString(col.type)) return `${cw}: "type" is not a string`;
      if (typeof col.notNull !== 'boolean' || typeof col.primaryKey !== 'boolean')
        return `${cw}: "notNull"/"primaryKey" are not true or false`;
      if (col.default !== null && !isString(col.default)) return `${cw}: "default" is not a string or null`;
      if (col.check !== null && !isString(col.check)) return `${cw}: "check" is not a string or null`;
      const ref = col.references as Record<string, unknown> | null | undefined;
      if (ref !== null && (typeof ref !== 'object' || ![ref.table, ref.column, ref.onDelete, ref.onUpdate].every(isString)))
        return `${cw}: "references" is not null or { table, column, onDelete, onUpdate }`;
    }
    if (!Array.isArray(table.uniques) || !table.uniques.every(isStringArray)) return `${where}: "uniques" is not an array of column lists`;
    if (
      !Array.isArray(table.indexes) ||
      !table.indexes.every(
        (ix: unknown) =>
          typeof ix === 'object' &&
          ix !== null &&
          isString((ix as { name?: unknown }).name) &&
          isStringArray((ix as { columns?: unknown }).columns) &&
          typeof (ix as { unique?: unknown }).unique === 'boolean',
      )
    )
      return `${where}: "indexes" is not an array of { name, columns, unique }`;
    if (
      !Array.isArray(table.triggers) ||
      !table.triggers.every(
        (tr: unknown) =>
          typeof tr === 'object' && tr !== null && isString((tr as { name?: unknown }).name) && isString((tr as { sql?: unknown }).sql),
      )
    )
      return `${where}: "triggers" is not an array of { name, sql }`;
  }
  const extra = v as { kinds?: unknown; tableSql?: unknown };
  const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (
    extra.kinds !== undefined &&
    !(isRecord(extra.kinds) && Object.values(extra.kinds).every((k) => isRecord(k) && Object.values(k).every(isString)))
  )
    return '"kinds" is not { table: { column: kind } }';
  if (extra.tableSql !== undefined && !(isRecord(extra.tableSql) && Object.values(extra.tableSql).every(isString)))
    return '"tableSql" is not { table: CREATE TABLE text }';
  return undefined;
}

/** The newest stored snapshot (`<dir>/meta/NNNN_snapshot.json`) and its number, or the empty schema. */
export function latestSnapshot(dir: string): { snapshot: SchemaSnapshot; number: number; file: string | undefined } {
  const metaDir = join(dir, SNAPSHOT_DIR);
  if (!folderExists(dir, 'migrations folder') || !folderExists(metaDir, 'snapshot folder'))
    return { snapshot: EMPTY_SNAPSHOT, number: -1, file: undefined };
  const files = listFolder(metaDir, 'snapshot folder')
    .map((e) => e.name)
    .filter((n) => /^\d+_snapshot\.json$/.test(n))
    .sort((a, b) => leadingNumber(a) - leadingNumber(b));
  const last = files.at(-1);
  if (!last) return { snapshot: EMPTY_SNAPSHOT, number: -1, file: undefined };
  const file = join(metaDir, last);
  const shown = shownPath(file);
  const hint = 'restore it from version control (`litedao generate` rewrites it only with the next migration)';
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof ConfigurationError) throw e;
    throw new ConfigurationError(`${shown} is not valid JSON (${(e as Error).message}): ${hint}`, { cause: e });
  }
  const problem = snapshotProblem(parsed);
  if (problem !== undefined) throw new ConfigurationError(`${shown} is not a litedao schema snapshot (${problem}): ${hint}`);
  return { snapshot: parsed as SchemaSnapshot, number: leadingNumber(last), file };
}

/**
 * Writes files all-or-nothing: each to a temporary file next to it first, then every one renamed into place;
 * on any failure the temporary files (and the files already renamed) are removed, so a failed command leaves
 * no half-written migration or snapshot behind. `commit` runs between writing and renaming (e.g. recording
 * the baseline in the database): when it throws, nothing is put in place.
 */
async function writeAtomically(files: readonly { path: string; text: string }[], commit?: () => Promise<void>): Promise<void> {
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const f of files) {
      if (existsSync(f.path)) throw new ConfigurationError(`${shownPath(f.path)} already exists: not overwritten`);
      const tmp = `${f.path}.${process.pid}.tmp`;
      temps.push(tmp);
      try {
        writeFileSync(tmp, f.text, { flag: 'wx' });
      } catch (e) {
        throw fsError('write', f.path, e);
      }
    }
    if (commit) await commit();
    for (const [i, f] of files.entries()) {
      try {
        renameSync(temps[i] as string, f.path);
      } catch (e) {
        throw fsError('write', f.path, e);
      }
      placed.push(f.path);
    }
  } catch (e) {
    for (const p of [...temps, ...placed]) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
    throw e;
  }
}

/**
 * Creates `dir` (and its missing parents) for `fn`, and removes the folders it created when `fn` throws, so a
 * failed command leaves no empty migrations folder behind either.
 */
async function inFolder<T>(dir: string, what: string, fn: () => Promise<T>): Promise<T> {
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fsError(`create the ${what}`, dir, e);
  }
  try {
    return await fn();
  } catch (e) {
    if (created !== undefined) {
      // Innermost first, up to the first folder mkdir made; rmdir leaves any folder that is not empty.
      for (let d = dir; d.length >= created.length; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break;
        }
        if (d === created) break;
      }
    }
    throw e;
  }
}

/** `--rename old=new` (a table) or `--rename table.old=new` (a column of the models' table). */
export function parseRenameFlags(flags: readonly string[]): RenameHints {
  const tables = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  for (const flag of flags) {
    const m = /^([^=.]+)(?:\.([^=]+))?=(.+)$/.exec(flag);
    if (!m) throw new ConfigurationError(`--rename ${flag}: expected old_table=new_table or table.old_column=new_column`);
    const [, a, b, to] = m as unknown as [string, string, string | undefined, string];
    if (b === undefined) tables.set(to, a);
    else {
      const map = columns.get(a) ?? new Map<string, string>();
      map.set(to, b);
      columns.set(a, map);
    }
  }
  return { tables, columns };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40)
      .replace(/_+$/, '') || 'migration'
  );
}

function defaultName(changes: readonly SchemaChange[]): string {
  const first = changes[0];
  if (!first) return 'migration';
  const tables = new Set(changes.map((c) => c.table));
  return slug(tables.size === 1 ? `${first.kind}_${first.table}` : `${first.kind}_${first.table}_and_more`);
}

/** Options of {@link generateCommand}. */
export interface GenerateOptions {
  readonly name?: string | undefined;
  readonly allowDrop?: boolean;
  /** Accept a rebuild that loses a COLLATE, CHECK or generated column the adopted table's CREATE TABLE has. */
  readonly allowConstraintLoss?: boolean;
  readonly renames?: readonly string[];
  /** Ask about possible renames (a terminal on both ends). */
  readonly interactive?: boolean;
  readonly ask?: (question: string) => Promise<boolean>;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `litedao generate`: diff the models against the last snapshot and write the next `NNNN_name.sql` with its
 * snapshot. Exit 0 also when there is nothing to do (then nothing is written).
 */
export async function generateCommand(config: ResolvedConfig, options: GenerateOptions, out: Output): Promise<number> {
  if (options.name !== undefined && !/[a-z0-9]/i.test(options.name))
    throw new ConfigurationError(`--name ${JSON.stringify(options.name)}: a name needs letters or digits, e.g. --name add_language`);
  const models = await loadModels(config.modelsPath);
  const to = snapshotOf(models);
  const { snapshot: from, number: snapNumber } = latestSnapshot(config.migrationsDir);
  const existing = readMigrations(config.migrationsDir);
  let hints = mergeHints(renameHintsOf(models), parseRenameFlags(options.renames ?? []));
  if (options.interactive) {
    const ask = options.ask ?? askOnTerminal;
    const accepted = { tables: new Map(hints.tables), columns: new Map([...hints.columns].map(([k, v]) => [k, new Map(v)])) };
    const taken = new Set<string>();
    const asked = new Set<string>();
    // Accepting a table rename pairs its columns: ask again until no new candidate appears.
    for (let again = true; again; ) {
      again = false;
      for (const c of renameCandidates(from, to, accepted)) {
        const id = `${c.kind}:${c.table}:${c.from}:${c.to}`;
        const key = (side: string) => `${c.kind}:${c.table}:${side}`;
        if (asked.has(id) || taken.has(key(`from:${c.from}`)) || taken.has(key(`to:${c.to}`))) continue;
        asked.add(id);
        const question =
          c.kind === 'table'
            ? `Is table ${c.to} the table ${c.from} renamed?`
            : `Is column ${c.table}.${c.to} the column ${c.from} renamed?`;
        if (!(await ask(question))) continue;
        taken.add(key(`from:${c.from}`));
        taken.add(key(`to:${c.to}`));
        if (c.kind === 'table') accepted.tables.set(c.to, c.from);
        else accepted.columns.set(c.table, new Map([...(accepted.columns.get(c.table) ?? []), [c.to, c.from]]));
        again = true;
      }
    }
    hints = accepted;
  }
  const diff = diffSchemas(from, to, {
    renames: hints,
    allowDrop: options.allowDrop ?? false,
    allowConstraintLoss: options.allowConstraintLoss ?? false,
  });
  if (diff.changes.length === 0) {
    out.line(`No changes: the models match ${relative(process.cwd(), config.migrationsDir) || '.'} (nothing written).`);
    return 0;
  }
  const next = Math.max(snapNumber, ...existing.map((m) => leadingNumber(m.name)).filter((n) => !Number.isNaN(n)), 0) + 1;
  const number = String(next).padStart(4, '0');
  const name = `${number}_${slug(options.name ?? defaultName(diff.changes))}.sql`;
  const file = join(config.migrationsDir, name);
  await inFolder(join(config.migrationsDir, SNAPSHOT_DIR), 'snapshot folder', () =>
    writeAtomically([
      { path: file, text: migrationFileSql(name, diff) },
      {
        path: join(config.migrationsDir, SNAPSHOT_DIR, `${number}_snapshot.json`),
        text: `${JSON.stringify(carryTableSql(from, to, diff.rebuilt), null, 2)}\n`,
      },
    ]),
  );
  out.line(`${paint(out, 'green', 'wrote')} ${relative(process.cwd(), file)}`);
  for (const c of diff.changes) out.line(`  ${c.kind}: ${c.detail}`);
  if (diff.rebuilt.length > 0) out.line(`  (rebuilt with SQLite's table rebuild: ${diff.rebuilt.join(', ')})`);
  for (const lost of diff.constraintLoss ?? []) out.line(`  ${paint(out, 'red', 'lost by the rebuild (allowed)')}: ${lost}`);
  return 0;
}

/**
 * The next snapshot keeps the adopted CREATE TABLE text (`tableSql`, from `--from-db`) of every table the file
 * leaves as it is, so a later rebuild of it is still checked for what it would lose; a rebuilt table's text is
 * the file's own from then on.
 */
function carryTableSql(from: SchemaSnapshot, to: SchemaSnapshot, rebuilt: readonly string[]): SchemaSnapshot {
  if (!from.tableSql) return to;
  const fold = (n: string) => n.toLowerCase();
  const gone = new Set(rebuilt.map(fold));
  const kept = new Set(to.tables.map((t) => fold(t.name)).filter((n) => !gone.has(n)));
  const tableSql = Object.fromEntries(Object.entries(from.tableSql).filter(([name]) => kept.has(fold(name))));
  return Object.keys(tableSql).length > 0 ? { ...to, tableSql } : to;
}

/**
 * `litedao check`: exit 1 when the models differ from the last snapshot (a model edit without `generate`),
 * naming every change. For CI.
 */
export async function checkCommand(config: ResolvedConfig, out: Output): Promise<number> {
  const models = await loadModels(config.modelsPath);
  const { snapshot, file } = latestSnapshot(config.migrationsDir);
  const diff = diffSchemas(snapshot, snapshotOf(models), { renames: renameHintsOf(models), allowDrop: true, allowConstraintLoss: true });
  if (diff.changes.length > 0) {
    out.error(paint(out, 'red', `The models differ from the migrations (${file ? relative(process.cwd(), file) : 'no migrations yet'}):`));
    for (const c of diff.changes) out.error(`  ${c.kind}: ${c.detail}`);
    out.error('Run `litedao generate` to write the migration.');
    return 1;
  }
  out.line(`${paint(out, 'green', 'ok')}: the models match the migrations (${readMigrations(config.migrationsDir).length} files).`);
  return 0;
}

type NodeAdapter = typeof import('@litedao/adapter-node');
type NativeDatabaseClass = typeof import('better-sqlite3');

/**
 * better-sqlite3 and the Node adapter, loaded only by the commands that open a database (`migrate`, `status`,
 * `generate --from-db`): `generate`, `check` and `--help` work without them (an install that skipped peer
 * dependencies), and the commands that need them say how to install them instead of a module-not-found trace.
 */
async function nodeDatabase(): Promise<{ adapter: NodeAdapter; Database: NativeDatabaseClass }> {
  try {
    const [adapter, native] = await Promise.all([import('@litedao/adapter-node'), import('better-sqlite3')]);
    return { adapter, Database: native.default };
  } catch (e) {
    throw new ConfigurationError(
      `this command opens a SQLite database and needs better-sqlite3 (a peer dependency): npm install --save-dev better-sqlite3 (${firstLineOf(e)})`,
      { cause: e },
    );
  }
}

function firstLineOf(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n', 1)[0] ?? '';
}

/** The database file a URL names when no such file exists (`undefined`: it exists, or the URL is in memory). */
async function missingDatabase(config: ResolvedConfig, url: string | undefined): Promise<string | undefined> {
  const target = url ?? config.databaseUrl;
  if (!target) return undefined; // openEngine says what is missing
  const { adapter } = await nodeDatabase();
  let file: string;
  try {
    file = adapter.filenameFromUrl(target);
  } catch {
    return undefined; // openEngine reports the malformed URL
  }
  return file !== ':memory:' && !existsSync(file) ? file : undefined;
}

/** How a command opens the database: `create` may make a new file (migrate); the others need an existing one. */
type OpenMode = 'create' | 'existing' | 'readonly';

async function openEngine(
  config: ResolvedConfig,
  url: string | undefined,
  mode: OpenMode,
): Promise<{ engine: Engine; memory: boolean; file: string; existed: boolean; Database: NativeDatabaseClass }> {
  const target = url ?? config.databaseUrl;
  if (!target)
    throw new ConfigurationError('no database: pass --url sqlite:///app.db, set databaseUrl in litedao.config.ts, or set DATABASE_URL');
  const { adapter, Database } = await nodeDatabase();
  let file: string;
  try {
    file = adapter.filenameFromUrl(target);
  } catch (e) {
    if (e instanceof ConfigurationError) throw e;
    throw new ConfigurationError(`the database URL ${JSON.stringify(target.split('?')[0])} is malformed (${(e as Error).message})`, {
      cause: e,
    });
  }
  const memory = file === ':memory:';
  const existed = !memory && existsSync(file);
  if (!memory && mode !== 'create') {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(file);
    } catch (e) {
      if ((e as { code?: unknown })?.code === 'ENOENT')
        throw new ConfigurationError(
          `the database ${file} does not exist (check the path in ${JSON.stringify(target)}; nothing was created)`,
        );
      throw fsError('open the database', file, e);
    }
    if (!stat.isFile()) throw new ConfigurationError(`the database ${file} is a folder, not a database file`);
  }
  // Only \`migrate\` (which may create the file) lets the driver switch the database to WAL: status and a
  // baseline leave an existing database's journal mode (and a failed command its bytes) as they were.
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(file, { readonly: mode === 'readonly' && !memory, fileMustExist: mode !== 'create' && !memory });
  } catch (e) {
    throw fsError('open the database', file, e);
  }
  const engine = createEngine(adapter.createNodeDriver(db as never, { readonly: mode !== 'create' && !memory }));
  return { engine, memory, file, existed, Database };
}

/** `litedao migrate`: apply pending files to the Node database, each atomically, recording them like wrangler. */
export async function migrateCommand(config: ResolvedConfig, url: string | undefined, out: Output): Promise<number> {
  const files = readMigrations(config.migrationsDir);
  if (files.length === 0) {
    // Nothing to apply: the database is not even opened (a mistyped path creates no empty file).
    out.line(`No migrations to apply: ${shownPath(config.migrationsDir)} holds no .sql files.`);
    return 0;
  }
  const { engine, file, existed, Database } = await openEngine(config, url, 'create');
  try {
    const pending = (await migrationStatus(engine, files, { table: config.migrationsTable })).filter((s) => !s.applied).map((s) => s.name);
    if (pending.length === 0) {
      out.line('No migrations to apply.');
      return 0;
    }
    if (out.tty) out.line(`Applying ${pending.length} migration${pending.length === 1 ? '' : 's'}…`);
    const result = await migrate(engine, files, { table: config.migrationsTable });
    for (const name of result.applied) out.line(`${paint(out, 'green', 'applied')} ${name}`);
    return 0;
  } finally {
    await engine.close();
    // A database this command created and could not migrate at all is removed again, not left empty.
    if (!existed && file !== ':memory:' && !hasRecord(Database, file, config.migrationsTable)) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        try {
          unlinkSync(`${file}${suffix}`);
        } catch {
          // not there
        }
      }
    }
  }
}

/** Whether the database file records any migration (reopened read-only; false when it cannot be read). */
function hasRecord(Database: NativeDatabaseClass, file: string, table: string): boolean {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)").get(table);
      return exists !== undefined && db.prepare(`SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`).get() !== undefined;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** `litedao status`: every file, applied or pending, and applied names with no file. */
export async function statusCommand(config: ResolvedConfig, url: string | undefined, out: Output): Promise<number> {
  const files = readMigrations(config.migrationsDir);
  // A database not created yet (before the first `migrate`, or a mistyped path): every file is pending, and it is
  // said so; nothing is created. An existing one is opened read-only.
  const missing = await missingDatabase(config, url);
  if (missing !== undefined) {
    for (const f of files) out.line(`${paint(out, 'yellow', 'pending')}  ${f.name}`);
    out.line(`0 applied, ${files.length} pending: the database ${missing} does not exist yet (nothing was created).`);
    return 0;
  }
  const { engine } = await openEngine(config, url, 'readonly');
  try {
    const exists = await engine.execute({
      sql: "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)",
      params: [config.migrationsTable],
      returnsRows: true,
    });
    const recorded =
      exists.rows.length === 0
        ? []
        : (
            await engine.execute({
              sql: `SELECT name, applied_at FROM ${quoteIdent(config.migrationsTable)} ORDER BY id`,
              params: [],
              returnsRows: true,
            })
          ).rows.map((r) => ({ name: String(r[0]), appliedAt: r[1] === null ? undefined : String(r[1]) }));
    const applied = new Map(recorded.map((r) => [r.name, r.appliedAt]));
    for (const f of files) {
      const at = applied.has(f.name) ? (applied.get(f.name) ?? '') : undefined;
      out.line(`${at !== undefined ? paint(out, 'green', 'applied') : paint(out, 'yellow', 'pending')}  ${f.name}${at ? `  (${at})` : ''}`);
    }
    const known = new Set(files.map((f) => f.name));
    for (const r of recorded) if (!known.has(r.name)) out.line(`${paint(out, 'red', 'missing')}  ${r.name}  (applied, but no such file)`);
    const pending = files.filter((f) => !applied.has(f.name)).length;
    out.line(`${files.length - pending} applied, ${pending} pending.`);
    return 0;
  } finally {
    await engine.close();
  }
}

/**
 * `litedao generate --from-db URL`: adopt an existing database (e.g. one the Python template created). Writes
 * `0000_baseline.sql` (the database's own CREATE statements) and its snapshot, and records the baseline as
 * applied in that database, so its data stays and the next `generate` moves it to the models.
 */
export async function baselineCommand(config: ResolvedConfig, url: string, out: Output): Promise<number> {
  if (readMigrations(config.migrationsDir).length > 0 || latestSnapshot(config.migrationsDir).file !== undefined) {
    throw new ConfigurationError(
      `${relative(process.cwd(), config.migrationsDir) || '.'} already holds migrations or snapshots: a baseline starts an empty folder`,
    );
  }
  const { engine, memory, file } = await openEngine(config, url, 'existing');
  try {
    if (memory) throw new ConfigurationError('--from-db needs a database file: an in-memory database has no schema to adopt');
    const tables = await introspectSchema(engine);
    if (tables.length === 0)
      throw new ConfigurationError(
        `the database ${shownPath(file)} has no tables to adopt (a new database needs no baseline: run \`litedao generate\`, then \`litedao migrate\`)`,
      );
    const objects = await engine.execute({
      sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger', 'view') ORDER BY rowid",
      params: [],
      returnsRows: true,
    });
    // Virtual tables (FTS5, R*Tree) are created as they are, with their triggers; their shadow tables are
    // the module's own (it creates them) and neither is a litedao table in the snapshot.
    const virtual = new Set(
      objects.rows
        .filter((r) => String(r[0]) === 'table' && /^\s*CREATE\s+VIRTUAL\s+TABLE\b/i.test(String(r[3])))
        .map((r) => String(r[1]).toLowerCase()),
    );
    const keep = new Set([...tables.map((t) => t.name.toLowerCase()), ...virtual]);
    const statements = objects.rows
      .filter((r) => keep.has(String(r[2]).toLowerCase()) || String(r[0]) === 'view')
      .map((r) => `${String(r[3]).trim()};`);
    const name = '0000_baseline.sql';
    // Each table's CREATE TABLE text: a later rebuild is refused when it would lose what the text says and the
    // models cannot (COLLATE, CHECK, generated columns) unless --allow-constraint-loss.
    const adopted = new Set(tables.map((t) => t.name.toLowerCase()));
    const tableSql = Object.fromEntries(
      objects.rows
        .filter((r) => String(r[0]) === 'table' && adopted.has(String(r[1]).toLowerCase()))
        .map((r) => [String(r[1]), String(r[3])]),
    );
    const snapshot: SchemaSnapshot = { version: 1, tables, tableSql };
    // Files and the database's record are all-or-nothing: the files are put in place only once the record is.
    await inFolder(join(config.migrationsDir, SNAPSHOT_DIR), 'snapshot folder', () =>
      writeAtomically(
        [
          {
            path: join(config.migrationsDir, name),
            text:
              `-- ${name}: the schema of ${basename(url)} as it was adopted (\`litedao generate --from-db\`). Already applied there;\n` +
              '-- a new, empty database gets the same schema from it.\n\n' +
              `${statements.join('\n\n')}\n`,
          },
          { path: join(config.migrationsDir, SNAPSHOT_DIR, '0000_snapshot.json'), text: `${JSON.stringify(snapshot, null, 2)}\n` },
        ],
        async () => {
          await engine.batch([
            { sql: migrationsTableSql(config.migrationsTable), params: [], returnsRows: false },
            { sql: `INSERT OR IGNORE INTO ${quoteIdent(config.migrationsTable)} (name) VALUES (?)`, params: [name], returnsRows: false },
          ]);
        },
      ),
    );
    out.line(
      `${paint(out, 'green', 'wrote')} ${relative(process.cwd(), join(config.migrationsDir, name))} (${tables.length} tables), recorded as applied in the database.`,
    );
    out.line('Next: `litedao generate` writes the migration from this schema to the models.');
    return 0;
  } finally {
    await engine.close();
  }
}

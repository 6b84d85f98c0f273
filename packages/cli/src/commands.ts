/**
 * The CLI's commands as functions (bin.ts wires them to commander). Each returns the process exit code and
 * writes through a {@link Output}, so tests can run them in-process as well as through the real binary.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { styleText } from 'node:util';
import { createNodeEngine } from '@litedao/adapter-node';
import {
  ConfigurationError,
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
import { loadModels, type ResolvedConfig } from './config.ts';

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

/** The `.sql` files of the migrations folder (not its subfolders: wrangler reads `<dir>/*.sql`), in order. */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => ({ name: e.name, sql: readFileSync(join(dir, e.name), 'utf8') }));
  return normalizeMigrations(files);
}

/** The newest stored snapshot (`<dir>/meta/NNNN_snapshot.json`) and its number, or the empty schema. */
export function latestSnapshot(dir: string): { snapshot: SchemaSnapshot; number: number; file: string | undefined } {
  const metaDir = join(dir, SNAPSHOT_DIR);
  if (!existsSync(metaDir)) return { snapshot: EMPTY_SNAPSHOT, number: -1, file: undefined };
  const files = readdirSync(metaDir)
    .filter((n) => /^\d+_snapshot\.json$/.test(n))
    .sort((a, b) => leadingNumber(a) - leadingNumber(b));
  const last = files.at(-1);
  if (!last) return { snapshot: EMPTY_SNAPSHOT, number: -1, file: undefined };
  const file = join(metaDir, last);
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as SchemaSnapshot;
  if (snapshot.version !== 1 || !Array.isArray(snapshot.tables)) throw new ConfigurationError(`${file} is not a litedao schema snapshot`);
  return { snapshot, number: leadingNumber(last), file };
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
  const diff = diffSchemas(from, to, { renames: hints, allowDrop: options.allowDrop ?? false });
  if (diff.changes.length === 0) {
    out.line(`No changes: the models match ${relative(process.cwd(), config.migrationsDir) || '.'} (nothing written).`);
    return 0;
  }
  const next = Math.max(snapNumber, ...existing.map((m) => leadingNumber(m.name)).filter((n) => !Number.isNaN(n)), 0) + 1;
  const number = String(next).padStart(4, '0');
  const name = `${number}_${slug(options.name ?? defaultName(diff.changes))}.sql`;
  mkdirSync(join(config.migrationsDir, SNAPSHOT_DIR), { recursive: true });
  const file = join(config.migrationsDir, name);
  writeFileSync(file, migrationFileSql(name, diff));
  writeFileSync(join(config.migrationsDir, SNAPSHOT_DIR, `${number}_snapshot.json`), `${JSON.stringify(to, null, 2)}\n`);
  out.line(`${paint(out, 'green', 'wrote')} ${relative(process.cwd(), file)}`);
  for (const c of diff.changes) out.line(`  ${c.kind}: ${c.detail}`);
  if (diff.rebuilt.length > 0) out.line(`  (rebuilt with SQLite's table rebuild: ${diff.rebuilt.join(', ')})`);
  return 0;
}

/**
 * `litedao check`: exit 1 when the models differ from the last snapshot (a model edit without `generate`),
 * naming every change. For CI.
 */
export async function checkCommand(config: ResolvedConfig, out: Output): Promise<number> {
  const models = await loadModels(config.modelsPath);
  const { snapshot, file } = latestSnapshot(config.migrationsDir);
  const diff = diffSchemas(snapshot, snapshotOf(models), { renames: renameHintsOf(models), allowDrop: true });
  if (diff.changes.length > 0) {
    out.error(paint(out, 'red', `The models differ from the migrations (${file ? relative(process.cwd(), file) : 'no migrations yet'}):`));
    for (const c of diff.changes) out.error(`  ${c.kind}: ${c.detail}`);
    out.error('Run `litedao generate` to write the migration.');
    return 1;
  }
  out.line(`${paint(out, 'green', 'ok')}: the models match the migrations (${readMigrations(config.migrationsDir).length} files).`);
  return 0;
}

function openEngine(config: ResolvedConfig, url: string | undefined): Engine {
  const target = url ?? config.databaseUrl;
  if (!target)
    throw new ConfigurationError('no database: pass --url sqlite:///app.db, set databaseUrl in litedao.config.ts, or set DATABASE_URL');
  return createNodeEngine(target);
}

/** `litedao migrate`: apply pending files to the Node database, each atomically, recording them like wrangler. */
export async function migrateCommand(config: ResolvedConfig, url: string | undefined, out: Output): Promise<number> {
  const files = readMigrations(config.migrationsDir);
  const engine = openEngine(config, url);
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
  }
}

/** `litedao status`: every file, applied or pending, and applied names with no file. */
export async function statusCommand(config: ResolvedConfig, url: string | undefined, out: Output): Promise<number> {
  const files = readMigrations(config.migrationsDir);
  const engine = openEngine(config, url);
  try {
    const states = await migrationStatus(engine, files, { table: config.migrationsTable });
    const recorded = await engine.execute({
      sql: `SELECT name FROM ${quoteIdent(config.migrationsTable)} ORDER BY id`,
      params: [],
      returnsRows: true,
    });
    for (const s of states)
      out.line(
        `${s.applied ? paint(out, 'green', 'applied') : paint(out, 'yellow', 'pending')}  ${s.name}${s.appliedAt ? `  (${s.appliedAt})` : ''}`,
      );
    const known = new Set(files.map((f) => f.name));
    for (const r of recorded.rows)
      if (!known.has(String(r[0]))) out.line(`${paint(out, 'red', 'missing')}  ${String(r[0])}  (applied, but no such file)`);
    const pending = states.filter((s) => !s.applied).length;
    out.line(`${states.length - pending} applied, ${pending} pending.`);
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
  if (readMigrations(config.migrationsDir).length > 0) {
    throw new ConfigurationError(`${config.migrationsDir} already holds migrations: a baseline starts an empty folder`);
  }
  const engine = createNodeEngine(url);
  try {
    const tables = await introspectSchema(engine);
    const objects = await engine.execute({
      sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger', 'view') ORDER BY rowid",
      params: [],
      returnsRows: true,
    });
    const keep = new Set(tables.map((t) => t.name));
    const statements = objects.rows.filter((r) => keep.has(String(r[2])) || String(r[0]) === 'view').map((r) => `${String(r[3]).trim()};`);
    const name = '0000_baseline.sql';
    const snapshot: SchemaSnapshot = { version: 1, tables };
    mkdirSync(join(config.migrationsDir, SNAPSHOT_DIR), { recursive: true });
    writeFileSync(
      join(config.migrationsDir, name),
      `-- ${name}: the schema of ${basename(url)} as it was adopted (\`litedao generate --from-db\`). Already applied there;\n` +
        '-- a new, empty database gets the same schema from it.\n\n' +
        `${statements.join('\n\n')}\n`,
    );
    writeFileSync(join(config.migrationsDir, SNAPSHOT_DIR, '0000_snapshot.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
    await engine.batch([
      { sql: migrationsTableSql(config.migrationsTable), params: [], returnsRows: false },
      { sql: `INSERT OR IGNORE INTO ${quoteIdent(config.migrationsTable)} (name) VALUES (?)`, params: [name], returnsRows: false },
    ]);
    out.line(
      `${paint(out, 'green', 'wrote')} ${relative(process.cwd(), join(config.migrationsDir, name))} (${tables.length} tables), recorded as applied in the database.`,
    );
    out.line('Next: `litedao generate` writes the migration from this schema to the models.');
    return 0;
  } finally {
    await engine.close();
  }
}

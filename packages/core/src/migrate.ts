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
          for (at = 0; at < statements.length; at++) await session.execute(rawQuery(statements[at] as string));
          at = -1;
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
          ...statements.map((s) => ({ sql: s, params: [], returnsRows: undefined })),
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

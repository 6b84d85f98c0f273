/**
 * Every way to call the CLI wrongly: each failure is one line on stderr (plus at most a hint line), a non-zero
 * exit code, no stack trace, and the project folder (config, models, migrations, database files) exactly as it
 * was: nothing created, nothing half-written. Plus the read-only commands leave the database untouched, a
 * failed baseline leaves no files behind, and a closed stdout is not a crash.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { declarativeBase, snapshotOf, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, litedao, project } from './support.ts';

const models = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase();
export class User extends Base('User', { telegram_id: t.integer().unique(), name: t.text().nullable() }) {}
`;
const config = "export default { models: './models.ts' };\n";
const snapshot = (tables: unknown) => `${JSON.stringify({ version: 1, tables })}\n`;
/** The snapshot of the models above plus a column they no longer have: the next generate would drop it. */
const OldBase = declarativeBase();
OldBase('User', { telegram_id: t.integer().unique(), name: t.text().nullable(), gone: t.text().nullable() });
const withDroppedColumn = `${JSON.stringify(snapshotOf(OldBase.metadata.models), null, 2)}\n`;

/** Every file and folder under `dir` with a hash of its bytes: two equal listings mean nothing changed. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = 'dir';
        walk(p);
      } else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function sqliteFile(path: string, sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

interface Case {
  readonly name: string;
  /** Files of the project besides the config and the models (a string is a file's text). */
  readonly files?: Record<string, string>;
  /** Further setup in the project folder (databases, folders). */
  readonly setup?: (dir: string) => void;
  readonly args: readonly string[];
  /** What stderr says. */
  readonly error: RegExp;
}

const CASES: readonly Case[] = [
  // Snapshots
  {
    name: 'a truncated snapshot',
    setup: (dir) => {
      mkdirSync(join(dir, 'migrations', 'meta'), { recursive: true });
      writeFileSync(join(dir, 'migrations', 'meta', '0001_snapshot.json'), snapshot([]).slice(0, 12));
      writeFileSync(join(dir, 'migrations', '0001_init.sql'), 'SELECT 1;\n');
    },
    args: ['generate'],
    error: /0001_snapshot\.json is not valid JSON/,
  },
  {
    name: 'a snapshot table without columns',
    files: { 'migrations/meta/0001_snapshot.json': snapshot([{ name: 'users' }]) },
    args: ['check'],
    error: /0001_snapshot\.json is not a litedao schema snapshot/,
  },
  {
    name: 'a snapshot column without a type',
    files: {
      'migrations/meta/0001_snapshot.json': snapshot([
        { name: 'users', strict: true, columns: [{ name: 'id' }], uniques: [], indexes: [], triggers: [] },
      ]),
    },
    args: ['generate'],
    error: /not a litedao schema snapshot \(table users, column id/,
  },
  {
    name: 'a snapshot of another version',
    files: { 'migrations/meta/0001_snapshot.json': '{"version":2}' },
    args: ['check'],
    error: /version 2/,
  },
  {
    name: 'a snapshot that is JSON null',
    files: { 'migrations/meta/0001_snapshot.json': 'null' },
    args: ['check'],
    error: /not a JSON object/,
  },
  {
    name: 'a snapshot that is a folder',
    setup: (dir) => mkdirSync(join(dir, 'migrations', 'meta', '0001_snapshot.json'), { recursive: true }),
    args: ['generate'],
    error: /0001_snapshot\.json: it is a folder/,
  },
  { name: 'meta/ is a file', files: { 'migrations/meta': 'x' }, args: ['generate'], error: /snapshot folder migrations\/meta is a file/ },
  // Databases
  {
    name: '--from-db on a mistyped database path',
    args: ['generate', '--from-db', 'sqlite:///typo.db'],
    error: /typo\.db does not exist.*nothing was created/,
  },
  {
    name: '--from-db on a folder',
    setup: (dir) => mkdirSync(join(dir, 'adir')),
    args: ['generate', '--from-db', 'sqlite:///adir'],
    error: /adir is a folder/,
  },
  {
    name: 'status on a folder',
    setup: (dir) => mkdirSync(join(dir, 'adir')),
    args: ['status', '--url', 'sqlite:///adir'],
    error: /adir is a folder/,
  },
  {
    name: 'migrate into a folder',
    files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' },
    setup: (dir) => mkdirSync(join(dir, 'adir')),
    args: ['migrate', '--url', 'sqlite:///adir'],
    error: /adir/,
  },
  {
    name: 'status on a text file',
    files: { 'notes.txt': 'hello, not a database\n'.repeat(100) },
    args: ['status', '--url', 'sqlite:///notes.txt'],
    error: /NOTADB|not a database/,
  },
  {
    name: '--from-db on a text file',
    files: { 'notes.txt': 'hello, not a database\n'.repeat(100) },
    args: ['generate', '--from-db', 'sqlite:///notes.txt'],
    error: /NOTADB|not a database/,
  },
  {
    name: '--from-db on an empty database file',
    files: { 'empty.db': '' },
    args: ['generate', '--from-db', 'sqlite:///empty.db'],
    error: /empty\.db has no tables to adopt/,
  },
  { name: '--from-db on an in-memory database', args: ['generate', '--from-db', 'sqlite://:memory:'], error: /in-memory database/ },
  {
    name: '--from-db into a folder that holds migrations',
    files: { 'migrations/0001_init.sql': 'SELECT 1;\n' },
    setup: (dir) => sqliteFile(join(dir, 'app.db'), 'CREATE TABLE a (x)'),
    args: ['generate', '--from-db', 'sqlite:///app.db'],
    error: /already holds migrations/,
  },
  {
    name: 'a malformed percent escape in --url',
    files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' },
    args: ['migrate', '--url', 'sqlite:///%zz.db'],
    error: /malformed/,
  },
  { name: 'a non-SQLite --url', args: ['status', '--url', 'postgres://localhost/app'], error: /unsupported database URL/ },
  {
    name: 'a --url with two slashes',
    files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' },
    args: ['migrate', '--url', 'sqlite://app.db'],
    error: /three slashes/,
  },
  {
    name: 'an empty --url',
    files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' },
    args: ['migrate', '--url', ''],
    error: /databaseUrl \(--url\) must be a non-empty string/,
  },
  {
    name: 'migrate with no database',
    files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' },
    args: ['migrate'],
    error: /no database/,
  },
  {
    name: 'migrate of a broken first file into a new database',
    files: { 'migrations/0001_bad.sql': 'CREATE TABLE oops (\n  a INTEGER,\n' },
    args: ['migrate', '--url', 'sqlite:///new.db'],
    error: /SchemaError: migration 0001_bad\.sql failed/,
  },
  // Config and models
  { name: '--dir names a file', args: ['generate', '--dir', 'models.ts'], error: /migrations folder models\.ts is a file/ },
  { name: '--dir is empty', args: ['generate', '--dir', ''], error: /migrationsDir \(--dir\) must be a non-empty string/ },
  {
    name: '--models names a folder',
    setup: (dir) => mkdirSync(join(dir, 'src')),
    args: ['check', '--models', 'src'],
    error: /models module src is a folder/,
  },
  { name: '--models names no file', args: ['check', '--models', 'missing.ts'], error: /models module missing\.ts does not exist/ },
  { name: '--models under a file', args: ['check', '--models', 'models.ts/x.ts'], error: /models module .*x\.ts does not exist/ },
  {
    name: '--config names no file',
    args: ['check', '--config', 'missing.config.ts'],
    error: /config file missing\.config\.ts does not exist/,
  },
  {
    name: '--config names a folder',
    setup: (dir) => mkdirSync(join(dir, 'conf')),
    args: ['check', '--config', 'conf'],
    error: /config file conf is a folder/,
  },
  { name: '--config is empty', args: ['check', '--config', ''], error: /--config is empty/ },
  { name: 'a config exporting nothing', files: { 'litedao.config.ts': 'export {};\n' }, args: ['check'], error: /names no models module/ },
  {
    name: 'a config exporting a number',
    files: { 'litedao.config.ts': 'export default 42;\n' },
    args: ['check'],
    error: /must export default defineConfig/,
  },
  {
    name: 'a config with a number for models',
    files: { 'litedao.config.ts': 'export default { models: 42 };\n' },
    args: ['check'],
    error: /models \(--models\) must be a non-empty string/,
  },
  {
    name: 'a config that throws',
    files: { 'litedao.config.ts': "throw new TypeError('bad\\nconfig');\n" },
    args: ['check'],
    error: /loading the config file .*TypeError: bad/,
  },
  {
    name: 'a config with a syntax error',
    files: { 'litedao.config.ts': 'export default { models: ;\n' },
    args: ['check'],
    error: /loading the config file/,
  },
  {
    name: 'a models module that throws',
    files: { 'models.ts': "throw new Error('boom');\n" },
    args: ['generate'],
    error: /loading the models module models\.ts failed: Error: boom/,
  },
  {
    name: 'a models module importing a missing module',
    files: { 'models.ts': "import './nope.ts';\n" },
    args: ['check'],
    error: /loading the models module models\.ts failed/,
  },
  {
    name: 'a models module whose Base metadata throws',
    files: {
      'models.ts': "export function Base() {}\nObject.defineProperty(Base, 'metadata', { get() { throw new RangeError('nope'); } });\n",
    },
    args: ['check'],
    error: /models module models\.ts failed: RangeError: nope/,
  },
  {
    name: 'a models module exporting no models',
    files: { 'models.ts': 'export const x = 1;\n' },
    args: ['generate'],
    error: /exports no litedao models/,
  },
  // Options
  { name: 'no command', args: [], error: /no command given: one of generate, check, migrate, status/ },
  { name: 'an unknown option', args: ['generate', '--bogus'], error: /unknown option '--bogus'/ },
  { name: 'an unknown command', args: ['generat'], error: /unknown command 'generat'/ },
  { name: 'an excess argument', args: ['check', 'extra'], error: /too many arguments|excess/ },
  { name: 'an option without its value', args: ['generate', '--name'], error: /argument missing/ },
  {
    name: 'a name with no letters or digits',
    args: ['generate', '--name', '/../'],
    error: /--name "\/\.\.\/": a name needs letters or digits/,
  },
  { name: 'an empty name', args: ['generate', '--name', ''], error: /a name needs letters or digits/ },
  {
    name: 'a drop without --allow-drop (a refusal listing reasons)',
    files: { 'migrations/0001_init.sql': 'SELECT 1;\n', 'migrations/meta/0001_snapshot.json': withDroppedColumn },
    args: ['generate', '--no-interactive'],
    error: /cannot generate this migration: column users\.gone would be dropped/,
  },
  { name: 'a malformed --rename', args: ['generate', '--rename', 'nonsense'], error: /--rename nonsense: expected/ },
  { name: 'a --rename without a new name', args: ['generate', '--rename', 'users='], error: /--rename users=: expected/ },
];

const projects: { cleanup(): void }[] = [];
afterAll(() => {
  for (const p of projects) p.cleanup();
});

function setupCase(c: Pick<Case, 'files' | 'setup'>) {
  const p = project({ 'litedao.config.ts': config, 'models.ts': models, ...c.files });
  projects.push(p);
  c.setup?.(p.dir);
  return p;
}

/** One failure line, optionally followed by one hint line; never a stack frame. */
function expectOneLine(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.length, stderr).toBeGreaterThanOrEqual(1);
  expect(lines.length, stderr).toBeLessThanOrEqual(2);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(lines[0]).toMatch(/^(litedao: |error: )/);
}

describe('litedao on hostile input', () => {
  it.each(CASES)('$name: one line on stderr, exit 1, nothing written', async (c) => {
    const p = setupCase(c);
    const before = listing(p.dir);
    const r = await litedao(p.dir, ...c.args);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(c.error);
    expectOneLine(r.stderr);
    expect(r.stdout).toBe('');
    expect(listing(p.dir)).toEqual(before);
  });

  it('migrate with no migration files does not open (create) the database', async () => {
    const p = setupCase({});
    const before = listing(p.dir);
    const r = await litedao(p.dir, 'migrate', '--url', 'sqlite:///typo.db');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No migrations to apply/);
    expect(listing(p.dir)).toEqual(before);
  });

  it('status on a database not created yet (or a mistyped path) lists every file as pending, says so, and creates nothing', async () => {
    for (const url of ['sqlite:///typo.db', 'sqlite:///no/such/dir/app.db']) {
      const p = setupCase({ files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' } });
      const before = listing(p.dir);
      const r = await litedao(p.dir, 'status', '--url', url);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/pending {2}0001_init\.sql/);
      expect(r.stdout).toMatch(/0 applied, 1 pending: the database .*(typo|app)\.db does not exist yet \(nothing was created\)/);
      expect(listing(p.dir)).toEqual(before);
    }
  });

  it('status only reads: a database without the migrations table stays byte for byte the same, and all files are pending', async () => {
    const p = setupCase({ files: { 'migrations/0001_init.sql': 'CREATE TABLE x (a);\n' } });
    sqliteFile(join(p.dir, 'app.db'), 'CREATE TABLE other (a)');
    const before = listing(p.dir);
    const r = await litedao(p.dir, 'status', '--url', 'sqlite:///app.db');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pending {2}0001_init\.sql/);
    expect(r.stdout).toMatch(/0 applied, 1 pending/);
    expect(listing(p.dir)).toEqual(before);
  });

  it('a baseline whose recording fails (the database is locked) leaves no files, no folder and no record', async () => {
    const p = setupCase({});
    const path = join(p.dir, 'app.db');
    sqliteFile(path, 'PRAGMA journal_mode = WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    // Before the lock: closing any descriptor of the file (reading it) would drop this process's POSIX locks.
    const before = listing(p.dir);
    const lock = new Database(path);
    lock.exec('BEGIN IMMEDIATE');
    let r: Awaited<ReturnType<typeof litedao>>;
    try {
      r = await litedao(p.dir, 'generate', '--from-db', 'sqlite:///app.db');
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    expect(r.code, JSON.stringify(r)).toBe(1);
    expect(r.stderr).toMatch(/BusyError/);
    expectOneLine(r.stderr);
    expect(existsSync(join(p.dir, 'migrations'))).toBe(false);
    const after = listing(p.dir);
    // The WAL files of the lock's connection may come and go; the rest is unchanged.
    const plain = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).filter(([k]) => !/-(wal|shm)$/.test(k)));
    expect(Object.keys(plain(after))).toEqual(Object.keys(plain(before)));
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'd1_migrations'").all()).toEqual([]);
    db.close();
    // Once the lock is gone the same command succeeds: nothing was left to refuse it.
    const again = await litedao(p.dir, 'generate', '--from-db', 'sqlite:///app.db');
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(join(p.dir, 'migrations', '0000_baseline.sql')).isFile()).toBe(true);
  });

  it('a closed stdout (`litedao status | head -0`) is no EPIPE crash', async () => {
    const p = setupCase({
      files: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`migrations/${String(i + 1).padStart(4, '0')}_m.sql`, 'SELECT 1;\n']),
      ),
    });
    sqliteFile(join(p.dir, 'app.db'), 'CREATE TABLE other (a)');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'status', '--url', 'sqlite:///app.db'], {
        cwd: p.dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy(); // the reader is gone before the first line is written
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(r.code).toBe(0);
  });
});

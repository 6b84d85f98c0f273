/**
 * The `litedao` CLI as a user gets it: the packed `litedao`, `@litedao/core` and `@litedao/adapter-node`
 * installed with npm in a fresh project, a TypeScript `litedao.config.ts` and models, and every command run
 * through plain `npx` (the bin npm linked from the tarball's dist/bin.js, on this lane's Node 22):
 * help → generate → migrate → status → check → a model edit → check fails naming it → generate → migrate;
 * then wrangler applies the same folder to a Worker's local D1 and both databases have the same schema.
 */
import { cpSync, existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FIXTURES, makeProject, pinned, type Run, sh, show, tsc, wrangler } from './harness.ts';

let dir = '';
let worker = '';

beforeAll(async () => {
  const tarballs = inject('tarballs');
  dir = await makeProject(inject('work'), 'cli', 'cli', [
    tarballs['@litedao/core'] ?? '',
    tarballs['@litedao/adapter-node'] ?? '',
    tarballs.litedao ?? '',
    `better-sqlite3@${pinned('packages/adapter-node/package.json', 'better-sqlite3')}`,
    `@types/node@${pinned('package.json', '@types/node')}`, // for the type-check of the config (process.env)
  ]);
});

/**
 * `npx litedao …` in the project, as a user types it. `npm_config_yes=false` makes npx fail instead of
 * downloading a registry package of that name when the local bin is missing, so only the installed tarball can
 * answer. This process's Node comes first on PATH, so the bin's `#!/usr/bin/env node` finds Node 22 as a
 * user's shell would.
 */
function litedao(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return sh('npx', ['litedao', ...args], {
    cwd: dir,
    env: {
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      DATABASE_URL: undefined,
      npm_config_update_notifier: 'false',
      npm_config_yes: 'false',
      ...env,
    },
  });
}

type Row = Record<string, unknown>;
type Db = { prepare(sql: string): { all(): Row[] }; exec(sql: string): void; close(): void };

/** Rows of the Node database, read with the consumer's own better-sqlite3. */
function fileRows(sql: string): Row[] {
  const Database = createRequire(join(dir, 'package.json'))('better-sqlite3') as new (path: string, o?: object) => Db;
  const db = new Database(join(dir, 'app.db'));
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** Every table, index and trigger with its SQL and what SQLite reports about it (columns, indexes, FKs, STRICT). */
const SCHEMA_QUERY = `
SELECT json_group_array(json_object('type', o.type, 'name', o.name, 'tbl', o.tbl_name, 'sql', o.sql,
  'columns', json((SELECT json_group_array(json_array(c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden)) FROM pragma_table_xinfo(o.name) AS c WHERE o.type = 'table')),
  'indexes', json((SELECT json_group_array(json_array(i.name, i."unique", i.origin, i.partial)) FROM pragma_index_list(o.name) AS i WHERE o.type = 'table')),
  'fks', json((SELECT json_group_array(json_array(f."table", f."from", f."to", f.on_update, f.on_delete)) FROM pragma_foreign_key_list(o.name) AS f WHERE o.type = 'table')),
  'strict', (SELECT l.strict FROM pragma_table_list(o.name) AS l WHERE o.type = 'table')
)) AS schema
FROM (SELECT * FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations' ORDER BY type, name) AS o`;

const USERS = 'SELECT id, telegram_id, name FROM users ORDER BY id';

describe('the litedao CLI from npm, with plain npx', () => {
  it('the project (config + models) type-checks strictly against the published declarations', async () => {
    const run = await tsc(dir, 'tsconfig.json');
    expect(run.code, show(run)).toBe(0);
  });

  it('litedao --help lists every command; --version is the package version', async () => {
    const help = await litedao(['--help']);
    expect(help.code, show(help)).toBe(0);
    for (const cmd of ['generate', 'check', 'migrate', 'status']) expect(help.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    expect(help.stdout).toContain('litedao.config.ts');
    const version = await litedao(['--version']);
    expect(version.code, show(version)).toBe(0);
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', 'litedao', 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(installed.version);
    // The bin npm linked is the built JavaScript (shebang kept), not the TypeScript source.
    const linked = join(dir, 'node_modules', '.bin', 'litedao');
    expect(realpathSync(linked)).toBe(realpathSync(join(dir, 'node_modules', 'litedao', 'dist', 'bin.js')));
    expect(readFileSync(linked, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('generate --name init writes 0001 and its snapshot; migrate --url applies it; status (DATABASE_URL from the config) lists it', async () => {
    const gen = await litedao(['generate', '--name', 'init']);
    expect(gen.code, show(gen)).toBe(0);
    const first = readFileSync(join(dir, 'migrations', '0001_init.sql'), 'utf8');
    expect(first).toContain('CREATE TABLE "users"');
    expect(first).toContain('CREATE TABLE "notes"');
    expect(existsSync(join(dir, 'migrations', 'meta', '0001_snapshot.json'))).toBe(true);

    const pendingFirst = await litedao(['status'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(pendingFirst.code, show(pendingFirst)).toBe(0);
    expect(pendingFirst.stdout).toMatch(/pending\s+0001_init\.sql/);

    const mig = await litedao(['migrate', '--url', 'sqlite:///app.db']);
    expect(mig.code, show(mig)).toBe(0);
    expect(mig.stdout).toContain('applied 0001_init.sql');
    const again = await litedao(['migrate', '--url', 'sqlite:///app.db']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain('No migrations to apply.');

    const status = await litedao(['status'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toMatch(/applied\s+0001_init\.sql/);
    expect(status.stdout).toContain('1 applied, 0 pending.');
    expect(fileRows('SELECT name FROM d1_migrations ORDER BY id')).toEqual([{ name: '0001_init.sql' }]);
  });

  it('check passes while models and migrations agree', async () => {
    const check = await litedao(['check']);
    expect(check.code, show(check)).toBe(0);
    expect(check.stdout).toContain('the models match the migrations (1 files)');
  });

  it('after a model edit, check fails naming the change; generate writes 0002; migrate applies it and the rows survive', async () => {
    const Database = createRequire(join(dir, 'package.json'))('better-sqlite3') as new (path: string) => Db;
    const db = new Database(join(dir, 'app.db'));
    db.exec(
      "INSERT INTO users (telegram_id, name) VALUES (1, 'Ada'), (2, 'Bob'); INSERT INTO notes (user_id, body) VALUES (1, 'a'), (2, 'b');",
    );
    db.close();
    const before = fileRows(USERS);

    writeFileSync(
      join(dir, 'src', 'columns.ts'),
      readFileSync(join(FIXTURES, 'cli', 'src', 'columns.ts'), 'utf8').replace(
        'name: t.text(),\n',
        "name: t.text(),\n  language: t.text().default('en'),\n",
      ),
    );
    const check = await litedao(['check']);
    expect(check.code, show(check)).toBe(1);
    expect(check.stderr).toContain('add column: add column users.language');
    expect(check.stderr).toContain('Run `litedao generate`');

    const gen = await litedao(['generate', '--name', 'add_language']);
    expect(gen.code, show(gen)).toBe(0);
    expect(readdirSync(join(dir, 'migrations')).filter((f) => f.endsWith('.sql'))).toEqual(['0001_init.sql', '0002_add_language.sql']);
    expect(readFileSync(join(dir, 'migrations', '0002_add_language.sql'), 'utf8')).toMatch(/ALTER TABLE "users" ADD COLUMN "language"/);
    const status = await litedao(['status', '--url', 'sqlite:///app.db']);
    expect(status.stdout).toMatch(/pending\s+0002_add_language\.sql/);

    const mig = await litedao(['migrate'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(mig.code, show(mig)).toBe(0);
    expect(mig.stdout).toContain('applied 0002_add_language.sql');
    expect(fileRows(USERS)).toEqual(before);
    expect(fileRows('SELECT language FROM users ORDER BY id')).toEqual([{ language: 'en' }, { language: 'en' }]);
    expect(fileRows('SELECT count(*) AS n FROM notes')).toEqual([{ n: 2 }]);

    const ok = await litedao(['check']);
    expect(ok.code, show(ok)).toBe(0);
  });

  it('wrangler d1 migrations apply --local applies the same folder in a Worker project: the same schema and records', async () => {
    worker = join(inject('work'), 'cli-worker');
    cpSync(join(FIXTURES, 'worker'), worker, { recursive: true });
    cpSync(join(dir, 'migrations'), join(worker, 'migrations'), { recursive: true });
    const apply = await wrangler(worker, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', 'state');
    expect(apply.code, show(apply)).toBe(0);
    expect(apply.stdout).toMatch(/0001_init\.sql\s*│\s*✅/);
    expect(apply.stdout).toMatch(/0002_add_language\.sql\s*│\s*✅/);

    const d1 = async (sql: string): Promise<Row[]> => {
      const run = await wrangler(worker, 'd1', 'execute', 'DB', '--local', '--persist-to', 'state', '--json', '--command', sql);
      expect(run.code, show(run)).toBe(0);
      return (JSON.parse(run.stdout) as { results: Row[] }[]).flatMap((r) => r.results);
    };
    const viaWrangler = JSON.parse(String((await d1(SCHEMA_QUERY))[0]?.schema)) as unknown[];
    const viaLitedao = JSON.parse(String(fileRows(SCHEMA_QUERY)[0]?.schema)) as unknown[];
    expect(viaWrangler.length).toBeGreaterThanOrEqual(4); // users, notes, their indexes
    expect(viaWrangler).toEqual(viaLitedao);
    const names = 'SELECT name FROM d1_migrations ORDER BY id';
    expect(await d1(names)).toEqual(fileRows(names));
  });
});

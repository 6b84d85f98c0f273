/** Helpers for the CLI tests: a throwaway project inside this package (so it resolves @litedao/core), the real bin, the real wrangler. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const pkg = join(import.meta.dirname, '..');
export const bin = join(pkg, 'src', 'bin.ts');
const wranglerJs = join(pkg, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A project folder under packages/cli/.tmp (git-ignored), removed by `cleanup()`. */
export function project(files: Record<string, string>): { dir: string; write(files: Record<string, string>): void; cleanup(): void } {
  mkdirSync(join(pkg, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(pkg, '.tmp', 'project-'));
  const write = (more: Record<string, string>) => {
    for (const [name, text] of Object.entries(more)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  write(files);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the real `litedao` bin with this Node. */
export function litedao(cwd: string, ...args: string[]): Promise<Run> {
  return run(process.execPath, [bin, ...args], cwd);
}

/** Runs the real wrangler CLI offline against local D1 state in `cwd/.state`. */
export function wrangler(cwd: string, ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    FORCE_COLOR: '0',
    XDG_CONFIG_HOME: join(cwd, '.config'),
    WRANGLER_LOG_PATH: join(cwd, '.logs'),
    CLOUDFLARE_API_TOKEN: '',
    CLOUDFLARE_ACCOUNT_ID: '',
  };
  return run(process.execPath, [wranglerJs, ...args, '--local', '--persist-to', join(cwd, '.state')], cwd, env);
}

/** `wrangler d1 execute --json`: the rows of the last statement. */
export async function d1Rows(cwd: string, db: string, command: string): Promise<Record<string, unknown>[]> {
  const r = await wrangler(cwd, 'd1', 'execute', db, '--command', command, '--json');
  const parsed = JSON.parse(r.stdout) as { results: Record<string, unknown>[] }[] | { error: { text: string } };
  if (!Array.isArray(parsed)) throw new Error(`wrangler d1 execute failed: ${parsed.error.text}`);
  return parsed.at(-1)?.results ?? [];
}

/** Rows of a query on a database file. */
export function fileRows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** One query that describes a whole schema: every object's SQL and every table's PRAGMA rows, as JSON text. */
export const SCHEMA_QUERY = `
SELECT json_group_array(json_object('type', o.type, 'name', o.name, 'tbl', o.tbl_name, 'sql', o.sql,
  'columns', json((SELECT json_group_array(json_array(c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden)) FROM pragma_table_xinfo(o.name) AS c WHERE o.type = 'table')),
  'indexes', json((SELECT json_group_array(json_array(i.name, i."unique", i.origin, i.partial)) FROM pragma_index_list(o.name) AS i WHERE o.type = 'table')),
  'fks', json((SELECT json_group_array(json_array(f."table", f."from", f."to", f.on_update, f.on_delete)) FROM pragma_foreign_key_list(o.name) AS f WHERE o.type = 'table')),
  'strict', (SELECT l.strict FROM pragma_table_list(o.name) AS l WHERE o.type = 'table')
)) AS schema
FROM (SELECT * FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name) AS o`;

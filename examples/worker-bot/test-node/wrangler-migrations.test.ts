// The generated migrations go through the REAL wrangler CLI: `wrangler d1 migrations apply --local` on a copy
// of this example's wrangler.jsonc and migrations/, then `wrangler d1 execute --local --json` checks that every
// table, index and trigger createAllSql(models) declares exists and that the constraints hold. `litedao check`
// (the real CLI) confirms the folder matches the models. Local D1 runs
// in workerd on 127.0.0.1: no login and no outbound network, but the loopback interface must be up (without
// it wrangler fails with "fetch failed").

import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAllSql } from '@litedao/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../src/models.ts';

const example = fileURLToPath(new URL('..', import.meta.url));
const wranglerJs = join(example, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const database = 'worker-bot';

let dir = '';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs wrangler with this Node (22) in the temporary project; never rejects, so failures can be asserted. */
function wrangler(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: 'true', // non-interactive: the "apply migrations?" prompt takes its default (yes)
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    // Keep wrangler's config, metrics id and logs out of the user's home directory.
    XDG_CONFIG_HOME: join(dir, 'config'),
    WRANGLER_LOG_PATH: join(dir, 'logs'),
  };
  // Nothing here is remote; make sure no account from the environment is picked up.
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [wranglerJs, ...args, '--local', '--persist-to', join(dir, 'state')],
      { cwd: dir, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, // the timeout is a hang guard only
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `wrangler d1 execute --json`: the rows of the last statement, or the error text. */
async function execute<T>(command: string): Promise<{ rows: T[] } | { error: string }> {
  const run = await wrangler('d1', 'execute', database, '--command', command, '--json');
  const parsed = JSON.parse(run.stdout) as { results: T[] }[] | { error: { text: string } };
  if (!Array.isArray(parsed)) return { error: parsed.error.text };
  expect(run.code, run.stderr).toBe(0);
  return { rows: parsed.at(-1)?.results ?? [] };
}

/** The example's migration files, in the order wrangler applies them. */
function migrationFiles(): string[] {
  return readdirSync(join(example, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

/** What createAllSql(models) creates, as sqlite_schema (type, name) pairs. */
function declaredObjects(): { type: string; name: string }[] {
  const found = [...createAllSql(models).matchAll(/^CREATE (TABLE|INDEX|UNIQUE INDEX|TRIGGER) IF NOT EXISTS "([^"]+)"/gm)];
  return found.map((m) => ({ type: (m[1] as string).replace('UNIQUE ', '').toLowerCase(), name: m[2] as string }));
}

let applied: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'litedao-worker-bot-wrangler-'));
  cpSync(join(example, 'wrangler.jsonc'), join(dir, 'wrangler.jsonc'));
  cpSync(join(example, 'migrations'), join(dir, 'migrations'), { recursive: true });
  applied = await wrangler('d1', 'migrations', 'apply', database);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('wrangler d1 migrations apply --local', () => {
  it('applies every file of migrations/', () => {
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    for (const file of migrationFiles()) expect(applied.stdout).toMatch(new RegExp(`${file.replace('.', '\\.')}\\s*│\\s*✅`));
  });

  it('litedao check: the migrations folder matches the models', async () => {
    const res = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(example, 'node_modules', 'litedao', 'src', 'bin.ts'), 'check'],
        { cwd: example, env: { ...process.env, NO_COLOR: '1' } },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      );
    });
    expect(res.code, res.out).toBe(0);
    expect(res.out).toContain(`the models match the migrations (${migrationFiles().length} files)`);
  }, 60_000);

  it('creates every table, index and trigger createAllSql(models) declares', async () => {
    const declared = declaredObjects();
    expect(declared.map((o) => o.name)).toEqual(
      expect.arrayContaining(['users', 'messages', 'ix_messages_user_id', 'users_touch_updated_at', 'messages_touch_updated_at']),
    );
    const res = await execute<{ type: string; name: string }>(
      "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    );
    expect(res).toHaveProperty('rows');
    const objects = 'rows' in res ? res.rows : [];
    expect(objects).toEqual(expect.arrayContaining(declared));
    // Besides the declared objects, only wrangler's own bookkeeping table.
    expect(objects.filter((o) => !declared.some((d) => d.name === o.name)).map((o) => o.name)).toEqual(['d1_migrations']);
    expect(await execute('SELECT name FROM d1_migrations ORDER BY id')).toEqual({ rows: migrationFiles().map((name) => ({ name })) });
  });

  it('the schema holds its constraints: one failing statement rolls the whole command back', async () => {
    const failed = await execute(
      "INSERT INTO users (telegram_id, first_name) VALUES (1, 'Ada'); INSERT INTO users (telegram_id, first_name) VALUES (1, 'Bob')",
    );
    expect(failed).toEqual({ error: expect.stringContaining('UNIQUE constraint failed: users.telegram_id') });
    expect(await execute('SELECT count(*) AS n FROM users')).toEqual({ rows: [{ n: 0 }] });

    const ok = await execute(
      "INSERT INTO users (telegram_id, first_name) VALUES (1, 'Ada'); INSERT INTO messages (user_id, chat_id, telegram_message_id, text) VALUES (1, 1, 1, 'hi'); SELECT count(*) AS n FROM messages",
    );
    expect(ok).toEqual({ rows: [{ n: 1 }] });
    const orphan = await execute("INSERT INTO messages (user_id, chat_id, telegram_message_id, text) VALUES (99, 1, 2, 'x')");
    expect(orphan).toEqual({ error: expect.stringContaining('FOREIGN KEY constraint failed') });
  });

  it('a second apply finds nothing to do', async () => {
    const again = await wrangler('d1', 'migrations', 'apply', database);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No migrations to apply');
  });
});

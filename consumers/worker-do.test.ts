/**
 * Durable Objects consumer: the packed @litedao/core and @litedao/adapter-do installed with npm next to
 * @cloudflare/workers-types, then a strict type-check, `wrangler deploy --dry-run`, and the bundle wrangler built
 * run in workerd (Miniflare) with its SQLite-backed Durable Object class: two chats in two objects, a litedao
 * error crossing RPC as its class, and the data still there when workerd starts again on the same storage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeProject, node, pinned, type Run, show, tsc, WRANGLER } from './harness.ts';

let dir = '';

beforeAll(async () => {
  const tarballs = inject('tarballs');
  dir = await makeProject(inject('work'), 'worker-do', 'worker-do', [
    tarballs['@litedao/core'] ?? '',
    tarballs['@litedao/adapter-do'] ?? '',
    `@cloudflare/workers-types@${pinned('packages/adapter-do/package.json', '@cloudflare/workers-types')}`,
  ]);
});

/** The workspace's wrangler, run in the consumer project, local only (no account, no network). */
function wrangler(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    XDG_CONFIG_HOME: join(dir, '.config'),
    WRANGLER_LOG_PATH: join(dir, '.logs'),
    CLOUDFLARE_API_TOKEN: '',
    CLOUDFLARE_ACCOUNT_ID: '',
  };
  return node([WRANGLER, ...args], dir, env);
}

type Request = { path?: string; body?: unknown };

/** Starts workerd on the bundle with the object class on SQLite storage under `state/`, sends the requests. */
async function serve(bundle: string, requests: Request[]): Promise<{ status: number; body: string }[]> {
  const bindings = { durableObjects: { CHATS: { className: 'ChatObject', useSQLite: true } } };
  const env = { VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, NODE_OPTIONS: undefined };
  const run = await node(
    [
      join(import.meta.dirname, 'serve-worker.mjs'),
      WRANGLER,
      bundle,
      join(dir, 'state'),
      JSON.stringify(bindings),
      JSON.stringify(requests),
    ],
    dir,
    env,
  );
  expect(run.code, show(run)).toBe(0);
  return JSON.parse(run.stdout) as { status: number; body: string }[];
}

describe('a Worker with a SQLite-backed Durable Object', () => {
  it('type-checks strictly with workers-types (no DOM, skipLibCheck off)', async () => {
    const run = await tsc(dir, 'tsconfig.json');
    expect(run.code, show(run)).toBe(0);
  });

  it('bundles with wrangler deploy --dry-run, and the bundle keeps each chat in its own object in workerd', async () => {
    const build = await wrangler('deploy', '--dry-run', '--outdir', 'out');
    expect(build.code, show(build)).toBe(0);
    const bundle = join(dir, 'out', 'index.js');
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/); // no Node built-ins without nodejs_compat
    expect(code).toContain('transactionSync'); // litedao's dist, bundled

    const first = await serve(bundle, [
      { body: { chat: 1, from: 7, text: 'one' } },
      { body: { chat: 2, from: 8, text: 'other chat' } },
      { body: { chat: 1, from: 9, text: 'two' } },
      { body: { chat: 1, from: 'not a number', text: 'x' } },
      { path: '/save', body: { chat: 1, from: 'not a number', text: 'x' } },
      { path: '/?chat=1' },
      { path: '/?chat=2' },
    ]);
    expect(
      first.map((r) => r.status),
      JSON.stringify(first),
    ).toEqual([200, 200, 200, 400, 500, 200, 200]);
    // Counts per object: chat 2's message is not in chat 1's database.
    expect(first.slice(0, 3).map((r) => JSON.parse(r.body))).toEqual([{ count: 1 }, { count: 1 }, { count: 2 }]);
    // The ValidationError raised inside the object by the DAO call reached the Worker as its class (the 400
    // branch), and nothing was written (chat 1 still has two messages below).
    expect(JSON.parse(first[3]?.body ?? '')).toHaveProperty('error');
    // The same error thrown by the object's own method crosses as workerd carries errors: its text names it,
    // but it is not the class (the Worker's `instanceof ValidationError` branch did not take it: a 500).
    expect(first[4]?.body).toContain('ValidationError');
    expect(JSON.parse(first[5]?.body ?? '')).toEqual([
      { from: 7, text: 'one' },
      { from: 9, text: 'two' },
    ]);
    expect(JSON.parse(first[6]?.body ?? '')).toEqual([{ from: 8, text: 'other chat' }]);

    // A new workerd on the same storage: the objects start again (schema step included) and find their rows.
    const again = await serve(bundle, [{ body: { chat: 1, from: 7, text: 'three' } }, { path: '/?chat=2' }]);
    expect(again.map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [200, { count: 3 }],
      [200, [{ from: 8, text: 'other chat' }]],
    ]);
  });
});

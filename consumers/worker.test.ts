/**
 * Cloudflare Worker consumer: the packed @litedao/core and @litedao/adapter-d1 installed with npm next to
 * @cloudflare/workers-types, then (c) a strict type-check, the models' `createAllSql` migration applied by
 * `wrangler d1 migrations apply --local`, `wrangler deploy --dry-run`, and the bundle wrangler built run in
 * workerd (Miniflare) against that migrated local database; and the Worker snippets of the READMEs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeProject, node, pinned, type Run, wrangler as runWrangler, show, tsc, WRANGLER } from './harness.ts';
import { snippetsFor, whereInDocs, writeSnippetProject } from './snippets.ts';

let dir = '';
/** wrangler.jsonc's database_id: wrangler keys the local database by it. */
const DATABASE_ID = '00000000-0000-0000-0000-00000000c0de';

beforeAll(async () => {
  const tarballs = inject('tarballs');
  dir = await makeProject(inject('work'), 'worker', 'worker', [
    tarballs['@litedao/core'] ?? '',
    tarballs['@litedao/adapter-d1'] ?? '',
    // The README snippets of @litedao/adapter-do are Worker code too: they type-check in this project.
    tarballs['@litedao/adapter-do'] ?? '',
    `@cloudflare/workers-types@${pinned('packages/adapter-d1/package.json', '@cloudflare/workers-types')}`,
  ]);
});

/** The workspace's wrangler in the consumer project. */
const wrangler = (...args: string[]): Promise<Run> => runWrangler(dir, ...args);

describe('(c) a Worker on D1', () => {
  it('type-checks strictly with workers-types (no DOM, skipLibCheck off)', async () => {
    const run = await tsc(dir, 'tsconfig.json');
    expect(run.code, show(run)).toBe(0);
  });

  it('applies its createAllSql migration with wrangler d1 migrations apply --local', async () => {
    const gen = await node(['scripts/migration.ts'], dir);
    expect(gen.code, show(gen)).toBe(0);
    expect(readFileSync(join(dir, 'migrations', '0001_init.sql'), 'utf8')).toMatch(/CREATE TABLE IF NOT EXISTS "users"/);
    const apply = await wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', 'state');
    expect(apply.code, show(apply)).toBe(0);
    const list = await wrangler(
      'd1',
      'execute',
      'DB',
      '--local',
      '--persist-to',
      'state',
      '--json',
      '--command',
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
    );
    expect(list.code, show(list)).toBe(0);
    const names = (JSON.parse(list.stdout) as { results: { name: string }[] }[]).flatMap((r) => r.results.map((x) => x.name));
    expect(names).toEqual(expect.arrayContaining(['messages', 'users']));
  });

  it('bundles with wrangler deploy --dry-run, and the bundle serves requests in workerd', async () => {
    const build = await wrangler('deploy', '--dry-run', '--outdir', 'out');
    expect(build.code, show(build)).toBe(0);
    const bundle = join(dir, 'out', 'index.js');
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/); // no Node built-ins without nodejs_compat
    expect(code).toContain('CommitOutcomeUnknownError'); // litedao's dist, bundled

    // Run exactly that bundle in workerd with the D1 database the migration created above.
    const requests = [
      { body: { email: 'ada@example.com', name: 'Ada', text: 'hello' } },
      { body: { email: 'ada@example.com', name: 'Ada L.', text: 'again' } },
      { body: { email: 'bob@example.com', name: 42, text: 'x' } },
      {},
    ];
    const env = { VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, NODE_OPTIONS: undefined };
    const serve = await node(
      [
        join(import.meta.dirname, 'serve-worker.mjs'),
        WRANGLER,
        bundle,
        join(dir, 'state', 'v3'),
        JSON.stringify({ d1Databases: { DB: DATABASE_ID } }),
        JSON.stringify(requests),
      ],
      dir,
      env,
    );
    expect(serve.code, show(serve)).toBe(0);
    const [first, second, invalid, list] = JSON.parse(serve.stdout) as { status: number; body: string }[];
    expect([first?.status, second?.status, invalid?.status, list?.status], serve.stdout).toEqual([200, 200, 400, 200]);
    expect(JSON.parse(list?.body ?? '')).toEqual([{ email: 'ada@example.com', name: 'Ada L.', messages: 2 }]);
  });
});

describe('README snippets (Worker)', () => {
  it('type-check against the published packages', async () => {
    const snippets = snippetsFor('workerd');
    expect(snippets.length).toBeGreaterThan(0);
    const config = writeSnippetProject(dir, snippets, {
      module: 'preserve',
      moduleResolution: 'bundler',
      target: 'es2022',
      lib: ['es2022'],
      types: ['@cloudflare/workers-types'],
    });
    const run = await tsc(dir, config);
    expect(run.code, whereInDocs(show(run), snippets)).toBe(0);
  });
});

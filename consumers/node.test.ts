/**
 * Node consumer: the packed @litedao/core and @litedao/adapter-node installed with npm next to better-sqlite3
 * and @types/node, then (a) the README's Node quick start run as written with plain `node`, twice, and
 * `require()` from CommonJS; (b) strict `tsc --noEmit` under nodenext, node16 and bundler, and a file of
 * common mistakes that must fail line by line; and the Node snippets of the READMEs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { diagnostics, makeProject, node, pinned, show, tsc } from './harness.ts';
import { snippetsFor, whereInDocs, writeSnippetProject } from './snippets.ts';

let dir = '';

beforeAll(async () => {
  const tarballs = inject('tarballs');
  dir = await makeProject(inject('work'), 'node', 'node', [
    tarballs['@litedao/core'] ?? '',
    tarballs['@litedao/adapter-node'] ?? '',
    tarballs.litedao ?? '', // the CLI, for README's litedao.config.ts (defineConfig)
    `better-sqlite3@${pinned('packages/adapter-node/package.json', 'better-sqlite3')}`,
    `@types/node@${pinned('package.json', '@types/node')}`,
    `zod@${pinned('packages/core/package.json', 'zod')}`,
    `hono@${pinned('packages/core/package.json', 'hono')}`, // for @litedao/core/hono
  ]);
});

/** The README's Node quick start, exactly as printed. */
function quickStart(): string {
  const block = snippetsFor('node')
    .filter((s) => s.file === 'README.md')
    .flatMap((s) => s.blocks)
    .find((b) => b.id === 'node');
  if (!block) throw new Error('README.md has no ```ts block with id=node (the Node quick start)');
  return block.code;
}

describe('(a) the README Node quick start with plain node', () => {
  it('runs as written (ESM), and again on the same database', async () => {
    const run = join(dir, 'quick-start');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'main.mjs'), quickStart());
    const first = await node(['main.mjs'], run);
    expect(first.code, show(first)).toBe(0);
    const second = await node(['main.mjs'], run);
    expect(second.code, show(second)).toBe(0);
    for (const out of [first.stdout, second.stdout]) expect(out).toMatch(/telegram_id: 42,\s+username: 'ada_l'/);
    // Read the file with the consumer's own better-sqlite3.
    type Db = { prepare(sql: string): { all(): unknown[] }; close(): void };
    const Database = createRequire(join(dir, 'package.json'))('better-sqlite3') as new (path: string, o: object) => Db;
    const db = new Database(join(run, 'bot.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT telegram_id, username FROM users').all()).toEqual([{ telegram_id: 42, username: 'ada_l' }]);
    } finally {
      db.close();
    }
  });

  it('works from CommonJS with require()', async () => {
    const run = await node(['require.cjs'], dir);
    expect(run.code, show(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ notes: ['from require'], duplicate: 'UniqueConstraintError' });
  });
});

describe('(b) strict type-check of an app against the published declarations', () => {
  for (const resolution of ['nodenext', 'node16', 'bundler']) {
    it(`compiles under module ${resolution} (strict, skipLibCheck off)`, async () => {
      const run = await tsc(dir, `tsconfig.${resolution}.json`);
      expect(run.code, show(run)).toBe(0);
    });
  }

  it('rejects each common mistake with the expected error, and nothing else', async () => {
    const source = readFileSync(join(dir, 'mistakes.ts'), 'utf8').split('\n');
    const expected = new Map<number, string>();
    source.forEach((l, i) => {
      const m = /\/\/ error (TS\d+):/.exec(l);
      if (m?.[1]) expected.set(i + 1, m[1]);
    });
    expect(expected.size).toBeGreaterThanOrEqual(15);
    const run = await tsc(dir, 'tsconfig.mistakes.json');
    expect(run.code).not.toBe(0);
    const found = diagnostics(run.stdout);
    const actual = new Map<number, string>();
    for (const d of found) {
      expect(d.file, `an error outside mistakes.ts:\n${run.stdout}`).toBe('mistakes.ts');
      actual.set(d.line, d.code);
    }
    expect(Object.fromEntries(actual), run.stdout).toEqual(Object.fromEntries(expected));
  });
});

describe('README snippets (Node)', () => {
  const snippets = snippetsFor('node');

  it('type-check against the published packages', async () => {
    expect(snippets.length).toBeGreaterThan(0);
    const config = writeSnippetProject(dir, snippets, { module: 'nodenext', target: 'es2022', types: ['node'] });
    const run = await tsc(dir, config);
    expect(run.code, whereInDocs(show(run), snippets)).toBe(0);
  });

  for (const s of snippets.filter((x) => x.run)) {
    it(`${s.file}:${s.line} runs with plain node, twice`, async () => {
      const run = join(dir, `run-${s.id}`);
      mkdirSync(run, { recursive: true });
      writeFileSync(join(run, 'main.mjs'), s.code);
      for (const attempt of [1, 2]) {
        const r = await node(['main.mjs'], run, { DATABASE_URL: 'sqlite:///app.db' });
        expect(r.code, `run ${attempt}\n${show(r)}`).toBe(0);
      }
    });
  }
});

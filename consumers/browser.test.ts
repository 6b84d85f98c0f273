/**
 * Browser consumer: the packed @litedao/core and @litedao/adapter-wasm installed with npm next to
 * @sqlite.org/sqlite-wasm and Vite, then (d) a strict type-check, `vite build` of a page plus its database
 * Worker, and the built app opened in Chromium twice (the second load sees the first one's row: OPFS
 * persisted); sqlite-wasm in plain Node with the newest and the oldest version of the peer range; and the
 * browser snippets of the READMEs.
 */
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM, makeProject, node, pinned, show, tsc } from './harness.ts';
import { snippetsFor, whereInDocs, writeSnippetProject } from './snippets.ts';

let dir = '';
const SQLITE_WASM = pinned('packages/adapter-wasm/package.json', '@sqlite.org/sqlite-wasm');
/** The lowest version the peer range admits; the Node smoke test runs on it too. */
const SQLITE_WASM_OLDEST = '3.50.0-build1';

beforeAll(async () => {
  const tarballs = inject('tarballs');
  dir = await makeProject(inject('work'), 'browser', 'browser', [
    tarballs['@litedao/core'] ?? '',
    tarballs['@litedao/adapter-wasm'] ?? '',
    `@sqlite.org/sqlite-wasm@${SQLITE_WASM}`,
    `vite@${pinned('examples/browser-app/package.json', 'vite')}`,
  ]);
});

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/** A static server for the built app on 127.0.0.1 (no COOP/COEP headers: the SAH-pool VFS needs none). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('(d) a Vite app with the database in a Worker', () => {
  it('type-checks strictly (ES2022 + DOM, bundler, skipLibCheck off)', async () => {
    const run = await tsc(dir, 'tsconfig.json');
    expect(run.code, show(run)).toBe(0);
  });

  it('builds with vite build: page, Worker and sqlite3.wasm', async () => {
    const run = await node([join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], dir);
    expect(run.code, show(run)).toBe(0);
    const assets = readFileSync(join(dir, 'dist', 'index.html'), 'utf8');
    expect(assets).toMatch(/<script type="module"[^>]+src="\/assets\/index-[\w-]+\.js"/);
    expect(run.stdout).toMatch(/sqlite3-[\w-]+\.wasm/);
  });

  it.skipIf(!existsSync(CHROMIUM))('runs in Chromium, and the data survives a reload (OPFS)', async () => {
    const server = await serve(join(dir, 'dist'));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const seen: string[] = [];
      for (const _ of [1, 2]) {
        await page.goto(url);
        await page.waitForFunction(() => document.body.dataset.visits ?? document.body.dataset.error, null, { timeout: 120_000 });
        const error = await page.evaluate(() => document.body.dataset.error);
        expect(error).toBeUndefined();
        seen.push((await page.evaluate(() => document.body.dataset.visits)) ?? '');
      }
      expect(seen).toEqual(['1', '2']);
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('sqlite-wasm in plain Node, at both ends of the peer range', () => {
  const expected = { done: ['b'] };

  it(`works with @sqlite.org/sqlite-wasm ${SQLITE_WASM}`, async () => {
    const run = await node(['memory.mjs'], dir);
    expect(run.code, show(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject(expected);
  });

  it(`works with @sqlite.org/sqlite-wasm ${SQLITE_WASM_OLDEST}`, async () => {
    const tarballs = inject('tarballs');
    const oldest = await makeProject(inject('work'), 'wasm-oldest', null, [
      tarballs['@litedao/core'] ?? '',
      tarballs['@litedao/adapter-wasm'] ?? '',
      `@sqlite.org/sqlite-wasm@${SQLITE_WASM_OLDEST}`,
    ]);
    cpSync(join(dir, 'memory.mjs'), join(oldest, 'memory.mjs'));
    const run = await node(['memory.mjs'], oldest);
    expect(run.code, show(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ...expected, version: SQLITE_WASM_OLDEST.split('-')[0] });
  });
});

describe('README snippets (browser)', () => {
  it('type-check against the published packages', async () => {
    const snippets = snippetsFor('browser');
    expect(snippets.length).toBeGreaterThan(0);
    const config = writeSnippetProject(dir, snippets, {
      module: 'esnext',
      moduleResolution: 'bundler',
      target: 'es2022',
      lib: ['es2022', 'dom', 'dom.iterable'],
      types: [],
    });
    const run = await tsc(dir, config);
    expect(run.code, whereInDocs(show(run), snippets)).toBe(0);
  });
});

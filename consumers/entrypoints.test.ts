/**
 * Every entry point of every published package (read from the tarballs' `exports`, so a new subpath is covered
 * without editing this file), each on its own, the way an app imports just one of them:
 * - strict `tsc` (skipLibCheck off, exactOptionalPropertyTypes) under nodenext, node16, bundler and preserve,
 *   in each runtime's type environment (Node: @types/node; Workers: workers-types, no DOM; a page: DOM; a
 *   Worker script: webworker), and one program per entry point, so a global declaration that only another
 *   entry point brings (e.g. `Symbol.asyncDispose` for an older `lib`) cannot hide a gap;
 * - `moduleResolution: node10` is refused by TypeScript for every entry point with its own message that names
 *   the settings that work (the packages are ESM-only with `exports`; no half-working `types`/`typesVersions`);
 * - `import` and `require()` on Node 22 (require(esm));
 * - what a page or a Worker bundles from the non-Node entry points (the static and dynamic imports of their
 *   dist/ files, followed across packages) names no Node built-in and no better-sqlite3;
 * - the same imports, the README quick start and `npx litedao --help` in a project installed without hoisting
 *   (npm's linked strategy), so every runtime import of dist/ must be a declared dependency or peer.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { diagnostics, makeProject, node, pinned, REPO_ROOT, sh, show, tsc } from './harness.ts';

/** Entry points that load only in one runtime: specifier → why, and where they type-check. */
const ONLY_IN: Record<string, { env: Env; why: string }> = {
  '@litedao/adapter-do/object': { env: 'worker', why: "imports 'cloudflare:workers'" },
  '@litedao/adapter-wasm/worker-entry': { env: 'webworker', why: 'serves the Worker it runs in (needs a Worker scope)' },
};

type Env = 'node' | 'worker' | 'browser' | 'webworker';
const ENVS: Record<Env, { lib: string[]; types: string[] }> = {
  node: { lib: ['es2022'], types: ['node'] },
  worker: { lib: ['es2022'], types: ['@cloudflare/workers-types'] },
  browser: { lib: ['es2022', 'dom', 'dom.iterable'], types: [] },
  webworker: { lib: ['es2022', 'webworker'], types: [] },
};
const RESOLUTIONS: Record<string, Record<string, string>> = {
  nodenext: { module: 'nodenext' },
  node16: { module: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  preserve: { module: 'preserve' },
};
const STRICT = {
  target: 'es2022',
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  isolatedModules: true,
  skipLibCheck: false,
  noEmit: true,
};

/** Every exported subpath of every tarball, as the specifier an app writes. */
function entryPoints(tarballs: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, file] of Object.entries(tarballs)) {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' })) as {
      exports: Record<string, unknown>;
    };
    for (const key of Object.keys(manifest.exports)) {
      if (key === './package.json') continue;
      out.push(key === '.' ? name : `${name}/${key.slice(2)}`);
    }
  }
  return out.sort();
}

const fileOf = (spec: string): string => `entry-${spec.replace(/[@/]/g, '_')}.ts`;

let dir = '';
let entries: string[] = [];

beforeAll(async () => {
  const tarballs = inject('tarballs');
  entries = entryPoints(tarballs);
  dir = await makeProject(inject('work'), 'entrypoints', null, [
    ...Object.values(tarballs),
    `better-sqlite3@${pinned('packages/adapter-node/package.json', 'better-sqlite3')}`,
    `@sqlite.org/sqlite-wasm@${pinned('packages/adapter-wasm/package.json', '@sqlite.org/sqlite-wasm')}`,
    `hono@${pinned('packages/core/package.json', 'hono')}`,
    `zod@${pinned('packages/core/package.json', 'zod')}`,
    `@types/node@${pinned('package.json', '@types/node')}`,
    `@cloudflare/workers-types@${pinned('packages/adapter-d1/package.json', '@cloudflare/workers-types')}`,
  ]);
  for (const spec of entries) writeFileSync(join(dir, fileOf(spec)), `import * as entry from '${spec}';\nexport const all = entry;\n`);
});

function writeConfig(name: string, options: Record<string, unknown>, files: string[]): string {
  const file = `tsconfig.${name}.json`;
  writeFileSync(join(dir, file), JSON.stringify({ compilerOptions: { ...STRICT, ...options }, files }, null, 2));
  return file;
}

/** Runs `jobs` two at a time (the lane's machine has two cores). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += 2) out.push(...(await Promise.all(jobs.slice(i, i + 2).map((j) => j()))));
  return out;
}

describe('every entry point type-checks on its own', () => {
  it('lists the documented subpaths', () => {
    for (const spec of ['@litedao/core/hono', '@litedao/adapter-do/object', '@litedao/adapter-wasm/worker', 'litedao']) {
      expect(entries).toContain(spec);
    }
  });

  for (const env of Object.keys(ENVS) as Env[]) {
    it(`in ${env} types (nodenext, strict, skipLibCheck off), one program per entry point`, async () => {
      const wanted = entries.filter((e) => (ONLY_IN[e]?.env ?? env) === env);
      const runs = await inPairs(
        wanted.map((spec) => async () => {
          const config = writeConfig(`${env}-${fileOf(spec).slice(0, -3)}`, { ...RESOLUTIONS.nodenext, ...ENVS[env] }, [fileOf(spec)]);
          return { spec, run: await tsc(dir, config) };
        }),
      );
      const failed = runs.filter((r) => r.run.code !== 0).map((r) => `${r.spec}:\n${r.run.stdout}`);
      expect(failed).toEqual([]);
    });
  }

  for (const [resolution, options] of Object.entries(RESOLUTIONS)) {
    it(`under module/moduleResolution ${resolution}, in every runtime's types`, async () => {
      const runs = await inPairs(
        (Object.keys(ENVS) as Env[]).map((env) => async () => {
          const files = entries.filter((e) => (ONLY_IN[e]?.env ?? env) === env).map(fileOf);
          return { env, run: await tsc(dir, writeConfig(`${resolution}-${env}`, { ...options, ...ENVS[env] }, files)) };
        }),
      );
      for (const { env, run } of runs) expect(run.code, `${env}: ${show(run)}`).toBe(0);
    });
  }

  it('moduleResolution node10 is refused for each entry point, with the message naming node16/nodenext/bundler', async () => {
    const files = entries.filter((e) => !ONLY_IN[e]).map(fileOf);
    const run = await tsc(dir, writeConfig('node10', { module: 'commonjs', moduleResolution: 'node10', ...ENVS.node }, files));
    const found = diagnostics(run.stdout);
    expect(found.map((d) => `${d.file} ${d.code}`).sort(), run.stdout).toEqual(files.map((f) => `${f} TS2307`).sort());
    const refusals = run.stdout.match(/Consider updating to 'node16', 'nodenext', or 'bundler'/g) ?? [];
    expect(refusals.length, run.stdout).toBe(files.length);
  });
});

/** A script that imports (or requires) each specifier and prints what failed. */
function loader(kind: 'import' | 'require', specs: string[]): string {
  const load = kind === 'import' ? 'await import(s)' : 'require(s)';
  return [
    `const specs = ${JSON.stringify(specs)};`,
    'const failed = [];',
    'for (const s of specs) {',
    `  try { const m = ${load}; if (!Object.keys(m).length) failed.push(s + ': no exports'); }`,
    "  catch (e) { failed.push(s + ': ' + e); }",
    '}',
    'console.log(JSON.stringify(failed));',
    '',
  ].join('\n');
}

async function loadsEverywhere(project: string): Promise<void> {
  const specs = entries.filter((e) => !ONLY_IN[e]);
  writeFileSync(join(project, 'load.mjs'), loader('import', specs));
  writeFileSync(join(project, 'load.cjs'), loader('require', specs));
  for (const script of ['load.mjs', 'load.cjs']) {
    const run = await node([script], project);
    expect(run.code, `${script}: ${show(run)}`).toBe(0);
    expect(JSON.parse(run.stdout), script).toEqual([]);
  }
}

describe('every entry point loads on Node 22', () => {
  it('with import and with require() (require(esm))', async () => {
    await loadsEverywhere(dir);
  });

  it('the runtime-specific ones refuse Node with an error, not a hang', async () => {
    for (const spec of Object.keys(ONLY_IN)) {
      const run = await node(['--input-type=module', '-e', `await import('${spec}')`], dir);
      expect(run.code, `${spec} (${ONLY_IN[spec]?.why}): ${show(run)}`).not.toBe(0);
    }
  });
});

describe('without hoisting (npm --install-strategy=linked): only declared dependencies and peers', () => {
  let linked = '';

  beforeAll(async () => {
    const tarballs = inject('tarballs');
    linked = await makeProject(
      inject('work'),
      'linked',
      null,
      [
        ...Object.values(tarballs),
        `better-sqlite3@${pinned('packages/adapter-node/package.json', 'better-sqlite3')}`,
        `@sqlite.org/sqlite-wasm@${pinned('packages/adapter-wasm/package.json', '@sqlite.org/sqlite-wasm')}`,
        `hono@${pinned('packages/core/package.json', 'hono')}`,
      ],
      ['--install-strategy=linked'],
    );
  });

  it('every entry point loads with import and require()', async () => {
    await loadsEverywhere(linked);
  });

  it('the README Node quick start runs, and npx litedao --help works', async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const quick = /```ts run id=node\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(quick, 'README.md has the Node quick start').toBeTruthy();
    const run = join(linked, 'quick-start');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'main.mjs'), quick ?? '');
    const first = await node(['main.mjs'], run);
    expect(first.code, show(first)).toBe(0);
    expect(first.stdout).toMatch(/username: 'ada_l'/);
    const help = await sh('npx', ['--no-install', 'litedao', '--help'], { cwd: linked, env: { npm_config_update_notifier: 'false' } });
    expect(help.code, show(help)).toBe(0);
    expect(help.stdout).toContain('Usage: litedao');
  });

  it('the CLI generates and applies migrations for models that import @litedao/core', async () => {
    cpSync(join(import.meta.dirname, 'fixtures', 'cli'), join(linked, 'cli'), { recursive: true });
    const cli = join(linked, 'cli');
    writeFileSync(join(cli, 'package.json'), '{ "private": true, "type": "module" }\n');
    const bin = join(linked, 'node_modules', 'litedao', 'dist', 'bin.js');
    const gen = await node([bin, 'generate', '--name', 'init'], cli);
    expect(gen.code, show(gen)).toBe(0);
    const mig = await node([bin, 'migrate', '--url', 'sqlite:///linked.db'], cli);
    expect(mig.code, show(mig)).toBe(0);
    expect(mig.stdout).toContain('0001_init.sql');
  });
});

/** Where `spec` resolves in `project` (the `import` target of its package's exports). */
function resolveEntry(project: string, spec: string): string {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  const sub = spec.slice(name.length);
  const root = join(project, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: string; default?: string }>;
  };
  const target = manifest.exports[`.${sub}`];
  const file = target?.import ?? target?.default;
  if (!file) throw new Error(`${spec}: no import target`);
  return resolve(root, file);
}

/** Every bare specifier a module graph of dist/ files imports, following relative and @litedao/* imports. */
function bareImports(project: string, entry: string): Map<string, string> {
  const found = new Map<string, string>(); // specifier → first file importing it
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(
      /(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[1] ?? m[2] ?? '';
      if (spec.startsWith('.')) {
        const next = resolve(dirname(file), spec);
        if (existsSync(next)) queue.push(next);
      } else if (spec.startsWith('@litedao/') || spec === 'litedao' || spec.startsWith('litedao/')) {
        queue.push(resolveEntry(project, spec));
      } else if (!found.has(spec)) found.set(spec, file);
    }
  }
  return found;
}

describe('what a page or a Worker bundles', () => {
  /** Entry points meant for browsers and Workers (the rest are Node's: adapter-node and the CLI). */
  const NOT_NODE_ONLY = (e: string) => !e.startsWith('@litedao/adapter-node') && e !== 'litedao' && !e.startsWith('litedao/');

  it('imports no Node built-in and no better-sqlite3 from @litedao/core, adapter-d1, adapter-do and adapter-wasm', () => {
    const offenders: string[] = [];
    for (const spec of entries.filter(NOT_NODE_ONLY)) {
      for (const [bare, file] of bareImports(dir, resolveEntry(dir, spec))) {
        if (
          bare.startsWith('node:') ||
          bare === 'better-sqlite3' ||
          bare.startsWith('better-sqlite3/') ||
          bare === 'fs' ||
          bare === 'path'
        ) {
          offenders.push(`${spec}: ${bare} (imported by ${file.slice(dir.length + 1)})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the check sees through: the CLI entry point does import node: modules', () => {
    const cli = [...bareImports(dir, resolveEntry(dir, 'litedao')).keys()];
    expect(cli.some((s) => s.startsWith('node:'))).toBe(true);
    expect([...bareImports(dir, resolveEntry(dir, '@litedao/adapter-node')).keys()]).toContain('better-sqlite3');
  });
});

#!/usr/bin/env node
// Builds the published packages (`npm run build`): each package's src/ → dist/ with tsc (ESM JavaScript,
// `.d.ts`, declaration maps, source maps), core first because the adapters compile against its declarations.
//
// Why tsc and not a bundler: the packages are ESM-only, so one JavaScript file per source file is the best
// shape for consumers' tree-shaking and for readable stack traces, and tsc is already the type-checker here
// (one less tool to keep current). Sources import each other with `.ts` extensions; tsc's
// `rewriteRelativeImportExtensions` rewrites them in the JavaScript, but TypeScript (5.9) leaves them in the
// declarations, where a consumer's tsc would reject them (TS5097), so this script rewrites those too and then
// checks that no `.ts` specifier is left anywhere in dist/.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The published packages, in build order (dependencies first): the CLI builds against core and adapter-node. */
export const PUBLISHED = ['core', 'adapter-node', 'adapter-d1', 'adapter-do', 'adapter-wasm', 'cli'];

const RELATIVE_TS = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

export function buildPackage(name) {
  const pkg = join(root, 'packages', name);
  rmSync(join(pkg, 'dist'), { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.build.json')], { cwd: pkg, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`tsc failed for packages/${name}`);
  const leftovers = [];
  for (const file of walk(join(pkg, 'dist'))) {
    if (!/\.(d\.ts|js)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    // `.ts` → `.js` keeps every column, so the declaration maps stay exact.
    const fixed = file.endsWith('.d.ts') ? text.replace(RELATIVE_TS, (_m, kw, q, path) => `${kw}${q}${path}.js${q}`) : text;
    if (fixed !== text) writeFileSync(file, fixed);
    if (RELATIVE_TS.test(fixed)) leftovers.push(file);
    RELATIVE_TS.lastIndex = 0;
  }
  if (leftovers.length) throw new Error(`relative .ts specifiers left in: ${leftovers.join(', ')}`);
  // A bin (the CLI's dist/bin.js) must keep its `#!/usr/bin/env node` line (tsc keeps a leading shebang) and
  // be executable, so `npx litedao` runs it directly as npm links it.
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  for (const target of Object.values(manifest.publishConfig?.bin ?? {})) {
    const file = join(pkg, target);
    if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')) throw new Error(`${file} lost its shebang`);
    chmodSync(file, 0o755);
  }
}

/**
 * Only pnpm may pack or publish (RELEASING.md): it replaces `workspace:^` with a real range and `exports`/`bin`
 * with `publishConfig.exports`/`publishConfig.bin`. npm (and yarn 1, bun) keep the workspace manifest, so
 * their tarball points at `src/*.ts` and at `workspace:` ranges: it cannot be installed outside the monorepo.
 * As each package's `prepack`, this refuses such a pack or publish before building anything. A dry run only
 * warns, so `npm pack --dry-run` still lists the files (the same `files` as pnpm's tarball).
 * Returns the refusal's message, or null when the pack may go on.
 */
export function packRefusal(env = process.env) {
  if (env.npm_lifecycle_event !== 'prepack') return null;
  const agent = env.npm_config_user_agent ?? '';
  if (agent.startsWith('pnpm/')) return null;
  const tool = agent.split(' ')[0] || 'this package manager';
  return (
    `${tool} cannot pack or publish litedao's packages: it would keep the workspace manifest ` +
    '(exports into src/*.ts, `workspace:^` dependencies), which cannot be installed outside the monorepo. ' +
    'Pack and publish with pnpm, as RELEASING.md says: `npx pnpm@10.34.8 pack` in the package directory, ' +
    'or `npx pnpm@10.34.8 -r --filter "./packages/*" publish` from the repository root.'
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const refusal = packRefusal();
  if (refusal && process.env.npm_config_dry_run === 'true') {
    process.stderr.write(`warning: ${refusal} (dry run: the file list below is right, the manifest is not the published one)\n`);
  } else if (refusal) {
    process.stderr.write(`error: ${refusal}\n`);
    process.exit(1);
  }
  const only = process.argv.slice(2);
  for (const name of only.length ? only : PUBLISHED) {
    process.stdout.write(`build packages/${name}\n`);
    buildPackage(name);
  }
}

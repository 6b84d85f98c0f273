/**
 * Section 4: bundle sizes as a Worker or a browser would ship them. Each entry is bundled, minified and
 * tree-shaken by esbuild, then gzipped (level 9) with node:zlib. The native engines are externalized and
 * reported on their own line: sqlite-wasm's JS glue and .wasm, better-sqlite3's native addon.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Platform } from 'esbuild';

export interface SizeRow {
  readonly name: string;
  readonly what: string;
  readonly minBytes: number;
  readonly gzipBytes: number;
  /** Minified bytes per package inside the bundle, largest first. */
  readonly parts: readonly [string, number][];
}

const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
const EXTERNAL = ['@sqlite.org/sqlite-wasm', 'better-sqlite3'];

function packageOf(path: string): string {
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
  }
  const pkg = /packages\/([^/]+)\//.exec(path);
  return pkg ? `@litedao/${pkg[1]}` : path;
}

function partsOf(meta: Metafile): [string, number][] {
  const by = new Map<string, number>();
  for (const out of Object.values(meta.outputs)) {
    for (const [path, info] of Object.entries(out.inputs)) by.set(packageOf(path), (by.get(packageOf(path)) ?? 0) + info.bytesInOutput);
  }
  return [...by.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

async function bundle(
  name: string,
  what: string,
  source: string,
  platform: Platform,
  conditions: string[],
  external: string[] = EXTERNAL,
): Promise<SizeRow> {
  const out = await build({
    stdin: { contents: source, resolveDir: benchDir, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform,
    target: 'es2022',
    conditions,
    mainFields: ['module', 'main'],
    external,
    metafile: true,
    logLevel: 'silent',
    // The wasm adapter loads sqlite-wasm with a dynamic import(); keep it one file for a single number.
    splitting: false,
  });
  const code = (out.outputFiles[0] as { contents: Uint8Array }).contents;
  return { name, what, minBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength, parts: partsOf(out.metafile) };
}

function fileRow(name: string, what: string, path: string): SizeRow {
  const data = readFileSync(path);
  return { name, what, minBytes: statSync(path).size, gzipBytes: gzipSync(data, { level: 9 }).byteLength, parts: [] };
}

export async function measureSizes(): Promise<SizeRow[]> {
  const browser = ['browser', 'import', 'default'];
  const worker = ['workerd', 'worker', 'browser', 'import', 'default'];
  const rows = [
    await bundle('@litedao/core', 'everything it exports', `export * from '@litedao/core';`, 'browser', browser),
    await bundle(
      '@litedao/core',
      'a typical app: models, engine, session, DAO',
      `import { BaseDAO, createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
       export { BaseDAO, createEngine, createSessionMaker, declarativeBase, t };`,
      'browser',
      browser,
    ),
    await bundle(
      'core + @litedao/adapter-d1',
      'a Worker (platform neutral, workerd conditions)',
      `export * from '@litedao/core'; export * from '@litedao/adapter-d1';`,
      'neutral',
      worker,
    ),
    await bundle(
      'core + @litedao/adapter-wasm',
      'a browser page (sqlite-wasm external)',
      `export * from '@litedao/core'; export * from '@litedao/adapter-wasm';`,
      'browser',
      browser,
    ),
    await bundle(
      '@litedao/adapter-wasm/worker',
      "the OPFS Worker's script (sqlite-wasm external)",
      `export * from '@litedao/adapter-wasm/worker';`,
      'browser',
      browser,
    ),
    await bundle(
      'core + @litedao/adapter-node',
      'Node (better-sqlite3 external)',
      `export * from '@litedao/core'; export * from '@litedao/adapter-node';`,
      'node',
      ['node', 'import', 'default'],
    ),
  ];
  const require = createRequire(join(benchDir, 'package.json'));
  const wasmDir = dirname(require.resolve('@sqlite.org/sqlite-wasm/package.json'));
  rows.push(
    await bundle(
      '@sqlite.org/sqlite-wasm',
      'its JS glue, bundled and minified the same way',
      `export { default } from '@sqlite.org/sqlite-wasm';`,
      'browser',
      browser,
      [],
    ),
  );
  rows.push(fileRow('@sqlite.org/sqlite-wasm', 'sqlite3.wasm', join(wasmDir, 'dist', 'sqlite3.wasm')));
  const bsDir = dirname(require.resolve('better-sqlite3/package.json'));
  const addon = join(bsDir, 'prebuilds', `${process.platform}-${process.arch}.node`);
  try {
    rows.push(
      fileRow(
        'better-sqlite3',
        `native addon (prebuilds/${process.platform}-${process.arch}.node; not shipped to browsers or Workers)`,
        addon,
      ),
    );
  } catch {
    // No prebuild for this platform: it was compiled locally; skip the line rather than guess.
  }
  return rows;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;

export function sizesMarkdown(rows: readonly SizeRow[]): string {
  const lines = [
    '### Bundle sizes',
    '',
    'esbuild bundle + minify + tree-shaking (ES2022, ESM), then gzip -9. The native engines are external to the litedao bundles and listed on their own.',
    '',
    '| bundle | for | min | min+gzip | largest parts (min) |',
    '| --- | --- | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.what} | ${kb(r.minBytes)} | **${kb(r.gzipBytes)}** | ${r.parts
          .slice(0, 4)
          .map(([p, n]) => `${p} ${kb(n)}`)
          .join(', ')} |`,
    ),
  ];
  return lines.join('\n');
}

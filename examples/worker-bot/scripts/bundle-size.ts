/**
 * Prints the size of the example Worker and litedao's share of it. Needs no network and no login:
 *
 *   node examples/worker-bot/scripts/bundle-size.ts
 *
 * 1. The Worker as deployed: `wrangler deploy --dry-run --minify --outdir <tmp> --metafile` (wrangler's own
 *    esbuild build, the bytes it would upload), gzip with node:zlib at level 9.
 * 2. Minified bytes per package: esbuild's metafile (`bytesInOutput` of every input file) from that build.
 * 3. gzip share per package: gzip does not add up per file (one compression window spans the bundle), so the
 *    share is the marginal cost: the same entry rebuilt with esbuild (the copy wrangler ships, wrangler's build
 *    options) with the package left out as an external import, and the gzip sizes subtracted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The subset of esbuild's API used here (esbuild is wrangler's dependency, not this example's). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { path: string; contents: Uint8Array }[] }>;
}
interface Metafile {
  outputs: Record<string, { entryPoint?: string; bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

const example = join(import.meta.dirname, '..');
const wranglerJs = join(example, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const esbuild = createRequire(join(example, 'node_modules', 'wrangler', 'package.json'))('esbuild') as Esbuild;

const gzip = (bytes: Uint8Array | string) => gzipSync(bytes, { level: 9 }).byteLength;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Which package an input file of the bundle belongs to. */
function packageOf(input: string): string {
  const path = input.split(sep).join('/');
  if (path.includes('packages/core/')) return '@litedao/core';
  if (path.includes('packages/adapter-d1/')) return '@litedao/adapter-d1';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path);
  if (inModules) return inModules[1] as string;
  return path.startsWith('src/') ? 'worker-bot (src/)' : path;
}

// 1 + 2: wrangler's dry-run build.
const out = mkdtempSync(join(tmpdir(), 'litedao-worker-bot-size-'));
try {
  const run = spawnSync(
    process.execPath,
    [wranglerJs, 'deploy', '--dry-run', '--minify', '--outdir', join(out, 'dist'), '--metafile', join(out, 'meta.json')],
    {
      cwd: example,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', WRANGLER_LOG_PATH: join(out, 'logs') },
    },
  );
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
  const wranglerLine = /Total Upload: .*/.exec(run.stdout)?.[0] ?? '(no "Total Upload" line)';
  const worker = readFileSync(join(out, 'dist', 'index.js'));
  const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as Metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error('no entry output in the metafile');
  const minified = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(relative(example, join(example, input)));
    minified.set(name, (minified.get(name) ?? 0) + bytesInOutput);
  }

  // 3: marginal gzip cost, with wrangler's esbuild options (wrangler-dist/cli.js: COMMON_ESBUILD_OPTIONS, bundle()).
  const bundle = async (external: string[]) => {
    const result = await esbuild.build({
      entryPoints: [join(example, 'src', 'index.ts')],
      absWorkingDir: example,
      bundle: true,
      write: false,
      minify: true,
      keepNames: true,
      format: 'esm',
      target: 'es2024',
      supported: { 'import-source': true, using: true },
      conditions: ['workerd', 'worker', 'browser'],
      define: { 'process.env.NODE_ENV': '"production"' },
      external: ['cloudflare:*', 'node:*', ...external],
      outdir: join(out, 'esbuild'),
      logLevel: 'error',
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    if (!js) throw new Error('esbuild produced no .js output');
    return { min: js.contents.byteLength, gzip: gzip(js.contents) };
  };
  const whole = await bundle([]);
  const withoutLitedao = await bundle(['@litedao/*']);
  const withoutDeps = await bundle(['zod', 'inflection']);
  const withoutGrammy = await bundle(['grammy']);

  const litedaoOwn = (minified.get('@litedao/core') ?? 0) + (minified.get('@litedao/adapter-d1') ?? 0);
  const litedaoDeps = (minified.get('zod') ?? 0) + (minified.get('inflection') ?? 0);
  const lines = [
    `wrangler deploy --dry-run --minify: ${wranglerLine}`,
    `Worker (dist/index.js): ${kib(worker.byteLength)} minified, ${kib(gzip(worker))} gzip -9`,
    '',
    'minified bytes per package (metafile bytesInOutput):',
    ...[...minified]
      .sort((a, b) => b[1] - a[1])
      .map(
        ([name, bytes]) => `  ${name.padEnd(24)} ${kib(bytes).padStart(10)}  ${((100 * bytes) / output.bytes).toFixed(1).padStart(5)} %`,
      ),
    '',
    `litedao (core + adapter-d1):       ${kib(litedaoOwn)} minified, ${kib(withoutDeps.gzip - withoutLitedao.gzip)} gzip (marginal)`,
    `litedao's dependencies (zod, inflection): ${kib(litedaoDeps)} minified, ${kib(whole.gzip - withoutDeps.gzip)} gzip (marginal)`,
    `litedao with its dependencies:     ${kib(whole.min - withoutLitedao.min)} minified, ${kib(whole.gzip - withoutLitedao.gzip)} gzip (marginal)`,
    `grammy, for comparison:            ${kib(whole.min - withoutGrammy.min)} minified, ${kib(whole.gzip - withoutGrammy.gzip)} gzip (marginal)`,
    `(esbuild rebuild of the whole Worker: ${kib(whole.min)} minified, ${kib(whole.gzip)} gzip -9)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

/**
 * Section: SQLite-backed Durable Objects, measured inside workerd. The Worker (worker.ts + the targets + litedao
 * + Drizzle) is bundled with esbuild and run by Miniflare with a SQLite-backed object class; Node triggers each
 * run with one dispatchFetch, the Worker hands it to a fresh object, and the object times the workload next to
 * its database.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import type { Section } from '../shared/harness.ts';
import { type LitedaoSql, type Measurement, type Sizes, WORKLOADS } from '../shared/workloads.ts';
import { DO_BASELINE, DO_CONTROL, DO_PLAIN, DO_TARGETS } from './targets.ts';

export interface DoClockReport {
  readonly cpuOnly30ms: number;
  readonly execSelectOneUs: number;
  readonly fenceMs: number;
  readonly rpcRoundTripMs: number;
}

async function bundleWorker(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    minify: false,
    logLevel: 'silent',
  });
  return (out.outputFiles[0] as { text: string }).text;
}

export interface DoSection extends Section {
  readonly missing: Map<string, string>;
  clock(): Promise<DoClockReport>;
  dispose(): Promise<void>;
}

export async function doSection(sizes: Sizes, sql: LitedaoSql): Promise<DoSection> {
  const script = await bundleWorker();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script,
      durableObjects: { BENCH: { className: 'BenchObject', useSQLite: true } },
      compatibilityDate: '2026-11-01',
      compatibilityFlags: ['nodejs_compat'],
    }),
  );
  await mf.ready;
  const missing = new Map<string, string>();
  for (const t of DO_TARGETS) for (const [w, why] of Object.entries(t.missing ?? {})) missing.set(`${t.name}\u0000${w}`, why);
  const sizesParam = JSON.stringify(sizes);
  const sqlParam = JSON.stringify(sql);
  return {
    id: 'do',
    title: 'SQLite-backed Durable Objects in workerd (Miniflare), timed inside the object',
    targets: DO_TARGETS.map((t) => t.name),
    baseline: DO_BASELINE,
    control: DO_CONTROL,
    plain: DO_PLAIN,
    workloads: WORKLOADS,
    missing,
    supports: (target, w) => !missing.has(`${target}\u0000${w}`),
    async measure(target, workload): Promise<Measurement> {
      const q = new URLSearchParams({ target, workload, sizes: sizesParam, sql: sqlParam });
      const res = await mf.dispatchFetch(`http://bench/run?${q}`, { method: 'POST' });
      const text = await res.text();
      if (!res.ok) throw new Error(`DO ${target} / ${workload}: ${res.status} ${text}`);
      return JSON.parse(text) as Measurement;
    },
    async clock() {
      const res = await mf.dispatchFetch('http://bench/clock');
      const text = await res.text();
      if (!res.ok) throw new Error(`DO clock: ${res.status} ${text}`);
      return JSON.parse(text) as DoClockReport;
    },
    dispose: () => mf.dispose(),
  };
}

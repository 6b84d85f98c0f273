/**
 * Section 2: Cloudflare D1, measured inside workerd. The Worker (worker.ts + the targets + litedao + Drizzle +
 * Kysely) is bundled with esbuild and run by Miniflare with a local D1 database; Node only triggers each run
 * with one dispatchFetch and reads back the time measured inside the Worker.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import type { Section } from '../shared/harness.ts';
import type { LitedaoSql } from '../shared/workloads.ts';
import { type Measurement, type Sizes, WORKLOADS } from '../shared/workloads.ts';
import { D1_BASELINE, D1_CONTROL, D1_TARGETS } from './targets.ts';

export interface ClockReport {
  readonly cpuOnly30ms: number;
  readonly afterTimerFence: number;
  readonly cpu30msThenD1Call: number;
  readonly fenceMs: number;
  readonly d1SelectOneMs: number;
}

export async function bundleWorker(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    minify: false,
    logLevel: 'silent',
  });
  return (out.outputFiles[0] as { text: string }).text;
}

export interface D1Section extends Section {
  readonly missing: Map<string, string>;
  clock(): Promise<ClockReport>;
  dispose(): Promise<void>;
}

export async function d1Section(sizes: Sizes, sql: LitedaoSql): Promise<D1Section> {
  const script = await bundleWorker();
  // Miniflare 5 takes a new options shape; convertV4MiniflareOptions() accepts the documented v4 one.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script,
      d1Databases: ['DB'],
      compatibilityDate: '2026-11-01',
      compatibilityFlags: ['nodejs_compat'],
    }),
  );
  await mf.ready;
  const missing = new Map<string, string>();
  for (const t of D1_TARGETS) for (const [w, why] of Object.entries(t.missing ?? {})) missing.set(`${t.name}\u0000${w}`, why);
  const sizesParam = JSON.stringify(sizes);
  const sqlParam = JSON.stringify(sql);
  return {
    id: 'd1',
    title: 'Cloudflare D1 in workerd (Miniflare local D1), timed inside the Worker',
    targets: D1_TARGETS.map((t) => t.name),
    baseline: D1_BASELINE,
    control: D1_CONTROL,
    workloads: WORKLOADS,
    missing,
    supports: (target, w) => !missing.has(`${target}\u0000${w}`),
    async measure(target, workload): Promise<Measurement> {
      const q = new URLSearchParams({ target, workload, sizes: sizesParam, sql: sqlParam });
      const res = await mf.dispatchFetch(`http://bench/run?${q}`, { method: 'POST' });
      const text = await res.text();
      if (!res.ok) throw new Error(`D1 ${target} / ${workload}: ${res.status} ${text}`);
      return JSON.parse(text) as Measurement;
    },
    async clock() {
      const res = await mf.dispatchFetch('http://bench/clock');
      const text = await res.text();
      if (!res.ok) throw new Error(`D1 clock: ${res.status} ${text}`);
      return JSON.parse(text) as ClockReport;
    },
    dispose: () => mf.dispose(),
  };
}

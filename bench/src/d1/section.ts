/**
 * Section 2: Cloudflare D1, measured inside workerd. The Worker (worker.ts + the targets + litedao + Drizzle +
 * Kysely) is bundled with esbuild and run by Miniflare with a local D1 database; Node only triggers each run
 * with one dispatchFetch and reads back the time measured inside the Worker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import type { Section } from '../shared/harness.ts';
import type { LitedaoSql } from '../shared/workloads.ts';
import { type Measurement, READ_WORKLOADS, type Sizes, WORKLOADS } from '../shared/workloads.ts';
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

/** The pid of this process's child named `workerd` (Linux /proc), or undefined. */
function workerdPid(): number | undefined {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const m = /^\d+ \((.*)\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        if (m && m[1] === 'workerd' && Number(m[2]) === process.pid) return Number(pid);
      } catch {
        // the process went away while we looked
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** CPU time of a process in ns: the sum over its threads of the first field of /proc/<pid>/task/<tid>/schedstat. */
function processCpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
    } catch {
      // the thread ended while we looked
    }
  }
  return ns;
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
  // Where /proc is there (Linux), runs are timed by workerd's CPU time around the one request that runs the
  // workload, less what an empty request costs: on a shared machine the wall clock also counts the time other
  // processes held the CPU. Elsewhere, the Worker's own wall-clock timing.
  const pid = workerdPid();
  let overheadNs = 0;
  if (pid !== undefined) {
    const noop: number[] = [];
    for (let i = 0; i < 40; i++) {
      const c0 = processCpuNs(pid);
      await (await mf.dispatchFetch('http://bench/noop')).arrayBuffer();
      noop.push(processCpuNs(pid) - c0);
    }
    noop.sort((a, b) => a - b);
    overheadNs = noop[noop.length >> 1] ?? 0;
  }
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
    timing: pid === undefined ? 'wall' : 'cpu',
    missing,
    supports: (target, w) => !missing.has(`${target}\u0000${w}`),
    async measure(target, workload): Promise<Measurement> {
      const q = new URLSearchParams({ target, workload, sizes: sizesParam, sql: sqlParam });
      const prepared = await mf.dispatchFetch(`http://bench/prepare?${q}`, { method: 'POST' });
      if (!prepared.ok) throw new Error(`D1 ${target} / ${workload}: ${prepared.status} ${await prepared.text()}`);
      await prepared.arrayBuffer();
      const c0 = pid === undefined ? 0 : processCpuNs(pid);
      const res = await mf.dispatchFetch('http://bench/run', { method: 'POST' });
      const text = await res.text();
      const cpuMs = pid === undefined ? 0 : Math.max(0, processCpuNs(pid) - c0 - overheadNs) / 1e6;
      if (!res.ok) throw new Error(`D1 ${target} / ${workload}: ${res.status} ${text}`);
      const { ms, read } = JSON.parse(text) as { ms: number; read: number };
      let checksum = String(read);
      if (!READ_WORKLOADS.has(workload))
        checksum = ((await (await mf.dispatchFetch('http://bench/digest')).json()) as { digest: string }).digest;
      return { ms: pid === undefined ? ms : cpuMs, checksum };
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

/**
 * The round runner. Per round and workload, every target runs once on a fresh database, in an order rotated
 * by one place each round (so no target always runs first or last, right after another's garbage); the time
 * ratio against the baseline is taken within the round. Round 0 is a warm-up (JIT, statement caches, page
 * cache of the allocator) and is discarded. Reported: the median of the per-round ratios and their min–max.
 */
import type { Measurement, WorkloadId } from './workloads.ts';

/** One benchmark section: a set of targets over one database engine. */
export interface Section {
  readonly id: string;
  readonly title: string;
  /** Target names in report order. */
  readonly targets: readonly string[];
  /** The target every ratio is taken against. */
  readonly baseline: string;
  /** A second copy of the baseline's code: its ratio shows the noise of the machine. */
  readonly control?: string | undefined;
  /** The plain raw driver (no litedao-equivalent work): every ratio is also reported against it. */
  readonly plain?: string | undefined;
  readonly workloads: readonly WorkloadId[];
  /** What `Measurement.ms` counts: the process's CPU time (in-process sections) or wall time (default). */
  readonly timing?: 'cpu' | 'wall' | undefined;
  /** Whether a target has this workload (a missing one is reported as n/a, with a reason). */
  supports(target: string, workload: WorkloadId): boolean;
  /** Runs one workload on one target on a fresh database; times only the workload. */
  measure(target: string, workload: WorkloadId): Promise<Measurement>;
  /** Called between runs (e.g. a GC in Node). */
  settle?(): void | Promise<void>;
}

/** Everything measured for one target on one workload. */
export interface Cell {
  /** Per measured round, milliseconds. */
  readonly ms: number[];
  /** Per measured round, ms / baseline ms of the same round. */
  readonly ratios: number[];
  /** Rounds whose checksum differed from the baseline's of the same round. */
  mismatches: number;
  /** The first differing checksum, for the report. */
  firstMismatch?: string;
  readonly checksums: string[];
}

export interface SectionResult {
  readonly section: Section;
  readonly rounds: number;
  readonly cells: Map<string, Cell>;
  readonly seconds: number;
}

export const cellKey = (target: string, workload: WorkloadId): string => `${target}\u0000${workload}`;

/**
 * Per-round ratios of a target against another reference target (e.g. the plain raw driver): every target of a
 * workload runs once per round, so the rounds line up. Undefined when either has no measurement.
 */
export function ratiosAgainst(result: SectionResult, target: string, reference: string, w: WorkloadId): number[] | undefined {
  const a = result.cells.get(cellKey(target, w));
  const b = result.cells.get(cellKey(reference, w));
  if (!a?.ms.length || !b?.ms.length || a.ms.length !== b.ms.length) return undefined;
  return a.ms.map((ms, i) => ms / (b.ms[i] as number));
}

export interface RunOptions {
  /** Measured rounds (after the warm-up). */
  readonly rounds: number;
  /** Progress output. */
  readonly log: (text: string) => void;
}

export async function runSection(section: Section, options: RunOptions): Promise<SectionResult> {
  const started = performance.now();
  const cells = new Map<string, Cell>();
  for (const t of section.targets) {
    for (const w of section.workloads) cells.set(cellKey(t, w), { ms: [], ratios: [], mismatches: 0, checksums: [] });
  }
  const n = section.targets.length;
  for (let round = 0; round <= options.rounds; round++) {
    const warmup = round === 0;
    options.log(`  ${section.id} ${warmup ? 'warm-up' : `round ${round}/${options.rounds}`}:`);
    for (const w of section.workloads) {
      const order = section.targets.map((_, i) => section.targets[(i + round) % n] as string);
      const got = new Map<string, Measurement>();
      for (const target of order) {
        if (!section.supports(target, w)) continue;
        await section.settle?.();
        got.set(target, await section.measure(target, w));
      }
      options.log(` ${w}`);
      if (warmup) continue;
      const base = got.get(section.baseline);
      if (!base) throw new Error(`${section.id}: the baseline has no ${w} workload`);
      for (const [target, m] of got) {
        const cell = cells.get(cellKey(target, w)) as Cell;
        cell.ms.push(m.ms);
        cell.ratios.push(m.ms / base.ms);
        cell.checksums.push(m.checksum);
        if (m.checksum !== base.checksum) {
          cell.mismatches++;
          cell.firstMismatch ??= `${m.checksum} (baseline: ${base.checksum})`;
        }
      }
    }
    options.log('\n');
  }
  return { section, rounds: options.rounds, cells, seconds: (performance.now() - started) / 1000 };
}

/**
 * The round runner. Per round and workload, every target runs `bestOf` times, each on a fresh database, the
 * targets in a new random order for every pass (a fixed seed): no target always runs first or last, or right
 * after the same other target — a rotated order kept each target behind the same neighbour, and the
 * identical-code control, always run right after the baseline, read 0.72–0.89× on point selects in every round
 * of a 5-round run. A target's fastest run is its time in the round; the time ratio against the baseline is
 * taken within the round. Round 0 is a warm-up (JIT, statement caches, page cache of the allocator) and is
 * discarded. Reported: the median of the per-round ratios and their min–max.
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
  /**
   * Runs per target and workload in a round (each on a fresh database, interleaved with the other targets' runs);
   * the fastest one is the round's time. Interference on a shared machine only ever adds time, so the fastest
   * of a few runs is the steadiest estimate of the code's own cost. Every run's checksum is checked. Default 1.
   */
  readonly bestOf?: number;
  /** Progress output. */
  readonly log: (text: string) => void;
}

/** A small deterministic generator (mulberry32): the run order is random but the same in every bench run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates shuffle of a copy. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function runSection(section: Section, options: RunOptions): Promise<SectionResult> {
  const started = performance.now();
  const cells = new Map<string, Cell>();
  for (const t of section.targets) {
    for (const w of section.workloads) cells.set(cellKey(t, w), { ms: [], ratios: [], mismatches: 0, checksums: [] });
  }
  // A fixed seed: the same sequence of orders in every run of the bench.
  const random = seededRandom(0x5eed);
  const bestOf = options.bestOf ?? 1;
  if (!Number.isInteger(bestOf) || bestOf < 1) throw new Error('bestOf must be a positive integer');
  for (let round = 0; round <= options.rounds; round++) {
    const warmup = round === 0;
    options.log(`  ${section.id} ${warmup ? 'warm-up' : `round ${round}/${options.rounds}`}:`);
    for (const w of section.workloads) {
      // Per target: the fastest run of the round and every run's checksum.
      const got = new Map<string, { ms: number; checksums: string[] }>();
      for (let rep = 0; rep < (warmup ? 1 : bestOf); rep++) {
        for (const target of shuffled(section.targets, random)) {
          if (!section.supports(target, w)) continue;
          await section.settle?.();
          const m: Measurement = await section.measure(target, w);
          const best = got.get(target);
          if (best === undefined) got.set(target, { ms: m.ms, checksums: [m.checksum] });
          else {
            best.ms = Math.min(best.ms, m.ms);
            best.checksums.push(m.checksum);
          }
        }
      }
      options.log(` ${w}`);
      if (warmup) continue;
      const base = got.get(section.baseline);
      if (!base) throw new Error(`${section.id}: the baseline has no ${w} workload`);
      const baseSum = base.checksums[0] as string;
      for (const [target, m] of got) {
        const cell = cells.get(cellKey(target, w)) as Cell;
        cell.ms.push(m.ms);
        cell.ratios.push(m.ms / base.ms);
        cell.checksums.push(m.checksums[0] as string);
        const wrong = m.checksums.find((c) => c !== baseSum);
        if (wrong !== undefined) {
          cell.mismatches++;
          cell.firstMismatch ??= `${wrong} (baseline: ${baseSum})`;
        }
      }
    }
    options.log('\n');
  }
  return { section, rounds: options.rounds, cells, seconds: (performance.now() - started) / 1000 };
}

/** litedao's targets from the issue, checked against the measured median ratios. */
import { cellKey, type SectionResult } from './harness.ts';
import { fmtRatio, fmtRatioSpread, median } from './stats.ts';
import { WORKLOAD_LABELS, type WorkloadId } from './workloads.ts';

export interface TargetCheck {
  readonly result: SectionResult;
  readonly env: 'node' | 'd1' | 'do' | 'wasm';
}

/** Time-ratio limits per environment and workload (issue "Benchmarks: litedao against the raw drivers…"). */
const LIMITS: Record<TargetCheck['env'], Record<WorkloadId, number>> = {
  node: { point: 1.2, list: 1.1, update: 1.2, insert: 1.2, bulk: 1.1 },
  // D1: ≤ 1.1× for the sequential (one call per operation) workloads, ≤ 1.2× against raw batch().
  d1: { point: 1.1, list: 1.1, update: 1.2, insert: 1.2, bulk: 1.2 },
  // Durable Objects: the D1 section's targets (issue 15: "with the ratio targets of the D1 section").
  do: { point: 1.1, list: 1.1, update: 1.2, insert: 1.2, bulk: 1.2 },
  wasm: { point: 1.2, list: 1.2, update: 1.2, insert: 1.2, bulk: 1.2 },
};

const LITEDAO = ['litedao (session)', 'litedao (DAO)'];

function ratioOf(result: SectionResult, target: string, w: WorkloadId): number | undefined {
  const c = result.cells.get(cellKey(target, w));
  return c?.ratios.length ? median(c.ratios) : undefined;
}

export function verdictMarkdown(checks: readonly TargetCheck[]): string {
  const rows: string[] = [];
  let met = 0;
  let missed = 0;
  for (const { result, env } of checks) {
    const s = result.section;
    for (const w of s.workloads) {
      const control = s.control ? result.cells.get(cellKey(s.control, w)) : undefined;
      for (const t of LITEDAO) {
        const r = ratioOf(result, t, w);
        if (r === undefined) continue;
        const limit = LIMITS[env][w];
        const ok = r <= limit;
        if (ok) met++;
        else missed++;
        rows.push(
          `| ${env} | ${WORKLOAD_LABELS[w]} | ${t} | ≤ ${limit.toFixed(1)}× vs ${s.baseline} | ${fmtRatio(r)} | ${ok ? 'met' : '**missed**'} | ${control ? fmtRatioSpread(control.ratios) : ''} |`,
        );
      }
      // "litedao must be ahead of both [Drizzle forms] without asking users to prepare anything."
      for (const rival of s.targets.filter((x) => x.startsWith('drizzle-orm'))) {
        const theirs = ratioOf(result, rival, w);
        const ours = ratioOf(result, 'litedao (session)', w);
        if (theirs === undefined || ours === undefined) continue;
        const ok = ours < theirs;
        if (ok) met++;
        else missed++;
        rows.push(
          `| ${env} | ${WORKLOAD_LABELS[w]} | litedao (session) | ahead of ${rival} (${fmtRatio(theirs)}) | ${fmtRatio(ours)} | ${ok ? 'met' : '**missed**'} | |`,
        );
      }
    }
  }
  return [
    '### litedao targets',
    '',
    `${met} met, ${missed} missed. Ratios are medians of per-round time ratios; the noise column is the identical-code control's median (min–max) on the same workload.`,
    '',
    '| env | workload | litedao via | target | measured | verdict | noise (control) |',
    '| --- | --- | --- | --- | ---: | --- | ---: |',
    ...rows,
  ].join('\n');
}

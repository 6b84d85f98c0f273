/** litedao's targets from issue 14, checked against the measured median ratios. */
import { cellKey, ratiosAgainst, type SectionResult } from './harness.ts';
import { fmtRatio, fmtRatioSpread, median } from './stats.ts';
import { WORKLOAD_LABELS, type WorkloadId } from './workloads.ts';

export interface TargetCheck {
  readonly result: SectionResult;
  readonly env: 'node' | 'd1' | 'do' | 'wasm';
}

/**
 * Time-ratio limits against the section's "same work" baseline (issue 14):
 * - Node: ≤ 1.2× on every workload, bulk insert ≤ 1.1×, load-modify-commit ≤ 1.5×; and at or below
 *   drizzle-orm's prepared form on every workload it has.
 * - sqlite-wasm: ≤ 1.2× the best hand-written oo1 code on every workload.
 * - D1 inside workerd: ≤ 1.1× raw on sequential work (one call per operation: the reads and the loads of
 *   load-modify-commit), ≤ 1.0× raw `batch()` on batched work.
 * - Durable Objects: the D1 section's targets (issue 15).
 */
const LIMITS: Record<TargetCheck['env'], Record<WorkloadId, number>> = {
  node: { point: 1.2, list: 1.2, update: 1.2, insert: 1.2, bulk: 1.1, modify: 1.5 },
  d1: { point: 1.1, list: 1.1, update: 1.0, insert: 1.0, bulk: 1.0, modify: 1.1 },
  // Durable Objects: the D1 section's targets (issue 15: "with the ratio targets of the D1 section").
  do: { point: 1.1, list: 1.1, update: 1.0, insert: 1.0, bulk: 1.0, modify: 1.1 },
  wasm: { point: 1.2, list: 1.2, update: 1.2, insert: 1.2, bulk: 1.2, modify: 1.2 },
};

const LITEDAO = ['litedao (session)', 'litedao (DAO)'];

function ratioOf(result: SectionResult, target: string, w: WorkloadId): number | undefined {
  const c = result.cells.get(cellKey(target, w));
  return c?.ratios.length ? median(c.ratios) : undefined;
}

/** The verdict rows and counts; `rows` are markdown table rows. */
export function verdicts(checks: readonly TargetCheck[]): { met: number; missed: number; rows: string[] } {
  const rows: string[] = [];
  let met = 0;
  let missed = 0;
  const row = (cells: string[]) => rows.push(`| ${cells.join(' | ')} |`);
  for (const { result, env } of checks) {
    const s = result.section;
    for (const w of s.workloads) {
      const control = s.control ? result.cells.get(cellKey(s.control, w)) : undefined;
      const noise = control?.ratios.length ? fmtRatioSpread(control.ratios) : '';
      for (const t of LITEDAO) {
        const r = ratioOf(result, t, w);
        if (r === undefined) continue;
        const plain = s.plain ? ratiosAgainst(result, t, s.plain, w) : undefined;
        const limit = LIMITS[env][w];
        const ok = r <= limit;
        if (ok) met++;
        else missed++;
        row([
          env,
          WORKLOAD_LABELS[w],
          t,
          `≤ ${limit.toFixed(1)}× ${s.baseline}`,
          fmtRatio(r),
          ok ? 'met' : '**missed**',
          plain ? fmtRatio(median(plain)) : '',
          noise,
        ]);
        // "every workload at or below drizzle-prepared"
        for (const rival of s.targets.filter((x) => x.includes('.prepare()'))) {
          const theirs = ratioOf(result, rival, w);
          if (theirs === undefined) continue;
          const ahead = r <= theirs;
          if (ahead) met++;
          else missed++;
          const theirsPlain = s.plain ? ratiosAgainst(result, rival, s.plain, w) : undefined;
          row([
            env,
            WORKLOAD_LABELS[w],
            t,
            `≤ ${rival} (${fmtRatio(theirs)})`,
            fmtRatio(r),
            ahead ? 'met' : '**missed**',
            theirsPlain ? `${fmtRatio(median(theirsPlain))} (theirs)` : '',
            '',
          ]);
        }
      }
    }
  }
  return { met, missed, rows };
}

export function verdictMarkdown(
  checks: readonly TargetCheck[],
  extra: { met: number; missed: number; rows: string[] } = { met: 0, missed: 0, rows: [] },
): string {
  const v = verdicts(checks);
  const met = v.met + extra.met;
  const missed = v.missed + extra.missed;
  const rows = [...v.rows, ...extra.rows];
  return [
    '### litedao targets',
    '',
    `${met} met, ${missed} missed. "measured" is the median of per-round time ratios against the section's same-work baseline; ` +
      '"vs plain" the same against the plain raw driver (Node only); the noise column is the identical-code control\'s median (min–max) on the same workload.',
    '',
    '| env | workload | litedao via | target | measured | verdict | vs plain | noise (control) |',
    '| --- | --- | --- | --- | ---: | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Markdown tables of a section's results. */
import { type Cell, cellKey, ratiosAgainst, type SectionResult } from './harness.ts';
import { fmtMs, fmtRatioSpread, median } from './stats.ts';
import { describeSizes, type Sizes, WORKLOAD_LABELS, type WorkloadId } from './workloads.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function label(result: SectionResult, target: string): string {
  const s = result.section;
  if (target === s.baseline) return `${target} **(baseline)**`;
  if (target === s.control) return `${target} _(noise control)_`;
  if (target === s.plain) return `${target} _(plain reference)_`;
  return target;
}

/** The ratio table, the time table and the checksum verdict of one section. */
export function sectionMarkdown(result: SectionResult, sizes: Sizes, missing: ReadonlyMap<string, string> = new Map()): string {
  const s = result.section;
  const workloads = s.workloads;
  const header = ['target', ...workloads.map((w) => WORKLOAD_LABELS[w])];
  const sizeRow = ['_work per run_', ...workloads.map((w) => describeSizes(sizes)[w])];
  const cell = (t: string, w: WorkloadId): Cell | undefined => result.cells.get(cellKey(t, w));
  const na = (t: string, w: WorkloadId) => (missing.has(`${t}\u0000${w}`) ? 'n/a¹' : 'n/a');
  const ratioRows = s.targets.map((t) => [
    label(result, t),
    ...workloads.map((w) => {
      const c = cell(t, w);
      return c?.ratios.length ? fmtRatioSpread(c.ratios) : na(t, w);
    }),
  ]);
  const plain = s.plain;
  const plainRows = plain
    ? s.targets.map((t) => [
        label(result, t),
        ...workloads.map((w) => {
          const r = ratiosAgainst(result, t, plain, w);
          return r ? fmtRatioSpread(r) : na(t, w);
        }),
      ])
    : [];
  const msRows = s.targets.map((t) => [
    label(result, t),
    ...workloads.map((w) => {
      const c = cell(t, w);
      return c?.ms.length ? fmtMs(median(c.ms)) : na(t, w);
    }),
  ]);
  const bad: string[] = [];
  for (const t of s.targets) {
    for (const w of workloads) {
      const c = cell(t, w);
      if (c && c.mismatches > 0) bad.push(`- **${t} / ${w}: checksum differs in ${c.mismatches} round(s)**: ${c.firstMismatch}`);
    }
  }
  const notes = [...missing.entries()].map(([k, why]) => {
    const [t, w] = k.split('\u0000');
    return `${t} / ${w}: ${why}`;
  });
  const out = [
    `### ${s.title}`,
    '',
    `${s.timing === 'cpu' ? 'CPU-time' : 'Time'} ratio against **${s.baseline}**: median of ${result.rounds} per-round ratios (min–max). Lower is faster.`,
    '',
    table(header, [sizeRow, ...ratioRows]),
    '',
    ...(plain
      ? [
          `The same runs against **${plain}** (the issue's plain baseline: no litedao-equivalent work), median (min–max) of per-round ratios:`,
          '',
          table(header, plainRows),
          '',
        ]
      : []),
    s.timing === 'cpu'
      ? 'Median CPU time per run (all threads of the process that runs the database: Node in process, workerd for D1), milliseconds:'
      : 'Median time per run, milliseconds:',
    '',
    table(header, msRows),
    '',
    bad.length
      ? `Checksums: **MISMATCH**\n${bad.join('\n')}`
      : `Checksums: every target returned / left exactly what the baseline did, in every round (${result.seconds.toFixed(0)} s for the section).`,
  ];
  if (notes.length) out.push('', `¹ ${notes.join('; ')}.`);
  return out.join('\n');
}

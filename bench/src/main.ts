/**
 * `npm run bench` (from the repository root): litedao against the raw drivers, Drizzle and Kysely, in one
 * process, printing markdown tables: Node/better-sqlite3, D1 inside workerd, sqlite-wasm, bundle sizes, and
 * the verdict on litedao's targets. See bench/README.md for the options and docs/benchmarks.md for a run.
 */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { d1Section } from './d1/section.ts';
import { doSection } from './do/section.ts';
import { measureMemory, memoryMarkdown, memoryVerdicts } from './memory/section.ts';
import { nodeLitedaoSql, nodeSection } from './node/section.ts';
import { environmentMarkdown } from './shared/environment.ts';
import { runSection, type SectionResult } from './shared/harness.ts';
import { sectionMarkdown } from './shared/report.ts';
import { type TargetCheck, verdictMarkdown } from './shared/verdict.ts';
import { buildInputs, FULL_SIZES, type Sizes } from './shared/workloads.ts';
import { measureSizes, sizesMarkdown } from './sizes/section.ts';
import { wasmSection } from './wasm/section.ts';

const HELP = `usage: npm run bench -- [--quick] [--rounds=N] [--best-of=N] [--only=node,memory,d1,do,wasm,sizes] [--out=FILE]
  --quick      3 measured rounds of 1 run on a quarter of the work (a smoke run; the recorded numbers use the defaults)
  --rounds=N   measured rounds after the warm-up (default 5)
  --best-of=N  runs per target and workload in a round, the fastest kept (default 3)
  --only=…    sections to run (default: all)
  --out=FILE  also write the markdown report to FILE`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const rounds = Number(option('rounds') ?? (quick ? 3 : 5));
const only = new Set((option('only') ?? 'node,memory,d1,do,wasm,sizes').split(','));
const out = option('out');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const bestOf = Number(option('best-of') ?? (quick ? 1 : 3));
if (!Number.isInteger(bestOf) || bestOf < 1) throw new Error('--best-of must be a positive integer');

const scale = (s: Sizes, f: number): Sizes => ({
  point: Math.round(s.point * f),
  list: Math.round(s.list * f),
  update: Math.round(s.update * f),
  insert: Math.round(s.insert * f),
  bulk: Math.round(s.bulk * f),
  modify: Math.round(s.modify * f),
});
const nodeSizes = quick ? scale(FULL_SIZES, 0.25) : FULL_SIZES;
// A D1 call costs ~0.5 ms even inside workerd, so the two read loops are shortened to keep the run near
// 10 minutes; the write workloads keep their full size (each is one batch).
const d1Sizes: Sizes = quick
  ? { point: 500, list: 20, update: 2500, insert: 2500, bulk: 2500, modify: 1000 }
  : { ...FULL_SIZES, point: 2000, list: 50, modify: 2000 };
const memoryRows = quick ? 25_000 : 100_000;

const log = (text: string) => process.stderr.write(text);
const report: string[] = [];
const print = (md: string) => {
  console.log(`${md}\n`);
  report.push(md);
};
const started = performance.now();
const checks: TargetCheck[] = [];
const extraChecks = { met: 0, missed: 0, rows: [] as string[] };
// The SQL litedao sends for the workloads, captured from litedao: the "same work" baselines send these texts.
const litedaoSql = await nodeLitedaoSql(buildInputs(nodeSizes));

const probe = new Database(':memory:');
const bsqliteVersion = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
probe.close();
const envExtra: Record<string, string> = { 'SQLite (better-sqlite3)': bsqliteVersion };

print('## litedao benchmarks');
print(
  `Rounds: ${rounds} measured + 1 warm-up (discarded) per section; in each, every target runs ${bestOf === 1 ? 'once' : `${bestOf} times (interleaved) and its fastest run counts`}; targets in a new random order (fixed seed) for every pass; a fresh database per run.${quick ? ' **--quick: reduced work, not for the record.**' : ''}`,
);

if (only.has('node')) {
  const inputs = buildInputs(nodeSizes);
  const section = nodeSection(inputs, litedaoSql);
  log('Node / better-sqlite3\n');
  const result: SectionResult = await runSection(section, { rounds, bestOf, log });
  print(sectionMarkdown(result, nodeSizes, section.missing));
  checks.push({ result, env: 'node' });
}

if (only.has('memory')) {
  log('memory\n');
  const m = await measureMemory(memoryRows, litedaoSql, rounds, log);
  print(memoryMarkdown(m));
  const v = memoryVerdicts(m);
  extraChecks.met += v.met;
  extraChecks.missed += v.missed;
  extraChecks.rows.push(...v.rows);
}

if (only.has('d1')) {
  log('D1 in workerd (bundling the Worker, starting Miniflare)\n');
  const section = await d1Section(d1Sizes, litedaoSql);
  try {
    const clock = await section.clock();
    const result = await runSection(section, { rounds, bestOf, log });
    print(sectionMarkdown(result, d1Sizes, section.missing));
    print(
      [
        "workerd's clock, measured inside the Worker by `GET /clock`:",
        `a 30 ms CPU spin with no I/O read as ${clock.cpuOnly30ms} ms; the same spin followed by one D1 call as ${clock.cpu30msThenD1Call} ms;`,
        `the timer fence that closes every timed region costs ${clock.fenceMs.toFixed(3)} ms; one \`SELECT 1\` through the binding costs ${clock.d1SelectOneMs.toFixed(3)} ms.`,
      ].join(' '),
    );
    checks.push({ result, env: 'd1' });
  } finally {
    await section.dispose();
  }
}

if (only.has('do')) {
  log('Durable Objects in workerd (bundling the Worker, starting Miniflare)\n');
  const section = await doSection(nodeSizes, litedaoSql);
  try {
    const clock = await section.clock();
    const result = await runSection(section, { rounds, bestOf, log });
    print(sectionMarkdown(result, nodeSizes, section.missing));
    print(
      [
        'Inside the object, measured by `GET /clock`:',
        `a 30 ms CPU spin with no I/O read as ${clock.cpuOnly30ms} ms; one \`ctx.storage.sql.exec('SELECT 1')\` costs ${clock.execSelectOneUs.toFixed(1)} µs;`,
        `the timer fence that closes every timed region costs ${clock.fenceMs.toFixed(3)} ms; one Worker → object RPC round trip costs ${clock.rpcRoundTripMs.toFixed(3)} ms (same process).`,
      ].join(' '),
    );
    checks.push({ result, env: 'do' });
  } finally {
    await section.dispose();
  }
}

if (only.has('wasm')) {
  const inputs = buildInputs(nodeSizes);
  const section = await wasmSection(inputs, litedaoSql);
  envExtra['SQLite (sqlite-wasm)'] = section.sqliteVersion;
  log('sqlite-wasm\n');
  const result = await runSection(section, { rounds, bestOf, log });
  print(sectionMarkdown(result, nodeSizes));
  checks.push({ result, env: 'wasm' });
}

if (only.has('sizes')) {
  log('bundle sizes\n');
  print(sizesMarkdown(await measureSizes()));
}

if (checks.length || extraChecks.rows.length) print(verdictMarkdown(checks, extraChecks));
print(`### Machine and versions\n\n${environmentMarkdown(envExtra)}`);
print(`Total time: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
if (out) writeFileSync(out, `${report.join('\n\n')}\n`);

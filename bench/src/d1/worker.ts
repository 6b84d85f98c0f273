/**
 * The Worker that runs the D1 section inside workerd (bundled by esbuild, run by Miniflare; see section.ts).
 *
 *   POST /prepare?target=…&workload=…&sizes=…&sql=…  untimed: fresh table, seed, a warm-up of the workload
 *                                          on 5 % of the data, fresh table and seed again, the target opened
 *   POST /run                              the prepared workload, timed inside → { ms, read }
 *   GET  /digest                           the digest of the table (a write workload's checksum)
 *   GET  /noop                             nothing (the section calibrates the cost of a request with it)
 *   GET  /clock                            how workerd's clock behaves (reported with the results)
 *
 * The section (section.ts) counts workerd's CPU time around `/run` alone; `ms` is the in-Worker wall time.
 *
 * Timing: workerd's `performance.now()` only advances when the isolate receives I/O (a Spectre
 * mitigation: https://developers.cloudflare.com/workers/runtime-apis/performance/). Every D1 call is I/O, so
 * a loop of D1 calls is timed correctly up to its last call; the CPU work after that last call (e.g. mapping
 * the rows of the last result) is only seen once more I/O arrives. Each timed region therefore ends with one
 * cheap I/O fence, the same for every target (its cost is reported by /clock).
 */
import { createAllStatements } from '@litedao/core';
import { User } from '../shared/models.ts';
import {
  buildInputs,
  chunks,
  digestString,
  type Inputs,
  type LitedaoSql,
  type Sizes,
  SQL,
  seedParams,
  type WorkloadId,
  warmUpSizes,
} from '../shared/workloads.ts';
import { D1_TARGETS, type D1Binding } from './targets.ts';

interface Env {
  readonly DB: D1Binding;
}

const inputsCache = new Map<string, Inputs>();

/** The I/O fence that lets workerd's clock catch up after the last call of a workload. */
function fence(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function resetDatabase(db: D1Binding, inputs: Inputs): Promise<void> {
  await db.batch([db.prepare('DROP TABLE IF EXISTS "users"'), ...createAllStatements([User]).map((s) => db.prepare(s.sql))]);
  // One statement per seed row: each carries its own (distinct) timestamps.
  const seed = db.prepare(SQL.seed);
  for (const c of chunks(inputs.seed, 500)) await db.batch(c.map((r) => seed.bind(...seedParams(r))));
}

function inputsFor(sizes: Sizes): Inputs {
  const key = JSON.stringify(sizes);
  let inputs = inputsCache.get(key);
  if (!inputs) {
    inputs = buildInputs(sizes);
    inputsCache.set(key, inputs);
  }
  return inputs;
}

/** The workload `/prepare` readied for `/run`. */
let pending: { readonly fn: (inputs: Inputs) => Promise<number>; readonly inputs: Inputs } | undefined;

async function prepare(env: Env, params: URLSearchParams): Promise<Response> {
  pending = undefined;
  const targetName = params.get('target') ?? '';
  const workload = params.get('workload') as WorkloadId;
  const sizes = JSON.parse(params.get('sizes') ?? 'null') as Sizes | null;
  const sql = JSON.parse(params.get('sql') ?? 'null') as LitedaoSql | null;
  if (!sql || !sizes) return new Response('missing sql or sizes', { status: 400 });
  const inputs = inputsFor(sizes);
  const warm = inputsFor(warmUpSizes(sizes));
  const target = D1_TARGETS.find((t) => t.name === targetName);
  if (!target) return new Response(`unknown target ${targetName}`, { status: 400 });
  // Untimed warm-up: the same workload on a little data, so the timed run starts with compiled code.
  await resetDatabase(env.DB, warm);
  await target.open(env.DB, sql)[workload]?.(warm);
  await resetDatabase(env.DB, inputs);
  const fn = target.open(env.DB, sql)[workload];
  if (!fn) return new Response(`${targetName} has no ${workload}`, { status: 400 });
  pending = { fn, inputs };
  return new Response(null, { status: 204 });
}

async function run(): Promise<Response> {
  const job = pending;
  pending = undefined;
  if (!job) return new Response('nothing prepared', { status: 400 });
  await fence();
  const t0 = performance.now();
  const read = await job.fn(job.inputs);
  await fence();
  const ms = performance.now() - t0;
  return Response.json({ ms, read });
}

async function digest(env: Env): Promise<Response> {
  return Response.json({ digest: digestString(await env.DB.prepare(SQL.digest).first<Record<string, unknown>>()) });
}

/** Measures what the notes in docs/benchmarks.md claim about workerd's clock. */
async function clock(env: Env): Promise<Response> {
  const spin = (ms: number) => {
    const end = Date.now() + ms;
    let x = 0;
    while (Date.now() < end) x++;
    return x;
  };
  const a = performance.now();
  spin(30);
  const b = performance.now();
  await fence();
  const c = performance.now();
  spin(30);
  await env.DB.prepare('SELECT 1').first();
  const d = performance.now();
  const fences = 200;
  for (let i = 0; i < fences; i++) await fence();
  const e = performance.now();
  const calls = 200;
  for (let i = 0; i < calls; i++) await env.DB.prepare('SELECT 1').first();
  const f = performance.now();
  return Response.json({
    cpuOnly30ms: b - a,
    afterTimerFence: c - a,
    cpu30msThenD1Call: d - c,
    fenceMs: (e - d) / fences,
    d1SelectOneMs: (f - e) / calls,
  });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/prepare') return await prepare(env, url.searchParams);
      if (url.pathname === '/run') return await run();
      if (url.pathname === '/digest') return await digest(env);
      if (url.pathname === '/noop') return new Response(null, { status: 204 });
      if (url.pathname === '/clock') return await clock(env);
      return new Response('not found', { status: 404 });
    } catch (error) {
      const e = error as Error;
      return new Response(`${e.name}: ${e.message}\n${e.stack ?? ''}`, { status: 500 });
    }
  },
};

/**
 * The Worker that runs the Durable Object section inside workerd (bundled by esbuild, run by Miniflare; see
 * section.ts). Each run gets a fresh SQLite-backed object (a fresh, empty database); the loop and its clock
 * run inside the object, next to `ctx.storage.sql`.
 *
 *   POST /run?target=…&workload=…&sizes=…&sql=…  fresh object, seed, one timed workload → { ms, checksum }
 *   GET  /clock                            how the clock behaves inside an object (reported with the results)
 */
import { DurableObject } from 'cloudflare:workers';
import { createAllStatements } from '@litedao/core';
import { User } from '../shared/models.ts';
import { buildInputs, chunks, digestString, type Inputs, type LitedaoSql, type Sizes, SQL, type WorkloadId } from '../shared/workloads.ts';
import { DO_ROWS_PER_INSERT, DO_TARGETS } from './targets.ts';

interface Env {
  readonly BENCH: BenchNamespace<BenchObject>;
}

const inputsCache = new Map<string, Inputs>();

/** The I/O fence that closes every timed region (workerd's clock may only advance on I/O; see the D1 worker). */
function fence(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class BenchObject extends DurableObject {
  async run(targetName: string, workload: WorkloadId, sizesText: string, sqlText: string): Promise<{ ms: number; checksum: string }> {
    const captured = JSON.parse(sqlText) as LitedaoSql;
    let inputs = inputsCache.get(sizesText);
    if (!inputs) {
      inputs = buildInputs(JSON.parse(sizesText) as Sizes);
      inputsCache.set(sizesText, inputs);
    }
    const target = DO_TARGETS.find((t) => t.name === targetName);
    if (!target) throw new Error(`unknown target ${targetName}`);
    const storage = this.ctx.storage;
    const sql = storage.sql;
    storage.transactionSync(() => {
      for (const s of createAllStatements([User])) sql.exec(s.sql);
      for (const c of chunks(inputs.seed, DO_ROWS_PER_INSERT)) sql.exec(SQL.insertMany(c.length), ...c.flatMap((r) => [r.name, r.email]));
    });
    const fn = target.open(storage, captured)[workload];
    if (!fn) throw new Error(`${targetName} has no ${workload}`);
    await fence();
    const t0 = performance.now();
    const read = await fn(inputs);
    await fence();
    const ms = performance.now() - t0;
    const checksum =
      workload === 'point' || workload === 'list' ? String(read) : digestString(sql.exec(SQL.digest).one() as Record<string, unknown>);
    return { ms, checksum };
  }

  /** Nothing: its round trip is the cost of one Worker → object call. */
  ping(): number {
    return 1;
  }

  async clock(): Promise<{ cpuOnly30ms: number; execSelectOneUs: number; fenceMs: number }> {
    const spin = (ms: number) => {
      const end = Date.now() + ms;
      let x = 0;
      while (Date.now() < end) x++;
      return x;
    };
    const a = performance.now();
    spin(30);
    const b = performance.now();
    const calls = 20_000;
    await fence();
    const c = performance.now();
    for (let i = 0; i < calls; i++) this.ctx.storage.sql.exec('SELECT 1').one();
    await fence();
    const d = performance.now();
    const fences = 200;
    for (let i = 0; i < fences; i++) await fence();
    const e = performance.now();
    return { cpuOnly30ms: b - a, execSelectOneUs: ((d - c) / calls) * 1000, fenceMs: (e - d) / fences };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/run') {
        const p = url.searchParams;
        const stub = env.BENCH.get(env.BENCH.idFromName(crypto.randomUUID()));
        return Response.json(
          await stub.run(p.get('target') ?? '', p.get('workload') as WorkloadId, p.get('sizes') ?? '', p.get('sql') ?? ''),
        );
      }
      if (url.pathname === '/clock') {
        // The Worker → object round trip (an RPC to a running object in the same process), for the README.
        const stub = env.BENCH.get(env.BENCH.idFromName('clock'));
        const inside = await stub.clock();
        const rounds = 200;
        const t0 = performance.now();
        for (let i = 0; i < rounds; i++) await stub.ping();
        return Response.json({ ...inside, rpcRoundTripMs: (performance.now() - t0) / rounds });
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      const e = error as Error;
      return new Response(`${e.name}: ${e.message}\n${e.stack ?? ''}`, { status: 500 });
    }
  },
};

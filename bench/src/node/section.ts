/** Section 1: Node, better-sqlite3 in process. */
import { createNodeDriver } from '@litedao/adapter-node';
import Database from 'better-sqlite3';
import type { Section } from '../shared/harness.ts';
import { captureLitedaoSql } from '../shared/litedao-sql.ts';
import { SCHEMA_SQL } from '../shared/models.ts';
import {
  buildInputs,
  digestString,
  type Inputs,
  type LitedaoSql,
  type Measurement,
  PLAIN_SQL,
  READ_WORKLOADS,
  type SeedUser,
  SQL,
  seedParams,
  WORKLOADS,
  warmUpSizes,
} from '../shared/workloads.ts';
import { cpuMs } from './gc.ts';
import { BASELINE, CONTROL, NODE_TARGETS, type NodeTarget, PLAIN } from './targets.ts';

/** A fresh in-memory database with the schema (litedao's or the plain one) and the seed rows. */
export function freshDatabase(seed: readonly SeedUser[], schema: 'litedao' | 'plain' = 'litedao'): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(schema === 'plain' ? PLAIN_SQL.schema : SCHEMA_SQL);
  const insert = db.prepare(SQL.seed);
  db.transaction(() => {
    for (const r of seed) insert.run(...seedParams(r));
  })();
  return db;
}

/** The SQL litedao sends for the workloads (captured once, on a seeded database of its own). */
export async function nodeLitedaoSql(inputs: Inputs): Promise<LitedaoSql> {
  return captureLitedaoSql(createNodeDriver(freshDatabase(inputs.seed) as never));
}

export interface NodeSection extends Section {
  readonly missing: Map<string, string>;
  readonly sql: LitedaoSql;
}

/**
 * The inputs of the untimed warm-up before each timed run (see `warmUpSizes`): each run builds a fresh engine,
 * driver and statements, whose objects V8 has not seen yet.
 *
 * There is deliberately no forced full GC between runs: V8 then discards the optimized code that depends on
 * the hidden classes of objects that all died (the previous run's model instances, sessions, statements), and
 * the timed run recompiles it — measured at +45 ms (2.3×) on litedao's 10,000 inserts and +1 ms on the raw
 * driver's, a cost of the forced collection, not of the code under test. Garbage one target leaves may be
 * collected on the next target's clock; the order rotates every round, so that is spread over all of them.
 */
export function warmUpInputs(sizes: Inputs['sizes']): Inputs {
  return buildInputs(warmUpSizes(sizes));
}

export function nodeSection(inputs: Inputs, sql: LitedaoSql): NodeSection {
  const warm = warmUpInputs(inputs.sizes);
  const byName = new Map<string, NodeTarget>(NODE_TARGETS.map((t) => [t.name, t]));
  const missing = new Map<string, string>();
  for (const t of NODE_TARGETS) for (const [w, why] of Object.entries(t.missing ?? {})) missing.set(`${t.name}\u0000${w}`, why);
  return {
    id: 'node',
    title: 'Node 22 · better-sqlite3 (in-memory database)',
    targets: NODE_TARGETS.map((t) => t.name),
    baseline: BASELINE,
    control: CONTROL,
    plain: PLAIN,
    workloads: WORKLOADS,
    timing: 'cpu',
    missing,
    sql,
    supports: (target, w) => !(byName.get(target)?.missing?.[w] !== undefined),
    async measure(target, w): Promise<Measurement> {
      const t = byName.get(target) as NodeTarget;
      // Untimed: the same workload, 5 % of it, on a throwaway database (see warmUpInputs).
      const scratch = freshDatabase(warm.seed, t.schema);
      const warmImpl = t.open(scratch, sql);
      await warmImpl[w]?.(warm);
      await warmImpl.close?.();
      if (scratch.open) scratch.close();
      const db = freshDatabase(inputs.seed, t.schema);
      const impl = t.open(db, sql);
      const fn = impl[w];
      if (!fn) throw new Error(`${target} has no ${w}`);
      const t0 = cpuMs();
      const read = await fn(inputs);
      const ms = cpuMs() - t0;
      const checksum = READ_WORKLOADS.has(w) ? String(read) : digestString(db.prepare(SQL.digest).get() as Record<string, unknown>);
      await impl.close?.();
      if (db.open) db.close();
      return { ms, checksum };
    },
  };
}

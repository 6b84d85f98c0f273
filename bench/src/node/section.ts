/** Section 1: Node, better-sqlite3 in process. */
import { createNodeDriver } from '@litedao/adapter-node';
import Database from 'better-sqlite3';
import type { Section } from '../shared/harness.ts';
import { captureLitedaoSql } from '../shared/litedao-sql.ts';
import { SCHEMA_SQL } from '../shared/models.ts';
import {
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
} from '../shared/workloads.ts';
import { cpuMs, fullGc } from './gc.ts';
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

export function nodeSection(inputs: Inputs, sql: LitedaoSql): NodeSection {
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
    settle: fullGc,
    async measure(target, w): Promise<Measurement> {
      const t = byName.get(target) as NodeTarget;
      const db = freshDatabase(inputs.seed, t.schema);
      const impl = t.open(db, sql);
      const fn = impl[w];
      if (!fn) throw new Error(`${target} has no ${w}`);
      fullGc();
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

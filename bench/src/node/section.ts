/** Section 1: Node, better-sqlite3 in process. */
import Database from 'better-sqlite3';
import type { Section } from '../shared/harness.ts';
import { SCHEMA_SQL } from '../shared/models.ts';
import { digestString, type Inputs, type Measurement, SQL, WORKLOADS, type WorkloadId } from '../shared/workloads.ts';
import { fullGc } from './gc.ts';
import { BASELINE, CONTROL, NODE_TARGETS, type NodeTarget } from './targets.ts';

/** A fresh in-memory database with the schema and the 1,000 seed rows. */
export function freshDatabase(inputs: Inputs): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA_SQL);
  const insert = db.prepare(SQL.insert);
  db.transaction(() => {
    for (const r of inputs.seed) insert.run(r.name, r.email);
  })();
  return db;
}

const READS: ReadonlySet<WorkloadId> = new Set(['point', 'list']);

export function nodeSection(inputs: Inputs): Section & { missing: Map<string, string> } {
  const byName = new Map<string, NodeTarget>(NODE_TARGETS.map((t) => [t.name, t]));
  const missing = new Map<string, string>();
  for (const t of NODE_TARGETS) for (const [w, why] of Object.entries(t.missing ?? {})) missing.set(`${t.name}\u0000${w}`, why);
  return {
    id: 'node',
    title: 'Node 22 · better-sqlite3 (in-memory database)',
    targets: NODE_TARGETS.map((t) => t.name),
    baseline: BASELINE,
    control: CONTROL,
    workloads: WORKLOADS,
    missing,
    supports: (target, w) => !(byName.get(target)?.missing?.[w] !== undefined),
    settle: fullGc,
    async measure(target, w): Promise<Measurement> {
      const db = freshDatabase(inputs);
      const impl = (byName.get(target) as NodeTarget).open(db);
      const fn = impl[w];
      if (!fn) throw new Error(`${target} has no ${w}`);
      fullGc();
      const t0 = performance.now();
      const read = await fn(inputs);
      const ms = performance.now() - t0;
      const checksum = READS.has(w) ? String(read) : digestString(db.prepare(SQL.digest).get() as Record<string, unknown>);
      await impl.close?.();
      if (db.open) db.close();
      return { ms, checksum };
    },
  };
}

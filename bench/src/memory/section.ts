/**
 * Memory: heap bytes allocated (and retained) per loaded row and per inserted row, over 100,000 rows, on
 * better-sqlite3 in Node. Counted with `v8.GCProfiler` (see node/gc.ts), so the figures do not depend on the
 * machine's speed. Each figure is the median of the measured rounds, after one warm-up round.
 *
 * Target (issue 14): litedao's allocated bytes per row ≤ 2× those of the raw driver handing out the same
 * objects (`Date`s for the timestamps; for inserts, objects carrying the new id and timestamps).
 */
import { createNodeDriver } from '@litedao/adapter-node';
import { createEngine, createSessionMaker } from '@litedao/core';
import type Database from 'better-sqlite3';
import { asc, sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { type HeapUse, heapUse } from '../node/gc.ts';
import { freshDatabase } from '../node/section.ts';
import { User, users } from '../shared/models.ts';
import { median } from '../shared/stats.ts';
import { type LitedaoSql, type NewUser, PLAIN_SQL, SQL, seedUsers, toDate } from '../shared/workloads.ts';

type Kind = 'load' | 'insert';

interface MemoryTarget {
  readonly name: string;
  readonly schema?: 'plain';
  /** Returns the work to measure (run on `db`, which holds `rows` seeded rows for loads, none for inserts). */
  readonly prepare: (db: Database.Database, sql: LitedaoSql, kind: Kind, inputs: readonly NewUser[]) => () => unknown;
}

export const MEMORY_REFERENCE = 'raw better-sqlite3 + Date';
const LITEDAO = 'litedao (session)';

const TARGETS: readonly MemoryTarget[] = [
  {
    name: MEMORY_REFERENCE,
    prepare(db, sql, kind, inputs) {
      if (kind === 'load') {
        const all = db.prepare(sql.selectAll);
        return () =>
          (all.all() as { id: number; name: string; email: string; created_at: string; updated_at: string }[]).map((r) => ({
            id: r.id,
            name: r.name,
            email: r.email,
            created_at: toDate(r.created_at),
            updated_at: toDate(r.updated_at),
          }));
      }
      // The objects litedao's add() leaves: the values, the new id and both timestamps as Dates.
      const insert = db.prepare(`${SQL.insert} RETURNING "id", "created_at", "updated_at"`);
      return db.transaction(() =>
        inputs.map((u) => {
          const r = insert.get(u.name, u.email) as { id: number; created_at: string; updated_at: string };
          return { id: r.id, name: u.name, email: u.email, created_at: toDate(r.created_at), updated_at: toDate(r.updated_at) };
        }),
      );
    },
  },
  {
    name: 'raw better-sqlite3 (plain)',
    schema: 'plain',
    prepare(db, _sql, kind, inputs) {
      if (kind === 'load') {
        const all = db.prepare(PLAIN_SQL.selectAll);
        return () => all.all();
      }
      const insert = db.prepare(PLAIN_SQL.insert);
      return db.transaction(() => {
        for (const u of inputs) insert.run(u.name, u.email);
      });
    },
  },
  {
    name: LITEDAO,
    prepare(db, _sql, kind, inputs) {
      const Session = createSessionMaker(createEngine(createNodeDriver(db as never)));
      if (kind === 'load') {
        return async () => {
          const s = Session();
          // The session stays open: its identity map and snapshots are part of what a loaded row costs.
          return [s, await s.select(User).orderBy({ id: 'asc' }).all()];
        };
      }
      return async () => {
        const s = Session();
        const objects = inputs.map((u) => new User({ name: u.name, email: u.email }));
        s.addAll(objects);
        await s.commit();
        return [s, objects];
      };
    },
  },
  {
    name: 'drizzle-orm (.prepare())',
    prepare(client, _sql, kind, inputs) {
      const db = drizzle({ client });
      if (kind === 'load') {
        const all = db.select().from(users).orderBy(asc(users.id)).prepare();
        return () => all.all();
      }
      const insert = db
        .insert(users)
        .values({ name: inputsPlaceholder('name'), email: inputsPlaceholder('email') })
        .prepare();
      return () =>
        db.transaction(() => {
          for (const u of inputs) insert.run({ name: u.name, email: u.email });
        });
    },
  },
];

function inputsPlaceholder(name: string) {
  return dsql.placeholder(name) as unknown as string;
}

export interface MemoryResult {
  readonly rows: number;
  readonly rounds: number;
  /** target → kind → per-round heap use. */
  readonly use: Map<string, Record<Kind, HeapUse[]>>;
}

export async function measureMemory(rows: number, sql: LitedaoSql, rounds: number, log: (s: string) => void): Promise<MemoryResult> {
  const seed = seedUsers(rows);
  const inputs: NewUser[] = Array.from({ length: rows }, (_, i) => ({ name: `new ${i}`, email: `new${i}@example.com` }));
  // The untimed warm-up before each count: 1 % of the rows (see heapUse).
  const warmRows = Math.max(100, Math.round(rows / 100));
  const warmSeed = seed.slice(0, warmRows);
  const warmInputs = inputs.slice(0, warmRows);
  const use = new Map<string, Record<Kind, HeapUse[]>>();
  for (const t of TARGETS) use.set(t.name, { load: [], insert: [] });
  for (let round = 0; round <= rounds; round++) {
    log(`  memory ${round === 0 ? 'warm-up' : `round ${round}/${rounds}`}:`);
    for (const kind of ['load', 'insert'] as const) {
      for (let i = 0; i < TARGETS.length; i++) {
        const t = TARGETS[(i + round) % TARGETS.length] as MemoryTarget;
        const scratch = freshDatabase(kind === 'load' ? warmSeed : [], t.schema);
        const warm = t.prepare(scratch, sql, kind, warmInputs);
        const db = freshDatabase(kind === 'load' ? seed : [], t.schema);
        const work = t.prepare(db, sql, kind, inputs);
        const u = await heapUse(work, async () => {
          await warm();
          scratch.close();
        });
        db.close();
        if (round > 0) (use.get(t.name) as Record<Kind, HeapUse[]>)[kind].push(u);
      }
      log(` ${kind}`);
    }
    log('\n');
  }
  return { rows, rounds, use };
}

const perRow = (xs: readonly number[], rows: number) => median(xs) / rows;

export function memoryMarkdown(m: MemoryResult): string {
  // A retained figure can read a few bytes below zero (the heap after the count was smaller); shown as 0.
  const kb = (b: number) => `${Math.max(0, b).toFixed(0)} B`;
  const ref = m.use.get(MEMORY_REFERENCE) as Record<Kind, HeapUse[]>;
  const lines = [
    `### Memory per row (better-sqlite3, ${m.rows.toLocaleString('en-US')} rows)`,
    '',
    `Heap bytes per row, median of ${m.rounds} rounds: **allocated** while loading (one select of every row) or inserting (one commit), ` +
      'counted with `v8.GCProfiler` (heap growth plus what every collection in between freed); **retained** after a full GC ' +
      'while the result (and, for litedao, its session) is still held. Ratios are against the raw driver handing out the same objects.',
    '',
    '| target | loaded: allocated | loaded: retained | inserted: allocated | inserted: retained |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, u] of m.use) {
    const cell = (kind: Kind, what: keyof HeapUse) => {
      const v = perRow(
        u[kind].map((x) => x[what]),
        m.rows,
      );
      const r =
        v /
        perRow(
          ref[kind].map((x) => x[what]),
          m.rows,
        );
      return name === MEMORY_REFERENCE ? kb(v) : `${kb(v)} (${Math.max(0, r).toFixed(2)}×)`;
    };
    lines.push(
      `| ${name} | ${cell('load', 'allocated')} | ${cell('load', 'retained')} | ${cell('insert', 'allocated')} | ${cell('insert', 'retained')} |`,
    );
  }
  return lines.join('\n');
}

/** The memory checks of the verdict: litedao's allocated bytes per row ≤ 2× the reference's. */
export function memoryVerdicts(m: MemoryResult): { met: number; missed: number; rows: string[] } {
  const ref = m.use.get(MEMORY_REFERENCE) as Record<Kind, HeapUse[]>;
  const ours = m.use.get(LITEDAO) as Record<Kind, HeapUse[]>;
  const rows: string[] = [];
  let met = 0;
  let missed = 0;
  for (const kind of ['load', 'insert'] as const) {
    const a = perRow(
      ours[kind].map((x) => x.allocated),
      m.rows,
    );
    const b = perRow(
      ref[kind].map((x) => x.allocated),
      m.rows,
    );
    const ok = a <= 2 * b;
    if (ok) met++;
    else missed++;
    rows.push(
      `| memory | bytes allocated per ${kind === 'load' ? 'loaded' : 'inserted'} row | ${LITEDAO} | ≤ 2.0× ${MEMORY_REFERENCE} (${b.toFixed(0)} B) | ${(a / b).toFixed(2)}× (${a.toFixed(0)} B) | ${ok ? 'met' : '**missed**'} | | |`,
    );
  }
  return { met, missed, rows };
}

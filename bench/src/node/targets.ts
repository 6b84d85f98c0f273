/**
 * The Node targets over better-sqlite3. Each one gets an open, seeded database and returns its workload
 * functions; setup (statement preparation for the "prepared" forms, ORM instances) is not timed.
 */

import { createNodeDriver } from '@litedao/adapter-node';
import { createEngine, createSessionMaker } from '@litedao/core';
import type { Database } from 'better-sqlite3';
import { asc, sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { Kysely, sql as ksql, SqliteDialect } from 'kysely';
import { kyselyReads } from '../shared/kysely-reads.ts';
import { litedaoWorkloads } from '../shared/litedao-workloads.ts';
import { type KyselyDatabase, users } from '../shared/models.ts';
import { type Inputs, NOW_SQL, SQL, type WorkloadId } from '../shared/workloads.ts';

/** A workload: returns a checksum of what it read (0 for writes, whose checksum is the database digest). */
export type WorkloadFn = (inputs: Inputs) => number | Promise<number>;
export type Workloads = Partial<Record<WorkloadId, WorkloadFn>>;

export interface NodeTarget {
  readonly name: string;
  readonly open: (db: Database) => Workloads & { close?: () => Promise<void> | void };
  /** Why a workload is missing, for the report. */
  readonly missing?: Partial<Record<WorkloadId, string>>;
}

/** Raw better-sqlite3, every statement prepared once: the baseline (and, as a second copy, the control). */
function raw(name: string): NodeTarget {
  return {
    name,
    open(db) {
      const byId = db.prepare(SQL.selectById);
      const all = db.prepare(SQL.selectAll);
      const update = db.prepare(SQL.updateName);
      const insert = db.prepare(SQL.insert);
      const insertChunk = db.prepare(SQL.insertMany(500));
      type Row = { id: number; name: string };
      const updateAll = db.transaction((rows: Inputs['updates']) => {
        for (const r of rows) update.run(r.name, r.id);
      });
      const insertAll = db.transaction((rows: Inputs['inserts']) => {
        for (const r of rows) insert.run(r.name, r.email);
      });
      const bulkAll = db.transaction((rows: Inputs['bulk']) => {
        // A multi-row INSERT of 500 rows, prepared once; the remainder row by row.
        let i = 0;
        const params: string[] = [];
        for (; i + 500 <= rows.length; i += 500) {
          params.length = 0;
          for (let k = i; k < i + 500; k++) params.push((rows[k] as { name: string }).name, (rows[k] as { email: string }).email);
          insertChunk.run(params);
        }
        for (; i < rows.length; i++) insert.run((rows[i] as { name: string }).name, (rows[i] as { email: string }).email);
      });
      return {
        point: ({ pointIds }) => {
          let sum = 0;
          for (const id of pointIds) {
            const u = byId.get(id) as Row;
            sum += u.id + u.name.length;
          }
          return sum;
        },
        list: ({ sizes }) => {
          let sum = 0;
          for (let i = 0; i < sizes.list; i++) {
            const rows = all.all() as Row[];
            for (const r of rows) sum += r.id;
            sum += rows.length + (rows[rows.length - 1] as Row).name.length;
          }
          return sum;
        },
        update: ({ updates }) => {
          updateAll(updates);
          return 0;
        },
        insert: ({ inserts }) => {
          insertAll(inserts);
          return 0;
        },
        bulk: ({ bulk }) => {
          bulkAll(bulk);
          return 0;
        },
      };
    },
  };
}

/** Stored timestamp text → Date, the way a hand-written data layer over better-sqlite3 would do it. */
const toDate = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);

/**
 * A reference, not a target with a verdict: raw better-sqlite3 that returns the same objects litedao does
 * (`created_at`/`updated_at` as Date). It shows how much of litedao's read cost is the Date conversion that
 * the string-returning baseline leaves out.
 */
const rawWithDates: NodeTarget = {
  name: 'raw better-sqlite3 + Date',
  missing: { update: 'reads only', insert: 'reads only', bulk: 'reads only' },
  open(db) {
    const byId = db.prepare(SQL.selectById);
    const all = db.prepare(SQL.selectAll);
    type Row = { id: number; name: string; email: string; created_at: string | Date; updated_at: string | Date };
    const withDates = (r: Row) => {
      r.created_at = toDate(r.created_at as string);
      r.updated_at = toDate(r.updated_at as string);
      return r;
    };
    return {
      point: ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = withDates(byId.get(id) as Row);
          sum += u.id + u.name.length;
        }
        return sum;
      },
      list: ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = (all.all() as Row[]).map(withDates);
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1] as Row).name.length;
        }
        return sum;
      },
    };
  },
};

/** litedao through the session API or the DAO (shared/litedao-workloads.ts), on its better-sqlite3 adapter. */
function litedao(name: string, viaDao: boolean): NodeTarget {
  return {
    name,
    open(db) {
      const engine = createEngine(createNodeDriver(db as never));
      return { ...litedaoWorkloads(createSessionMaker(engine), viaDao), close: () => engine.close() };
    },
  };
}

const now = dsql.raw(NOW_SQL);

/** drizzle-orm's query builder, a query built per call (better-sqlite3 driver, synchronous). */
const drizzleBuilder: NodeTarget = {
  name: 'drizzle-orm (builder)',
  open(client) {
    const db = drizzle({ client });
    return {
      point: ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = db.select().from(users).where(eq(users.id, id)).get();
          sum += (u?.id ?? 0) + (u?.name.length ?? 0);
        }
        return sum;
      },
      list: ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = db.select().from(users).orderBy(asc(users.id)).all();
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
        }
        return sum;
      },
      update: ({ updates }) => {
        db.transaction((tx) => {
          for (const r of updates) tx.update(users).set({ name: r.name, updatedAt: now }).where(eq(users.id, r.id)).run();
        });
        return 0;
      },
      insert: ({ inserts }) => {
        db.transaction((tx) => {
          for (const r of inserts) tx.insert(users).values({ name: r.name, email: r.email }).run();
        });
        return 0;
      },
      bulk: ({ bulk }) => {
        // One INSERT of every row (2 parameters a row: under SQLite's 32,766).
        db.insert(users)
          .values(bulk.map((r) => ({ name: r.name, email: r.email })))
          .run();
        return 0;
      },
    };
  },
};

/** drizzle-orm's prepared form: each query built and prepared once, placeholders bound per call. */
const drizzlePrepared: NodeTarget = {
  name: 'drizzle-orm (.prepare())',
  missing: { bulk: 'a values list of any length has no prepared form' },
  open(client) {
    const db = drizzle({ client });
    const byId = db
      .select()
      .from(users)
      .where(eq(users.id, dsql.placeholder('id')))
      .prepare();
    const all = db.select().from(users).orderBy(asc(users.id)).prepare();
    const update = db
      .update(users)
      .set({ name: dsql.placeholder('name') as unknown as string, updatedAt: now })
      .where(eq(users.id, dsql.placeholder('id')))
      .prepare();
    const insert = db
      .insert(users)
      .values({ name: dsql.placeholder('name'), email: dsql.placeholder('email') })
      .prepare();
    return {
      point: ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = byId.get({ id });
          sum += (u?.id ?? 0) + (u?.name.length ?? 0);
        }
        return sum;
      },
      list: ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = all.all();
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
        }
        return sum;
      },
      update: ({ updates }) => {
        db.transaction(() => {
          for (const r of updates) update.run({ name: r.name, id: r.id });
        });
        return 0;
      },
      insert: ({ inserts }) => {
        db.transaction(() => {
          for (const r of inserts) insert.run({ name: r.name, email: r.email });
        });
        return 0;
      },
    };
  },
};

/** Kysely over its SqliteDialect (better-sqlite3), a query built per call. */
const kysely: NodeTarget = {
  name: 'kysely',
  open(database) {
    const db = new Kysely<KyselyDatabase>({ dialect: new SqliteDialect({ database: database as never }) });
    const stamp = ksql<string>`${ksql.raw(NOW_SQL)}`;
    return {
      ...kyselyReads(db),
      update: async ({ updates }) => {
        await db.transaction().execute(async (trx) => {
          for (const r of updates) await trx.updateTable('users').set({ name: r.name, updated_at: stamp }).where('id', '=', r.id).execute();
        });
        return 0;
      },
      insert: async ({ inserts }) => {
        await db.transaction().execute(async (trx) => {
          for (const r of inserts) await trx.insertInto('users').values({ name: r.name, email: r.email }).execute();
        });
        return 0;
      },
      bulk: async ({ bulk }) => {
        await db
          .insertInto('users')
          .values(bulk.map((r) => ({ name: r.name, email: r.email })))
          .execute();
        return 0;
      },
      // Kysely's destroy() would close the shared better-sqlite3 handle; the section closes it.
    };
  },
};

export const BASELINE = 'raw better-sqlite3';
export const CONTROL = 'raw better-sqlite3 (control copy)';

export const NODE_TARGETS: readonly NodeTarget[] = [
  raw(BASELINE),
  raw(CONTROL),
  rawWithDates,
  litedao('litedao (session)', false),
  litedao('litedao (DAO)', true),
  drizzlePrepared,
  drizzleBuilder,
  kysely,
];

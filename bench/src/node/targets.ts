/**
 * The Node targets over better-sqlite3. Each one gets an open, seeded database and returns its workload
 * functions; setup (statement preparation for the "prepared" forms, ORM instances) is not timed.
 *
 * Two raw baselines, as the issue asks:
 * - **raw better-sqlite3 (same work)** — the baseline of every verdict: litedao's own schema and SQL texts
 *   (captured from litedao, see shared/litedao-sql.ts) and litedao's output contract: row objects with
 *   `Date`s for reads (converted the obvious way), `changes` checked and ids collected for writes.
 * - **raw better-sqlite3 (plain)** — a plain table and the simplest statements (no trigger, no strftime, no
 *   integer guard), rows as the driver returns them (timestamps as text). Reported beside every ratio.
 */

import { createNodeDriver } from '@litedao/adapter-node';
import { createEngine, createSessionMaker } from '@litedao/core';
import type { Database } from 'better-sqlite3';
import { asc, sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { Kysely, sql as ksql, SqliteDialect } from 'kysely';
import { kyselyReads } from '../shared/kysely-reads.ts';
import { litedaoWorkloads } from '../shared/litedao-workloads.ts';
import { type KyselyDatabase, users, usersWithDates } from '../shared/models.ts';
import { preparedReads, preparedWriteBack } from '../shared/prepared-reads.ts';
import {
  type DateRow,
  type Inputs,
  type LitedaoSql,
  NOW_SQL,
  PLAIN_SQL,
  SQL,
  type TextRow,
  toDate,
  type WorkloadId,
  withDates,
} from '../shared/workloads.ts';

/** A workload: returns a checksum of what it read (0 for writes, whose checksum is the database digest). */
export type WorkloadFn = (inputs: Inputs) => number | Promise<number>;
export type Workloads = Partial<Record<WorkloadId, WorkloadFn>>;

export interface NodeTarget {
  readonly name: string;
  /** The table it runs on: litedao's DDL (default) or the plain one of {@link PLAIN_SQL}. */
  readonly schema?: 'litedao' | 'plain';
  readonly open: (db: Database, sql: LitedaoSql) => Workloads & { close?: () => Promise<void> | void };
  /** Why a workload is missing, for the report. */
  readonly missing?: Partial<Record<WorkloadId, string>>;
}

/** Raw better-sqlite3 doing litedao's work, every statement prepared once: the baseline (and, as a second copy, the control). */
function sameWork(name: string): NodeTarget {
  return {
    name,
    open(db, sql) {
      const byId = db.prepare(sql.selectById);
      const all = db.prepare(sql.selectAll);
      const update = db.prepare(sql.updateWhere);
      const updateLoaded = db.prepare(sql.updateLoaded);
      const insert = db.prepare(SQL.insert);
      const insertChunk = db.prepare(SQL.insertMany(500));
      const updateAll = db.transaction((rows: Inputs['updates']) => {
        let changes = 0;
        for (const r of rows) changes += update.run(r.name, r.id).changes;
        return changes;
      });
      const insertAll = db.transaction((rows: Inputs['inserts']) => {
        const ids: (number | bigint)[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i] as Inputs['inserts'][number];
          ids[i] = insert.run(r.name, r.email).lastInsertRowid;
        }
        return ids;
      });
      const bulkAll = db.transaction((rows: Inputs['bulk']) => {
        // A multi-row INSERT of 500 rows, prepared once; the remainder row by row.
        let i = 0;
        let changes = 0;
        const params: string[] = [];
        for (; i + 500 <= rows.length; i += 500) {
          params.length = 0;
          for (let k = i; k < i + 500; k++) params.push((rows[k] as { name: string }).name, (rows[k] as { email: string }).email);
          changes += insertChunk.run(params).changes;
        }
        for (; i < rows.length; i++)
          changes += insert.run((rows[i] as { name: string }).name, (rows[i] as { email: string }).email).changes;
        return changes;
      });
      // Load-modify-commit: the loaded objects are written back in one transaction, each UPDATE checked to
      // change its row (litedao's post-condition), the returned updated_at put back on the object.
      const writeBack = db.transaction((objects: DateRow[]) => {
        for (const o of objects) {
          const r = updateLoaded.get(o.name, o.id) as { updated_at: string } | undefined;
          if (r === undefined) throw new Error(`row ${o.id} changed under us`);
          o.updated_at = toDate(r.updated_at);
        }
      });
      return {
        point: ({ pointIds }) => {
          let sum = 0;
          for (const id of pointIds) {
            const u = withDates(byId.get(id) as TextRow);
            sum += u.id + u.name.length;
          }
          return sum;
        },
        list: ({ sizes }) => {
          let sum = 0;
          for (let i = 0; i < sizes.list; i++) {
            const rows = (all.all() as TextRow[]).map(withDates);
            for (const r of rows) sum += r.id;
            sum += rows.length + (rows[rows.length - 1] as DateRow).name.length;
          }
          return sum;
        },
        update: ({ updates }) => {
          if (updateAll(updates) !== updates.length) throw new Error('an update missed its row');
          return 0;
        },
        insert: ({ inserts }) => {
          if (insertAll(inserts).length !== inserts.length) throw new Error('ids missing');
          return 0;
        },
        bulk: ({ bulk }) => {
          if (bulkAll(bulk) !== bulk.length) throw new Error('rows missing');
          return 0;
        },
        modify: ({ modify }) => {
          for (const round of modify) {
            const objects = round.map((r) => {
              const o = withDates(byId.get(r.id) as TextRow);
              o.name = r.name;
              return o;
            });
            writeBack(objects);
          }
          return 0;
        },
      };
    },
  };
}

/** Raw better-sqlite3 on a plain table, the simplest statements, rows as the driver returns them. */
const plain: NodeTarget = {
  name: 'raw better-sqlite3 (plain)',
  schema: 'plain',
  open(db) {
    const byId = db.prepare(PLAIN_SQL.selectById);
    const all = db.prepare(PLAIN_SQL.selectAll);
    const update = db.prepare(PLAIN_SQL.update);
    const insert = db.prepare(PLAIN_SQL.insert);
    const insertChunk = db.prepare(PLAIN_SQL.insertMany(500));
    const updateAll = db.transaction((rows: Inputs['updates']) => {
      for (const r of rows) update.run(r.name, r.id);
    });
    const insertAll = db.transaction((rows: Inputs['inserts']) => {
      for (const r of rows) insert.run(r.name, r.email);
    });
    const bulkAll = db.transaction((rows: Inputs['bulk']) => {
      let i = 0;
      const params: string[] = [];
      for (; i + 500 <= rows.length; i += 500) {
        params.length = 0;
        for (let k = i; k < i + 500; k++) params.push((rows[k] as { name: string }).name, (rows[k] as { email: string }).email);
        insertChunk.run(params);
      }
      for (; i < rows.length; i++) insert.run((rows[i] as { name: string }).name, (rows[i] as { email: string }).email);
    });
    const writeBack = db.transaction((objects: TextRow[]) => {
      for (const o of objects) update.run(o.name, o.id);
    });
    return {
      point: ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = byId.get(id) as TextRow;
          sum += u.id + u.name.length;
        }
        return sum;
      },
      list: ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = all.all() as TextRow[];
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1] as TextRow).name.length;
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
      modify: ({ modify }) => {
        for (const round of modify) {
          const objects = round.map((r) => {
            const o = byId.get(r.id) as TextRow;
            o.name = r.name;
            return o;
          });
          writeBack(objects);
        }
        return 0;
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
      modify: ({ modify }) => {
        for (const round of modify) {
          const objects = round.map((r) => {
            const o = db.select().from(users).where(eq(users.id, r.id)).get();
            if (!o) throw new Error(`row ${r.id} missing`);
            o.name = r.name;
            return o;
          });
          db.transaction((tx) => {
            for (const o of objects) tx.update(users).set({ name: o.name, updatedAt: now }).where(eq(users.id, o.id)).run();
          });
        }
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
      ...preparedReads(byId, all),
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
      // Drizzle's default: nothing read back.
      modify: preparedWriteBack(
        byId,
        (o) => update.run({ name: o.name, id: o.id }),
        (fn) => db.transaction(fn),
      ),
    };
  },
};

/**
 * drizzle-orm's prepared form doing litedao's work: `Date` timestamps (a `customType` over the text column),
 * `updated_at` written with the exact expression litedao sends (taken from the captured SQL), the changed-row
 * count checked and ids collected, and load-modify-commit reading the new `updated_at` back with RETURNING.
 * The like-for-like rival of the "at or below drizzle-prepared" target; the target above is Drizzle as
 * its users write it by default (text timestamps, `updated_at = now`).
 */
const drizzlePreparedSameWork: NodeTarget = {
  name: 'drizzle-orm (.prepare(), same work)',
  missing: { bulk: 'a values list of any length has no prepared form' },
  open(client, captured) {
    const touch = /"updated_at" = (.*) WHERE "id" = \?$/.exec(captured.updateWhere)?.[1];
    if (touch === undefined) throw new Error(`unexpected update SQL: ${captured.updateWhere}`);
    const touched = dsql.raw(touch) as unknown as Date;
    const t = usersWithDates;
    const db = drizzle({ client });
    const byId = db
      .select()
      .from(t)
      .where(eq(t.id, dsql.placeholder('id')))
      .prepare();
    const all = db.select().from(t).orderBy(asc(t.id)).prepare();
    const update = db
      .update(t)
      .set({ name: dsql.placeholder('name') as unknown as string, updatedAt: touched })
      .where(eq(t.id, dsql.placeholder('id')))
      .prepare();
    const updateLoaded = db
      .update(t)
      .set({ name: dsql.placeholder('name') as unknown as string, updatedAt: touched })
      .where(eq(t.id, dsql.placeholder('id')))
      .returning({ updatedAt: t.updatedAt })
      .prepare();
    const insert = db
      .insert(t)
      .values({ name: dsql.placeholder('name'), email: dsql.placeholder('email') })
      .prepare();
    return {
      ...preparedReads(byId, all),
      update: ({ updates }) => {
        const changed = db.transaction(() => {
          let n = 0;
          for (const r of updates) n += update.run({ name: r.name, id: r.id }).changes;
          return n;
        });
        if (changed !== updates.length) throw new Error('an update missed its row');
        return 0;
      },
      insert: ({ inserts }) => {
        const ids = db.transaction(() => {
          const out: (number | bigint)[] = new Array(inserts.length);
          for (let i = 0; i < inserts.length; i++) {
            const r = inserts[i] as Inputs['inserts'][number];
            out[i] = insert.run({ name: r.name, email: r.email }).lastInsertRowid;
          }
          return out;
        });
        if (ids.length !== inserts.length) throw new Error('ids missing');
        return 0;
      },
      // The new updated_at read back onto each object, the changed row checked.
      modify: preparedWriteBack(
        byId,
        (o) => {
          const back = updateLoaded.get({ name: o.name, id: o.id });
          if (back === undefined) throw new Error(`row ${o.id} changed under us`);
          o.updatedAt = back.updatedAt;
        },
        (fn) => db.transaction(fn),
      ),
    };
  },
};

/** Kysely over its SqliteDialect (better-sqlite3), a query built per call. */
const kysely: NodeTarget = {
  name: 'kysely',
  missing: { modify: 'not measured (Kysely has no objects to write back)' },
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

export const BASELINE = 'raw better-sqlite3 (same work)';
export const CONTROL = 'raw better-sqlite3 (same work, control copy)';
export const PLAIN = plain.name;

export const NODE_TARGETS: readonly NodeTarget[] = [
  sameWork(BASELINE),
  sameWork(CONTROL),
  plain,
  litedao('litedao (session)', false),
  litedao('litedao (DAO)', true),
  drizzlePrepared,
  drizzlePreparedSameWork,
  drizzleBuilder,
  kysely,
];

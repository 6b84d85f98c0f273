/**
 * The Durable Object targets. This module runs INSIDE a SQLite-backed Durable Object (bundled into the bench
 * Worker by esbuild): every loop below is timed next to `ctx.storage.sql`, where each call is an in-process,
 * synchronous SQLite call.
 */
import { createDurableObjectDriver } from '@litedao/adapter-do';
import { createEngine, createSessionMaker } from '@litedao/core';
import { asc, sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { litedaoWorkloads } from '../shared/litedao-workloads.ts';
import { users } from '../shared/models.ts';
import { preparedReads, preparedWriteBack } from '../shared/prepared-reads.ts';
import {
  chunks,
  type DateRow,
  type Inputs,
  type LitedaoSql,
  NOW_SQL,
  SQL,
  type TextRow,
  toDate,
  type WorkloadId,
  withDates,
} from '../shared/workloads.ts';

export type DoWorkloadFn = (inputs: Inputs) => number | Promise<number>;
export interface DoTarget {
  readonly name: string;
  /** `sql`: the texts litedao sends, captured from litedao (the same-work baseline sends them). */
  readonly open: (storage: BenchStorage, sql: LitedaoSql) => Partial<Record<WorkloadId, DoWorkloadFn>>;
  readonly missing?: Partial<Record<WorkloadId, string>>;
}

/** A Durable Object binds at most 100 parameters per statement (https://developers.cloudflare.com/durable-objects/platform/limits/). */
export const DO_ROWS_PER_INSERT = 50;

type Row = { id: number; name: string };

/**
 * Raw `ctx.storage.sql` doing litedao's work: the baseline (and, as a second copy, the control). The SQL texts
 * are litedao's own (captured from litedao, see shared/litedao-sql.ts, as the Node and D1 baselines send them)
 * and so is the output contract: rows with `Date`s for reads, a count checked for every update (the cursor's
 * `rowsWritten`, the API's only count: inexact where triggers write, as D1's `meta.changes`), the id of every
 * inserted row, and the returned `updated_at` put back on each written-back object. There is no prepare step
 * in this API (workerd caches the statement of each SQL text); the one-commit workloads run in one
 * `transactionSync()`, as litedao's commit does.
 */
function sameWork(name: string): DoTarget {
  return {
    name,
    open(storage, text) {
      const sql = storage.sql;
      const insertId = `${SQL.insert} RETURNING "id"`;
      const insertChunk = SQL.insertMany(DO_ROWS_PER_INSERT);
      const byId = (id: number) => withDates(sql.exec(text.selectById, id).one() as unknown as TextRow);
      return {
        point: ({ pointIds }) => {
          let sum = 0;
          for (const id of pointIds) {
            const u = byId(id);
            sum += u.id + u.name.length;
          }
          return sum;
        },
        list: ({ sizes }) => {
          let sum = 0;
          for (let i = 0; i < sizes.list; i++) {
            const rows = (sql.exec(text.selectAll).toArray() as unknown as TextRow[]).map(withDates);
            for (const r of rows) sum += r.id;
            sum += rows.length + (rows[rows.length - 1] as DateRow).name.length;
          }
          return sum;
        },
        update: ({ updates }) => {
          storage.transactionSync(() => {
            for (const r of updates)
              if (sql.exec(text.updateWhere, r.name, r.id).rowsWritten === 0) throw new Error('an update missed its row');
          });
          return 0;
        },
        insert: ({ inserts }) => {
          const ids: number[] = new Array(inserts.length);
          storage.transactionSync(() => {
            for (let i = 0; i < inserts.length; i++) {
              const r = inserts[i] as Inputs['inserts'][number];
              ids[i] = (sql.exec(insertId, r.name, r.email).one() as { id: number }).id;
            }
          });
          return 0;
        },
        bulk: ({ bulk }) => {
          storage.transactionSync(() => {
            for (const c of chunks(bulk, DO_ROWS_PER_INSERT)) {
              const params = c.flatMap((r) => [r.name, r.email]);
              const cursor = sql.exec(c.length === DO_ROWS_PER_INSERT ? insertChunk : SQL.insertMany(c.length), ...params);
              if (cursor.rowsWritten < c.length) throw new Error('rows missing');
            }
          });
          return 0;
        },
        modify: ({ modify }) => {
          for (const round of modify) {
            const objects = round.map((r) => {
              const o = byId(r.id);
              o.name = r.name;
              return o;
            });
            storage.transactionSync(() => {
              // one() throws unless the UPDATE returned exactly one row: litedao's "changed its row" check.
              for (const o of objects)
                o.updated_at = toDate((sql.exec(text.updateLoaded, o.name, o.id).one() as { updated_at: string }).updated_at);
            });
          }
          return 0;
        },
      };
    },
  };
}

/**
 * The simplest `ctx.storage.sql` code (the section's baseline until round 7, reported beside it): fixed SQL
 * texts with `updated_at = strftime(…)` and no instant-ordered touch, rows as the API returns them (timestamps
 * as text), no counts, no ids.
 */
const PLAIN_SQL = {
  selectById: 'SELECT "id", "name", "email", "created_at", "updated_at" FROM "users" WHERE "id" = ?',
  selectAll: 'SELECT "id", "name", "email", "created_at", "updated_at" FROM "users" ORDER BY "id" ASC',
  updateName: `UPDATE "users" SET "name" = ?, "updated_at" = ${NOW_SQL} WHERE "id" = ?`,
};

const plain: DoTarget = {
  name: 'raw ctx.storage.sql (plain)',
  missing: { modify: 'not written: it has no objects to write back' },
  open(storage) {
    const sql = storage.sql;
    const insertChunk = SQL.insertMany(DO_ROWS_PER_INSERT);
    return {
      point: ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = sql.exec(PLAIN_SQL.selectById, id).one() as unknown as Row;
          sum += u.id + u.name.length;
        }
        return sum;
      },
      list: ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = sql.exec(PLAIN_SQL.selectAll).toArray() as unknown as Row[];
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1] as Row).name.length;
        }
        return sum;
      },
      update: ({ updates }) => {
        storage.transactionSync(() => {
          for (const r of updates) sql.exec(PLAIN_SQL.updateName, r.name, r.id);
        });
        return 0;
      },
      insert: ({ inserts }) => {
        storage.transactionSync(() => {
          for (const r of inserts) sql.exec(SQL.insert, r.name, r.email);
        });
        return 0;
      },
      bulk: ({ bulk }) => {
        storage.transactionSync(() => {
          for (const c of chunks(bulk, DO_ROWS_PER_INSERT)) {
            const params = c.flatMap((r) => [r.name, r.email]);
            sql.exec(c.length === DO_ROWS_PER_INSERT ? insertChunk : SQL.insertMany(c.length), ...params);
          }
        });
        return 0;
      },
    };
  },
};

/** litedao through the session API or the DAO (shared/litedao-workloads.ts), on its Durable Object adapter. */
function litedao(name: string, viaDao: boolean): DoTarget {
  return {
    name,
    open: (storage) => litedaoWorkloads(createSessionMaker(createEngine(createDurableObjectDriver(storage))), viaDao),
  };
}

const now = dsql.raw(NOW_SQL);

/** drizzle-orm/durable-sqlite, a query built per call (synchronous, like its better-sqlite3 driver). */
const drizzleBuilder: DoTarget = {
  name: 'drizzle-orm/durable-sqlite (builder)',
  missing: { modify: 'not written for this section (its prepared form is)' },
  open(storage) {
    const db = drizzle(storage as never);
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
      // Drizzle's transaction() on a Durable Object is transactionSync.
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
        // Drizzle binds every column it writes (2 a row here): chunks under the 100-parameter limit.
        db.transaction((tx) => {
          for (const c of chunks(bulk, DO_ROWS_PER_INSERT)) {
            tx.insert(users)
              .values(c.map((r) => ({ name: r.name, email: r.email })))
              .run();
          }
        });
        return 0;
      },
    };
  },
};

/** drizzle-orm/durable-sqlite's prepared form: each query built and prepared once, placeholders bound per call. */
const drizzlePrepared: DoTarget = {
  name: 'drizzle-orm/durable-sqlite (.prepare())',
  missing: { bulk: 'a values list of any length has no prepared form' },
  open(storage) {
    const db = drizzle(storage as never);
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

export const DO_BASELINE = 'raw ctx.storage.sql (same work)';
export const DO_CONTROL = 'raw ctx.storage.sql (same work, control copy)';

export const DO_PLAIN = plain.name;

export const DO_TARGETS: readonly DoTarget[] = [
  sameWork(DO_BASELINE),
  sameWork(DO_CONTROL),
  plain,
  litedao('litedao (session)', false),
  litedao('litedao (DAO)', true),
  drizzlePrepared,
  drizzleBuilder,
];

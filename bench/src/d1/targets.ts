/**
 * The D1 targets. This module runs INSIDE the Worker (bundled by esbuild), next to the binding: every loop
 * below is timed in workerd, so a D1 call costs what it costs a Worker, not a Node→workerd proxy round trip.
 */
import { createD1Driver } from '@litedao/adapter-d1';
import { createEngine, createSessionMaker } from '@litedao/core';
import { asc, sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Kysely, sql as ksql } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { kyselyReads } from '../shared/kysely-reads.ts';
import { litedaoWorkloads } from '../shared/litedao-workloads.ts';
import { type KyselyDatabase, users } from '../shared/models.ts';
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

/** The subset of the D1 binding the bench uses (the full type is @cloudflare/workers-types' D1Database). */
export interface D1Binding {
  prepare(sql: string): D1Stmt;
  batch(statements: D1Stmt[]): Promise<unknown[]>;
}
export interface D1Stmt {
  bind(...values: unknown[]): D1Stmt;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<unknown>;
}

export type D1WorkloadFn = (inputs: Inputs) => Promise<number>;
export interface D1Target {
  readonly name: string;
  readonly open: (db: D1Binding, sql: LitedaoSql) => Partial<Record<WorkloadId, D1WorkloadFn>>;
  readonly missing?: Partial<Record<WorkloadId, string>>;
}

/** D1 binds at most 100 parameters per statement (https://developers.cloudflare.com/d1/platform/limits/). */
export const D1_ROWS_PER_INSERT = 50;

type D1Meta = { meta: { changes: number; last_row_id: number }; results?: unknown[] };

/**
 * The raw binding doing litedao's work: litedao's SQL texts, rows as objects with `Date`s, writes sent as one
 * `batch()` with their changes checked and ids collected. The baseline (and, as a second copy, the control).
 */
function raw(name: string): D1Target {
  return {
    name,
    open(db, sql) {
      const byId = db.prepare(sql.selectById);
      const all = db.prepare(sql.selectAll);
      const update = db.prepare(sql.updateWhere);
      const updateLoaded = db.prepare(sql.updateLoaded);
      const insert = db.prepare(SQL.insert);
      const insertChunk = db.prepare(SQL.insertMany(D1_ROWS_PER_INSERT));
      return {
        point: async ({ pointIds }) => {
          let sum = 0;
          for (const id of pointIds) {
            const u = withDates((await byId.bind(id).first()) as TextRow);
            sum += u.id + u.name.length;
          }
          return sum;
        },
        list: async ({ sizes }) => {
          let sum = 0;
          for (let i = 0; i < sizes.list; i++) {
            const rows = ((await all.all()).results as TextRow[]).map(withDates);
            for (const r of rows) sum += r.id;
            sum += rows.length + (rows[rows.length - 1] as DateRow).name.length;
          }
          return sum;
        },
        update: async ({ updates }) => {
          const res = (await db.batch(updates.map((r) => update.bind(r.name, r.id)))) as D1Meta[];
          for (const r of res) if (r.meta.changes !== 1) throw new Error('an update missed its row');
          return 0;
        },
        insert: async ({ inserts }) => {
          const res = (await db.batch(inserts.map((r) => insert.bind(r.name, r.email)))) as D1Meta[];
          const ids = res.map((r) => r.meta.last_row_id);
          if (ids.length !== inserts.length) throw new Error('ids missing');
          return 0;
        },
        bulk: async ({ bulk }) => {
          const statements = chunks(bulk, D1_ROWS_PER_INSERT).map((c) =>
            c.length === D1_ROWS_PER_INSERT
              ? insertChunk.bind(...c.flatMap((r) => [r.name, r.email]))
              : db.prepare(SQL.insertMany(c.length)).bind(...c.flatMap((r) => [r.name, r.email])),
          );
          await db.batch(statements);
          return 0;
        },
        modify: async ({ modify }) => {
          for (const round of modify) {
            const objects: DateRow[] = [];
            for (const r of round) {
              const o = withDates((await byId.bind(r.id).first()) as TextRow);
              o.name = r.name;
              objects.push(o);
            }
            const res = (await db.batch(objects.map((o) => updateLoaded.bind(o.name, o.id)))) as D1Meta[];
            res.forEach((r, i) => {
              const row = r.results?.[0] as { updated_at: string } | undefined;
              if (!row) throw new Error('a row changed under us');
              (objects[i] as DateRow).updated_at = toDate(row.updated_at);
            });
          }
          return 0;
        },
      };
    },
  };
}

/** litedao through the session API or the DAO (shared/litedao-workloads.ts), on its D1 adapter. */
function litedao(name: string, viaDao: boolean): D1Target {
  return {
    name,
    open: (db) => litedaoWorkloads(createSessionMaker(createEngine(createD1Driver(db as never))), viaDao),
  };
}

const now = dsql.raw(NOW_SQL);

const drizzleBuilder: D1Target = {
  name: 'drizzle-orm/d1 (builder)',
  open(client) {
    const db = drizzle(client as never);
    return {
      point: async ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = await db.select().from(users).where(eq(users.id, id)).get();
          sum += (u?.id ?? 0) + (u?.name.length ?? 0);
        }
        return sum;
      },
      list: async ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = await db.select().from(users).orderBy(asc(users.id)).all();
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
        }
        return sum;
      },
      // Drizzle's atomic unit on D1 is db.batch() (it would send BEGIN for transaction(), which D1 rejects).
      update: async ({ updates }) => {
        const [first, ...rest] = updates.map((r) => db.update(users).set({ name: r.name, updatedAt: now }).where(eq(users.id, r.id)));
        if (first) await db.batch([first, ...rest]);
        return 0;
      },
      insert: async ({ inserts }) => {
        const [first, ...rest] = inserts.map((r) => db.insert(users).values({ name: r.name, email: r.email }));
        if (first) await db.batch([first, ...rest]);
        return 0;
      },
      bulk: async ({ bulk }) => {
        // Drizzle binds every column of a row (id, timestamps as SQL defaults aside): 2 parameters a row.
        const [first, ...rest] = chunks(bulk, D1_ROWS_PER_INSERT).map((c) =>
          db.insert(users).values(c.map((r) => ({ name: r.name, email: r.email }))),
        );
        if (first) await db.batch([first, ...rest]);
        return 0;
      },
      modify: async ({ modify }) => {
        for (const round of modify) {
          const objects = [];
          for (const r of round) {
            const o = await db.select().from(users).where(eq(users.id, r.id)).get();
            if (!o) throw new Error(`row ${r.id} missing`);
            o.name = r.name;
            objects.push(o);
          }
          const [first, ...rest] = objects.map((o) => db.update(users).set({ name: o.name, updatedAt: now }).where(eq(users.id, o.id)));
          if (first) await db.batch([first, ...rest]);
        }
        return 0;
      },
    };
  },
};

const drizzlePrepared: D1Target = {
  name: 'drizzle-orm/d1 (.prepare())',
  missing: {
    update: 'db.batch() takes query builders, not prepared queries',
    insert: 'db.batch() takes query builders, not prepared queries',
    bulk: 'db.batch() takes query builders, not prepared queries',
    modify: 'db.batch() takes query builders, not prepared queries',
  },
  open(client) {
    const db = drizzle(client as never);
    const byId = db
      .select()
      .from(users)
      .where(eq(users.id, dsql.placeholder('id')))
      .prepare();
    const all = db.select().from(users).orderBy(asc(users.id)).prepare();
    return {
      point: async ({ pointIds }) => {
        let sum = 0;
        for (const id of pointIds) {
          const u = await byId.get({ id });
          sum += (u?.id ?? 0) + (u?.name.length ?? 0);
        }
        return sum;
      },
      list: async ({ sizes }) => {
        let sum = 0;
        for (let i = 0; i < sizes.list; i++) {
          const rows = await all.all();
          for (const r of rows) sum += r.id;
          sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
        }
        return sum;
      },
    };
  },
};

/** kysely-d1: queries built per call; it has no batch and no transactions, so writes are compiled and sent with DB.batch(). */
const kysely: D1Target = {
  name: 'kysely-d1',
  missing: { modify: 'not measured (Kysely has no objects to write back)' },
  open(database) {
    const db = new Kysely<KyselyDatabase>({ dialect: new D1Dialect({ database: database as never }) });
    const stamp = ksql<string>`${ksql.raw(NOW_SQL)}`;
    const send = (queries: { compile(): { sql: string; parameters: readonly unknown[] } }[]) =>
      database.batch(
        queries.map((q) => {
          const c = q.compile();
          return database.prepare(c.sql).bind(...c.parameters);
        }),
      );
    return {
      ...kyselyReads(db),
      update: async ({ updates }) => {
        await send(updates.map((r) => db.updateTable('users').set({ name: r.name, updated_at: stamp }).where('id', '=', r.id)));
        return 0;
      },
      insert: async ({ inserts }) => {
        await send(inserts.map((r) => db.insertInto('users').values({ name: r.name, email: r.email })));
        return 0;
      },
      bulk: async ({ bulk }) => {
        await send(
          chunks(bulk, D1_ROWS_PER_INSERT).map((c) => db.insertInto('users').values(c.map((r) => ({ name: r.name, email: r.email })))),
        );
        return 0;
      },
    };
  },
};

export const D1_BASELINE = 'raw D1 binding';
export const D1_CONTROL = 'raw D1 binding (control copy)';

export const D1_TARGETS: readonly D1Target[] = [
  raw(D1_BASELINE),
  raw(D1_CONTROL),
  litedao('litedao (session)', false),
  litedao('litedao (DAO)', true),
  drizzlePrepared,
  drizzleBuilder,
  kysely,
];

/**
 * litedao's side of the five workloads, the same code on every adapter (better-sqlite3, D1, sqlite-wasm).
 *
 * Reads open a fresh session per 1,000 lookups and per list select: a session's identity map would
 * otherwise answer repeated ids without touching the database, which is a feature but not this benchmark.
 * Writes queue everything in one session and send it with one `commit()` (one atomic batch); load-modify-commit
 * loads 1,000 rows one by one, changes each object and commits them (dirty tracking writes each back).
 */
import type { SessionMaker } from '@litedao/core';
import { User, UserDAO } from './models.ts';
import { type Inputs, SEED_ROWS, type WorkloadId } from './workloads.ts';

export type LitedaoWorkloads = Record<WorkloadId, (inputs: Inputs) => Promise<number>>;

/** The workloads through the session API (`viaDao = false`) or through `UserDAO` (`viaDao = true`). */
export function litedaoWorkloads(Session: SessionMaker, viaDao: boolean): LitedaoWorkloads {
  return viaDao ? daoWorkloads(Session) : sessionWorkloads(Session);
}

function sessionWorkloads(Session: SessionMaker): LitedaoWorkloads {
  return {
    point: async ({ pointIds }) => {
      let sum = 0;
      let s = Session();
      for (let i = 0; i < pointIds.length; i++) {
        if (i % SEED_ROWS === 0 && i > 0) {
          await s.close();
          s = Session();
        }
        const u = (await s.get(User, pointIds[i] as number)) as User;
        sum += u.id + u.name.length;
      }
      await s.close();
      return sum;
    },
    list: async ({ sizes }) => {
      let sum = 0;
      for (let i = 0; i < sizes.list; i++) {
        const s = Session();
        const rows = await s.select(User).orderBy({ id: 'asc' }).all();
        for (const r of rows) sum += r.id;
        sum += rows.length + (rows[rows.length - 1] as User).name.length;
        await s.close();
      }
      return sum;
    },
    update: async ({ updates }) => {
      const s = Session();
      for (const r of updates) s.updateWhere(User, { id: r.id }, { name: r.name });
      await s.commit();
      await s.close();
      return 0;
    },
    insert: async ({ inserts }) => {
      const s = Session();
      for (const r of inserts) s.add(new User({ name: r.name, email: r.email }));
      await s.commit();
      await s.close();
      return 0;
    },
    bulk: async ({ bulk }) => {
      const s = Session();
      // The bulk API: validated rows in, multi-row INSERTs at commit, no objects read back. (Workload (d)
      // covers add(), which builds objects and reads ids and timestamps back with RETURNING.)
      s.insertMany(User, bulk);
      await s.commit();
      await s.close();
      return 0;
    },
    modify: async ({ modify }) => {
      for (const round of modify) {
        const s = Session();
        for (const r of round) {
          const u = (await s.get(User, r.id)) as User;
          u.name = r.name;
        }
        await s.commit();
        await s.close();
      }
      return 0;
    },
  };
}

function daoWorkloads(Session: SessionMaker): LitedaoWorkloads {
  return {
    point: async ({ pointIds }) => {
      let sum = 0;
      let s = Session();
      let dao = new UserDAO(s);
      for (let i = 0; i < pointIds.length; i++) {
        if (i % SEED_ROWS === 0 && i > 0) {
          await s.close();
          s = Session();
          dao = new UserDAO(s);
        }
        const u = (await dao.findOneOrNoneById(pointIds[i] as number)) as User;
        sum += u.id + u.name.length;
      }
      await s.close();
      return sum;
    },
    list: async ({ sizes }) => {
      let sum = 0;
      for (let i = 0; i < sizes.list; i++) {
        const s = Session();
        const rows = await new UserDAO(s).findAll();
        for (const r of rows) sum += r.id;
        sum += rows.length + (rows[rows.length - 1] as User).name.length;
        await s.close();
      }
      return sum;
    },
    update: async ({ updates }) => {
      const s = Session();
      const dao = new UserDAO(s);
      for (const r of updates) await dao.update({ id: r.id }, { name: r.name });
      await s.commit();
      await s.close();
      return 0;
    },
    insert: async ({ inserts }) => {
      const s = Session();
      const dao = new UserDAO(s);
      for (const r of inserts) await dao.add({ name: r.name, email: r.email });
      await s.commit();
      await s.close();
      return 0;
    },
    bulk: async ({ bulk }) => {
      const s = Session();
      await new UserDAO(s).insertMany(bulk);
      await s.commit();
      await s.close();
      return 0;
    },
    modify: async ({ modify }) => {
      for (const round of modify) {
        const s = Session();
        const dao = new UserDAO(s);
        for (const r of round) {
          const u = (await dao.findOneOrNoneById(r.id)) as User;
          u.name = r.name;
        }
        await s.commit();
        await s.close();
      }
      return 0;
    },
  };
}

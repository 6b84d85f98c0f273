/**
 * The sqlite-wasm targets, in process: hand-written oo1 code doing litedao's work (statements prepared once,
 * column names read once, litedao's SQL texts, `Date`s for the timestamps, changes checked and ids collected
 * for writes) against litedao's wasm adapter over the same database handle and the same wasm module.
 */
import { createWasmDriver } from '@litedao/adapter-wasm';
import { createEngine, createSessionMaker } from '@litedao/core';
import type { Database, PreparedStatement, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { litedaoWorkloads } from '../shared/litedao-workloads.ts';
import { type Inputs, type LitedaoSql, SQL, toDate, type WorkloadId } from '../shared/workloads.ts';

export type WasmWorkloads = Partial<Record<WorkloadId, (inputs: Inputs) => number | Promise<number>>>;

export interface WasmTarget {
  readonly name: string;
  readonly open: (db: Database, sqlite3: Sqlite3Static, sql: LitedaoSql) => Promise<WasmWorkloads & { close?: () => Promise<void> }>;
}

type Row = Record<string, unknown> & { id: number; name: string };

/** Reads the current row into an object keyed by the cached column names, timestamps as Dates. */
function rowObject(stmt: PreparedStatement, names: readonly string[]): Row {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const v = stmt.get(i);
    row[name] = name === 'created_at' || name === 'updated_at' ? toDate(v as string) : v;
  }
  return row as Row;
}

/** Runs `fn` between BEGIN IMMEDIATE and COMMIT (ROLLBACK on error). */
function inTransaction(db: Database, fn: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    fn();
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

function oo1(name: string): WasmTarget {
  return {
    name,
    async open(db, sqlite3, sql) {
      const byId = db.prepare(sql.selectById);
      const all = db.prepare(sql.selectAll);
      const update = db.prepare(sql.updateWhere);
      const updateLoaded = db.prepare(sql.updateLoaded);
      const insert = db.prepare(SQL.insert);
      const insertChunk = db.prepare(SQL.insertMany(500));
      const byIdNames = byId.getColumnNames();
      const allNames = all.getColumnNames();
      const statements = [byId, all, update, updateLoaded, insert, insertChunk];
      const changes = () => db.changes();
      const pointer = db.pointer as never;
      const load = (id: number): Row => {
        byId.bind([id]);
        byId.step();
        const u = rowObject(byId, byIdNames);
        byId.reset();
        return u;
      };
      return {
        point: ({ pointIds }) => {
          let sum = 0;
          for (const id of pointIds) {
            const u = load(id);
            sum += u.id + u.name.length;
          }
          return sum;
        },
        list: ({ sizes }) => {
          let sum = 0;
          for (let i = 0; i < sizes.list; i++) {
            const rows: Row[] = [];
            while (all.step()) rows.push(rowObject(all, allNames));
            all.reset();
            for (const r of rows) sum += r.id;
            sum += rows.length + (rows[rows.length - 1] as Row).name.length;
          }
          return sum;
        },
        update: ({ updates }) => {
          inTransaction(db, () => {
            for (const r of updates) {
              update.bind([r.name, r.id]).stepReset();
              if (changes() !== 1) throw new Error(`row ${r.id} missed`);
            }
          });
          return 0;
        },
        insert: ({ inserts }) => {
          const ids: number[] = new Array(inserts.length);
          inTransaction(db, () => {
            for (let i = 0; i < inserts.length; i++) {
              const r = inserts[i] as Inputs['inserts'][number];
              insert.bind([r.name, r.email]).stepReset();
              ids[i] = Number(sqlite3.capi.sqlite3_last_insert_rowid(pointer));
            }
          });
          if (ids.length !== inserts.length) throw new Error('ids missing');
          return 0;
        },
        bulk: ({ bulk }) => {
          inTransaction(db, () => {
            let i = 0;
            const params: string[] = [];
            for (; i + 500 <= bulk.length; i += 500) {
              params.length = 0;
              for (let k = i; k < i + 500; k++) params.push((bulk[k] as { name: string }).name, (bulk[k] as { email: string }).email);
              insertChunk.bind(params).stepReset();
            }
            for (; i < bulk.length; i++)
              insert.bind([(bulk[i] as { name: string }).name, (bulk[i] as { email: string }).email]).stepReset();
          });
          return 0;
        },
        modify: ({ modify }) => {
          for (const round of modify) {
            const objects = round.map((r) => {
              const o = load(r.id);
              o.name = r.name;
              return o;
            });
            inTransaction(db, () => {
              for (const o of objects) {
                updateLoaded.bind([o.name, o.id]);
                if (!updateLoaded.step()) throw new Error(`row ${o.id} changed under us`);
                o.updated_at = toDate(updateLoaded.get(0) as string);
                updateLoaded.reset();
              }
            });
          }
          return 0;
        },
        close: async () => {
          for (const s of statements) s.finalize();
        },
      };
    },
  };
}

function litedao(name: string, viaDao: boolean): WasmTarget {
  return {
    name,
    async open(database, sqlite3) {
      // The adapter closes the database it is given; the section closes it again harmlessly.
      const driver = await createWasmDriver({ database: database as never, sqlite3: sqlite3 as never });
      const engine = createEngine(driver);
      return { ...litedaoWorkloads(createSessionMaker(engine), viaDao), close: () => engine.close() };
    },
  };
}

export const WASM_BASELINE = 'sqlite-wasm oo1, hand-written (same work)';
export const WASM_CONTROL = 'sqlite-wasm oo1, hand-written (same work, control copy)';

export const WASM_TARGETS: readonly WasmTarget[] = [
  oo1(WASM_BASELINE),
  oo1(WASM_CONTROL),
  litedao('litedao (session)', false),
  litedao('litedao (DAO)', true),
];

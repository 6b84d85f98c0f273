/** Section 3: sqlite-wasm (the official @sqlite.org/sqlite-wasm build) in Node, in-memory database. */
import sqlite3InitModule, { type Database, type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { cpuMs } from '../node/gc.ts';
import { warmUpInputs } from '../node/section.ts';
import type { Section } from '../shared/harness.ts';
import { SCHEMA_SQL } from '../shared/models.ts';
import {
  digestString,
  type Inputs,
  type LitedaoSql,
  type Measurement,
  READ_WORKLOADS,
  SQL,
  seedParams,
  WORKLOADS,
} from '../shared/workloads.ts';
import { WASM_BASELINE, WASM_CONTROL, WASM_TARGETS, type WasmTarget } from './targets.ts';

function freshDatabase(sqlite3: Sqlite3Static, inputs: Inputs): Database {
  const db = new sqlite3.oo1.DB(':memory:', 'c');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec(SCHEMA_SQL);
  const insert = db.prepare(SQL.seed);
  db.exec('BEGIN');
  for (const r of inputs.seed) insert.bind(seedParams(r)).stepReset();
  db.exec('COMMIT');
  insert.finalize();
  return db;
}

export async function wasmSection(inputs: Inputs, sql: LitedaoSql): Promise<Section & { sqliteVersion: string }> {
  const sqlite3 = await sqlite3InitModule();
  const warm = warmUpInputs(inputs.sizes);
  const byName = new Map<string, WasmTarget>(WASM_TARGETS.map((t) => [t.name, t]));
  return {
    id: 'wasm',
    title: 'sqlite-wasm in Node 22 (in-memory database, same wasm module for every target)',
    sqliteVersion: sqlite3.version.libVersion,
    targets: WASM_TARGETS.map((t) => t.name),
    baseline: WASM_BASELINE,
    control: WASM_CONTROL,
    workloads: WORKLOADS,
    timing: 'cpu',
    supports: () => true,
    async measure(target, w): Promise<Measurement> {
      const t = byName.get(target) as WasmTarget;
      // Untimed warm-up on a throwaway database, and no forced GC (see node/section.ts warmUpInputs).
      const scratch = freshDatabase(sqlite3, warm);
      const warmImpl = await t.open(scratch, sqlite3, sql);
      await warmImpl[w]?.(warm);
      await warmImpl.close?.();
      if (scratch.isOpen()) scratch.close();
      const db = freshDatabase(sqlite3, inputs);
      const impl = await t.open(db, sqlite3, sql);
      const fn = impl[w];
      if (!fn) throw new Error(`${target} has no ${w}`);
      const t0 = cpuMs();
      const read = await fn(inputs);
      const ms = cpuMs() - t0;
      let checksum = String(read);
      if (!READ_WORKLOADS.has(w)) {
        const row = db.selectObject(SQL.digest) as Record<string, unknown> | undefined;
        checksum = digestString(row);
      }
      await impl.close?.();
      if (db.isOpen()) db.close();
      return { ms, checksum };
    },
  };
}

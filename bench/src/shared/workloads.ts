import { NOW_SQL } from '@litedao/core';
/**
 * The five workloads, their sizes and their inputs. Every target of every section runs exactly these inputs
 * (built once, outside the timed region), against a database seeded the same way.
 *
 * Environment-neutral: this module is also bundled into the D1 Worker, so it imports nothing from Node.
 */

/** Workload ids, in report order. */
export const WORKLOADS = ['point', 'list', 'update', 'insert', 'bulk'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

/** Short labels for the tables. */
export const WORKLOAD_LABELS: Record<WorkloadId, string> = {
  point: '(a) point select',
  list: '(b) 1,000-row select',
  update: '(c) update by id, 1 commit',
  insert: '(d) single-row inserts, 1 commit',
  bulk: '(e) bulk insert',
};

/** Rows in `users` before each workload. */
export const SEED_ROWS = 1000;

/** How much work each workload does. */
export interface Sizes {
  /** Point selects by primary key (ids cycle over the seeded rows). */
  readonly point: number;
  /** Times the whole 1,000-row table is selected into objects. */
  readonly list: number;
  /** Updates by id, all in one commit. */
  readonly update: number;
  /** Single-row inserts, all in one commit. */
  readonly insert: number;
  /** Rows of the bulk insert. */
  readonly bulk: number;
}

/** The sizes the issue asks for. */
export const FULL_SIZES: Sizes = { point: 20_000, list: 200, update: 10_000, insert: 10_000, bulk: 10_000 };

export function describeSizes(s: Sizes): Record<WorkloadId, string> {
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    point: `${n(s.point)} × get by id`,
    list: `${n(s.list)} × select ${n(SEED_ROWS)} rows`,
    update: `${n(s.update)} × update by id`,
    insert: `${n(s.insert)} × insert 1 row`,
    bulk: `1 × insert ${n(s.bulk)} rows`,
  };
}

/** SQL the raw baselines send: the same text litedao generates, so SQLite does the same work for both. */
export const SQL = {
  selectById: 'SELECT "id", "name", "email", "created_at", "updated_at" FROM "users" WHERE "id" = ?',
  selectAll: 'SELECT "id", "name", "email", "created_at", "updated_at" FROM "users" ORDER BY "id" ASC',
  // litedao refreshes updated_at in every UPDATE it sends; every target does the same.
  updateName: `UPDATE "users" SET "name" = ?, "updated_at" = ${NOW_SQL} WHERE "id" = ?`,
  insert: 'INSERT INTO "users" ("name", "email") VALUES (?, ?)',
  /** A multi-row INSERT of `rows` rows. */
  insertMany: (rows: number): string => `INSERT INTO "users" ("name", "email") VALUES ${Array(rows).fill('(?, ?)').join(', ')}`,
  /** The digest every target's database must agree on after a write workload. */
  digest:
    'SELECT count(*) AS n, sum("id") AS ids, sum(length("name")) AS names, sum(length("email")) AS emails, ' +
    'max("name") AS maxName, sum("updated_at" >= "created_at") AS stamped FROM "users"',
};

/** The strftime expression litedao uses for "now" (and so every target does). */
export { NOW_SQL };

export interface NewUser {
  readonly name: string;
  readonly email: string;
}

export interface UpdateInput {
  readonly id: number;
  readonly name: string;
}

/** The inputs of one size set, built once per process. */
export interface Inputs {
  readonly sizes: Sizes;
  readonly seed: readonly NewUser[];
  readonly pointIds: readonly number[];
  readonly updates: readonly UpdateInput[];
  readonly inserts: readonly NewUser[];
  readonly bulk: readonly NewUser[];
}

export function buildInputs(sizes: Sizes): Inputs {
  const seed = Array.from({ length: SEED_ROWS }, (_, i) => ({ name: `user ${i + 1}`, email: `user${i + 1}@example.com` }));
  return {
    sizes,
    seed,
    pointIds: Array.from({ length: sizes.point }, (_, i) => (i % SEED_ROWS) + 1),
    updates: Array.from({ length: sizes.update }, (_, i) => ({ id: (i % SEED_ROWS) + 1, name: `renamed ${i}` })),
    inserts: Array.from({ length: sizes.insert }, (_, i) => ({ name: `new ${i}`, email: `new${i}@example.com` })),
    bulk: Array.from({ length: sizes.bulk }, (_, i) => ({ name: `bulk ${i}`, email: `bulk${i}@example.com` })),
  };
}

/** Splits `n` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The digest row as one comparable string. */
export function digestString(row: Record<string, unknown> | undefined | null): string {
  if (!row) return 'no-row';
  return `n=${row.n} ids=${row.ids} len=${row.names}/${row.emails} max=${row.maxName} stamped=${row.stamped}`;
}

/** One timed run of one workload on one target. */
export interface Measurement {
  /** Wall time of the workload in milliseconds. */
  readonly ms: number;
  /** What the target returned (reads) or left in the database (writes); equal across targets. */
  readonly checksum: string;
}

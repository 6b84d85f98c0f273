import { formatTimestamp, NOW_SQL } from '@litedao/core';
/**
 * The six workloads, their sizes and their inputs. Every target of every section runs exactly these inputs
 * (built once, outside the timed region), against a database seeded the same way.
 *
 * Environment-neutral: this module is also bundled into the D1 Worker, so it imports nothing from Node.
 */

/** Workload ids, in report order. */
export const WORKLOADS = ['point', 'list', 'update', 'insert', 'bulk', 'modify'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

/** Short labels for the tables. */
export const WORKLOAD_LABELS: Record<WorkloadId, string> = {
  point: '(a) point select',
  list: '(b) 1,000-row select',
  update: '(c) update by id, 1 commit',
  insert: '(d) single-row inserts, 1 commit',
  bulk: '(e) bulk insert',
  modify: '(f) load-modify-commit',
};

/** Workloads that only read: their checksum is what they returned, not a digest of the table. */
export const READ_WORKLOADS: ReadonlySet<WorkloadId> = new Set(['point', 'list']);

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
  /** Rows loaded by id, changed and written back: one commit per 1,000 (each seeded row once per commit). */
  readonly modify: number;
}

/** The sizes the issue asks for. */
export const FULL_SIZES: Sizes = { point: 20_000, list: 200, update: 10_000, insert: 10_000, bulk: 10_000, modify: 10_000 };

export function describeSizes(s: Sizes): Record<WorkloadId, string> {
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    point: `${n(s.point)} × get by id`,
    list: `${n(s.list)} × select ${n(SEED_ROWS)} rows`,
    update: `${n(s.update)} × update by id`,
    insert: `${n(s.insert)} × insert 1 row`,
    bulk: `1 × insert ${n(s.bulk)} rows`,
    modify: `${n(s.modify)} × (get, set, update), ${n(Math.ceil(s.modify / SEED_ROWS))} commits`,
  };
}

/**
 * The SQL litedao sends for the workloads, captured from litedao itself at start-up (see litedao-sql.ts):
 * the "same work" baselines send exactly these texts, so SQLite does the same work for them as for litedao.
 */
export interface LitedaoSql {
  /** `session.get(User, id)`. */
  readonly selectById: string;
  /** `session.select(User).orderBy({ id: 'asc' }).all()`. */
  readonly selectAll: string;
  /** `session.updateWhere(User, { id }, { name })` (no object of the model loaded: no RETURNING). */
  readonly updateWhere: string;
  /** The UPDATE a changed loaded object gets at commit (returns `updated_at`, checked to change one row). */
  readonly updateLoaded: string;
}

/** SQL that is the same for every target, and the plain schema's statements. */
export const SQL = {
  /** A multi-row INSERT of `rows` rows (the bulk baselines). */
  insertMany: (rows: number): string => `INSERT INTO "users" ("name", "email") VALUES ${Array(rows).fill('(?, ?)').join(', ')}`,
  insert: 'INSERT INTO "users" ("name", "email") VALUES (?, ?)',
  /** Seed rows carry their own timestamps: distinct per row, so no parse memo can answer a read. */
  seed: 'INSERT INTO "users" ("name", "email", "created_at", "updated_at") VALUES (?, ?, ?, ?)',
  /** The digest every target's database must agree on after a write workload. */
  digest:
    'SELECT count(*) AS n, sum("id") AS ids, sum(length("name")) AS names, sum(length("email")) AS emails, ' +
    'max("name") AS maxName, sum("updated_at" >= "created_at") AS stamped FROM "users"',
};

/**
 * The plain raw driver: the table and statements a hand-written application would use, with none of
 * litedao's extra SQL work (no trigger, no strftime defaults, no integer guard, no instant-ordered
 * `updated_at`). Rows come back as the driver gives them (timestamps as text).
 */
export const PLAIN_SQL = {
  schema:
    'CREATE TABLE "users" (\n  "id" INTEGER PRIMARY KEY AUTOINCREMENT,\n  "name" TEXT NOT NULL,\n  "email" TEXT NOT NULL,\n' +
    '  "created_at" TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  "updated_at" TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n)',
  selectById: 'SELECT * FROM "users" WHERE "id" = ?',
  selectAll: 'SELECT * FROM "users" ORDER BY "id"',
  update: 'UPDATE "users" SET "name" = ?, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = ?',
  insert: SQL.insert,
  insertMany: SQL.insertMany,
};

/** The strftime expression litedao uses for "now" (Drizzle and Kysely write it too). */
export { NOW_SQL };

/** Stored timestamp text → Date, the way a hand-written data layer would do it (what the raw "same work" does). */
export const toDate = (text: string): Date => new Date(`${text.replace(' ', 'T')}Z`);

/** A stored row as the driver returns it (timestamps as text). */
export type TextRow = { id: number; name: string; email: string; created_at: string; updated_at: string };
/** The same row with `Date`s: what litedao hands out. */
export type DateRow = { id: number; name: string; email: string; created_at: Date; updated_at: Date };

/** A stored row as an object with `Date`s, written the way an application would (every "same work" baseline). */
export function withDates(r: TextRow): DateRow {
  return { id: r.id, name: r.name, email: r.email, created_at: toDate(r.created_at), updated_at: toDate(r.updated_at) };
}

export interface NewUser {
  readonly name: string;
  readonly email: string;
}

export interface SeedUser extends NewUser {
  readonly created_at: string;
  readonly updated_at: string;
}

export interface UpdateInput {
  readonly id: number;
  readonly name: string;
}

/** The inputs of one size set, built once per process. */
export interface Inputs {
  readonly sizes: Sizes;
  readonly seed: readonly SeedUser[];
  readonly pointIds: readonly number[];
  readonly updates: readonly UpdateInput[];
  readonly inserts: readonly NewUser[];
  readonly bulk: readonly NewUser[];
  /** Load-modify-commit rounds: each round sets a new name on every seeded row, in id order. */
  readonly modify: readonly (readonly UpdateInput[])[];
}

/** 2024-01-01T00:00:00Z: the seed's timestamps lie before any run, so every update moves `updated_at` forward. */
const SEED_EPOCH_MS = Date.UTC(2024, 0, 1);

/** Seed rows with distinct timestamps (different days, times and milliseconds), in litedao's stored layout. */
export function seedUsers(n: number): SeedUser[] {
  return Array.from({ length: n }, (_, i) => {
    const created = SEED_EPOCH_MS + i * 3_600_007 + ((i * 7919) % 1000);
    return {
      name: `user ${i + 1}`,
      email: `user${i + 1}@example.com`,
      created_at: formatTimestamp(new Date(created)),
      updated_at: formatTimestamp(new Date(created + 1 + ((i * 104_729) % 86_400_000))),
    };
  });
}

export function buildInputs(sizes: Sizes): Inputs {
  const modify: UpdateInput[][] = [];
  for (let i = 0; i < sizes.modify; i += SEED_ROWS) {
    const round: UpdateInput[] = [];
    for (let k = i; k < Math.min(sizes.modify, i + SEED_ROWS); k++) round.push({ id: (k % SEED_ROWS) + 1, name: `edited ${k}` });
    modify.push(round);
  }
  return {
    sizes,
    seed: seedUsers(SEED_ROWS),
    pointIds: Array.from({ length: sizes.point }, (_, i) => (i % SEED_ROWS) + 1),
    updates: Array.from({ length: sizes.update }, (_, i) => ({ id: (i % SEED_ROWS) + 1, name: `renamed ${i}` })),
    inserts: Array.from({ length: sizes.insert }, (_, i) => ({ name: `new ${i}`, email: `new${i}@example.com` })),
    bulk: Array.from({ length: sizes.bulk }, (_, i) => ({ name: `bulk ${i}`, email: `bulk${i}@example.com` })),
    modify,
  };
}

/**
 * The sizes of the untimed warm-up before each timed run: 5 % of the work (with a floor), on a throwaway
 * database, so the timed run starts with the target's code compiled and its type feedback in place.
 */
export function warmUpSizes(sizes: Sizes): Sizes {
  const f = (n: number, min: number) => Math.max(min, Math.round(n * 0.05));
  return {
    point: f(sizes.point, 100),
    list: f(sizes.list, 2),
    update: f(sizes.update, 100),
    insert: f(sizes.insert, 100),
    bulk: f(sizes.bulk, 100),
    modify: f(sizes.modify, 100),
  };
}

/** The seed's bound values, row by row (name, email, created_at, updated_at). */
export function seedParams(u: SeedUser): [string, string, string, string] {
  return [u.name, u.email, u.created_at, u.updated_at];
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
  /** Time of the workload in milliseconds: CPU time in the in-process sections, wall time in D1 (see `Section.timing`). */
  readonly ms: number;
  /** What the target returned (reads) or left in the database (writes); equal across targets. */
  readonly checksum: string;
}

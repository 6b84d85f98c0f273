import type { D1NativeBinding } from '../../src/native.ts';

/** What a {@link countingBinding} saw: every SQL text prepared, and each `batch()` call's size. */
export interface D1Traffic {
  readonly prepared: string[];
  readonly batches: number[];
  readonly sessions: (string | undefined)[];
}

/**
 * Wraps the REAL binding (not a mock: every call goes through to workerd's D1) and records what the driver
 * sends, so tests can assert "exactly one batch() call", "nothing was sent" and "no BEGIN ever".
 */
export function countingBinding<T extends D1NativeBinding>(binding: T): { binding: T; traffic: D1Traffic } {
  const traffic: D1Traffic = { prepared: [], batches: [], sessions: [] };
  const wrap = <B extends object>(target: B): B =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'prepare') {
          return (sql: string) => {
            traffic.prepared.push(sql);
            return value.call(t, sql);
          };
        }
        if (prop === 'batch') {
          return (statements: unknown[]) => {
            traffic.batches.push(statements.length);
            return value.call(t, statements);
          };
        }
        if (prop === 'withSession') {
          return (constraint?: string) => {
            traffic.sessions.push(constraint);
            return wrap(value.call(t, constraint) as object);
          };
        }
        // D1's classes keep state in #private fields, so methods must run with the real object as `this`.
        return (value as (...a: unknown[]) => unknown).bind(t);
      },
    });
  return { binding: wrap(binding), traffic };
}

/** Drops every user table, so each test starts empty (D1's own `_cf_*` tables cannot be dropped). */
export async function dropAllTables(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
    )
    .all<{ name: string }>();
  if (results.length === 0) return;
  // Children first is not knowable here; D1 enforces foreign keys, so defer them for this one batch.
  await db.batch([
    db.prepare('PRAGMA defer_foreign_keys = on'),
    ...results.map((r) => db.prepare(`DROP TABLE "${r.name.replaceAll('"', '""')}"`)),
  ]);
}

import { describe, expect, it } from 'vitest';
import { compileWhere, insertChunks, MAX_ROWS_PER_INSERT, selectByIdSql, selectStatement } from '../src/compile.ts';
import { createEngine, type Driver, declarativeBase, LimitExceededError, type Statement, t } from '../src/index.ts';
import { metaOf } from '../src/model-meta.ts';

const Base = declarativeBase();
class User extends Base('User', { name: t.text(), age: t.integer().nullable() }) {}
const meta = metaOf(User);

describe('SQL compilation', () => {
  it('caches SQL text per query shape: same shape, same string object, different values', () => {
    const a = selectStatement(
      meta,
      compileWhere(meta, { name: 'a', age: { gt: 1 } }, { maxParameters: 100 }),
      { key: '', sql: '' },
      10,
      undefined,
    );
    const b = selectStatement(
      meta,
      compileWhere(meta, { name: 'b', age: { gt: 2 } }, { maxParameters: 100 }),
      { key: '', sql: '' },
      5,
      undefined,
    );
    expect(a.sql).toBe(b.sql);
    expect(a.params).toEqual(['a', 1, 10]);
    expect(b.params).toEqual(['b', 2, 5]);
    expect(selectByIdSql(meta)).toBe(selectByIdSql(meta));
    const guard = (c: string) =>
      `CASE WHEN "${c}" BETWEEN -9007199254740991 AND 9007199254740991 THEN "${c}" WHEN typeof("${c}") = 'integer' THEN CAST("${c}" AS TEXT) WHEN typeof("${c}") = 'text' THEN CAST("${c}" AS BLOB) ELSE "${c}" END AS "${c}"`;
    expect(a.sql).toBe(
      `SELECT ${guard('id')}, "name", ${guard('age')}, "created_at", "updated_at" FROM "users" WHERE "name" = ? AND "age" > ? LIMIT ?`,
    );
  });

  it('binds any IN list as one JSON parameter', () => {
    const w = compileWhere(meta, { id: { in: Array.from({ length: 10_000 }, (_, i) => i) } }, { maxParameters: 100 });
    expect(w.params).toHaveLength(1);
    expect(w.sql).toBe(' WHERE "id" IN (SELECT value FROM json_each(?))');
  });

  it('binds contains/startsWith/endsWith as plain text (no LIKE, no pattern limit); like keeps the adapter LIKE limit in UTF-8 bytes', () => {
    const d1 = { maxParameters: 100, maxLikePatternBytes: 50 };
    const w = compileWhere(meta, { name: { contains: '50%_\\' } }, d1);
    expect(w.params).toEqual(['50%_\\']);
    expect(w.sql).toBe(' WHERE instr("name", ?) > 0');
    expect(() => compileWhere(meta, { name: { contains: 'я'.repeat(100) } }, d1)).not.toThrow();
    expect(() => compileWhere(meta, { name: { like: 'я'.repeat(26) } }, d1)).toThrow(LimitExceededError);
    expect(() => compileWhere(meta, { name: { like: 'я'.repeat(25) } }, d1)).not.toThrow(); // 50 bytes
    expect(compileWhere(meta, { name: { startsWith: 'ab' } }, d1).params).toEqual(['ab', 'ac']);
    expect(compileWhere(meta, { name: { startsWith: '' } }, d1).sql).toBe(' WHERE "name" IS NOT NULL');
  });

  it('chunks inserts under the parameter limit with few distinct shapes', () => {
    const chunks = insertChunks(2000, 8, { maxParameters: 100 }, 'x');
    expect(chunks.every((n) => n * 8 <= 100)).toBe(true);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(new Set(chunks).size).toBeLessThanOrEqual(5);
    expect(() => insertChunks(1, 101, { maxParameters: 100 }, 'x')).toThrow(LimitExceededError);
  });

  it('caps a chunk at MAX_ROWS_PER_INSERT rows where the parameter limit would allow more', () => {
    const sqlite = { maxParameters: 32766 };
    expect(insertChunks(10_000, 2, sqlite, 'x')).toEqual([...Array(39).fill(MAX_ROWS_PER_INSERT), 16]);
    expect(insertChunks(MAX_ROWS_PER_INSERT - 1, 2, sqlite, 'x')).toEqual([128, 64, 32, 16, 8, 4, 2, 1]);
    // A wide row: the parameter limit decides (32766 / 1000 = 32 rows).
    expect(new Set(insertChunks(100, 1000, sqlite, 'x'))).toEqual(new Set([32, 4]));
  });
});

describe('commit sends one batch', () => {
  it('one driver.batch call per commit, whatever the unit of work holds', async () => {
    const calls: Statement[][] = [];
    const executed: Statement[] = [];
    // A recording driver: it records calls and returns RETURNING-shaped rows. It stands for no database:
    // the database behaviour is covered by the conformance suite on real adapters; this test checks only
    // how many batch calls core makes.
    let nextId = 1;
    const driver: Driver = {
      name: 'recorder',
      capabilities: { interactiveTransactions: false, bigint: false },
      limits: { maxParameters: 100 },
      execute: async (s) => {
        executed.push(s);
        return { rows: [], changes: 0 };
      },
      batch: async (stmts) => {
        calls.push([...stmts]);
        return stmts.map((s) => ({
          rows: s.sql.startsWith('INSERT')
            ? Array.from({ length: s.params.length / 2 }, () => [nextId++, '2026-01-01 00:00:00', '2026-01-01 00:00:00'])
            : [],
          changes: 1,
        }));
      },
      close: async () => {},
      mapError: (e) => e as never,
    };
    const engine = createEngine(driver);
    const { createSessionMaker } = await import('../src/index.ts');
    const s = createSessionMaker(engine)();
    s.addAll(Array.from({ length: 120 }, (_, i) => new User({ name: `u${i}` })));
    s.updateWhere(User, { name: 'x' }, { age: 3 });
    await s.commit();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.length).toBeGreaterThan(2); // 120 rows × 2 params → several INSERT chunks + the UPDATE
    expect(calls[0]?.every((st) => st.params.length <= 100)).toBe(true);
    expect(executed).toHaveLength(0);
    await s.commit(); // nothing pending: no call at all
    expect(calls).toHaveLength(1);
  });
});

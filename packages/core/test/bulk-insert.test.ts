/**
 * `insertMany`'s JSON form (`DriverCapabilities.bulkJson`, D1): how encoded rows are cut into JSON texts. The
 * database side (what SQLite stores from them) is the conformance suite's, on D1 inside workerd.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonInserts } from '../src/bulk-insert.ts';
import { insertJsonSql, insertManySql, MAX_ROWS_PER_JSON_INSERT } from '../src/compile.ts';
import { declarativeBase, t } from '../src/index.ts';
import { metaOf } from '../src/model-meta.ts';

const Base = declarativeBase();
class Note extends Base('Note', { body: t.text().nullable(), n: t.integer().nullable() }) {}
const meta = metaOf(Note);

describe('jsonInserts', () => {
  it('keeps every row once and in order, each JSON text within the byte limit / 3 characters, a row too long alone as a one-row VALUES insert', () => {
    // Strings with characters JSON escapes (quotes, backslashes, control characters) make the text longer than the estimate.
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\u0001', 'é', '😀'), maxLength: 40 });
    const row = fc.tuple(fc.option(text), fc.option(fc.integer()));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.integer({ min: 30, max: 900 }), (rows, maxValueBytes) => {
        const { statements, counts } = jsonInserts(meta, rows, { maxParameters: 100, maxValueBytes });
        expect(counts).toHaveLength(statements.length);
        const back: unknown[] = [];
        statements.forEach((s, i) => {
          if (s.sql === insertJsonSql(meta)) {
            const json = s.params[0] as string;
            expect(json.length).toBeLessThanOrEqual(Math.floor(maxValueBytes / 3));
            const parsed = JSON.parse(json) as unknown[];
            expect(parsed).toHaveLength(counts[i] as number);
            back.push(...parsed);
          } else {
            expect(s.sql).toBe(insertManySql(meta, 1));
            expect(counts[i]).toBe(1);
            // Only a row whose JSON alone passes the limit.
            expect(JSON.stringify([s.params]).length).toBeGreaterThan(Math.floor(maxValueBytes / 3));
            back.push([...s.params]);
          }
          expect(s.returnsRows).toBe(false);
        });
        expect(back).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });

  it(`puts at most ${MAX_ROWS_PER_JSON_INSERT.toLocaleString('en-US')} rows in one text, and nothing in an empty list`, () => {
    const rows = Array.from({ length: 2 * MAX_ROWS_PER_JSON_INSERT + 1 }, (_, i) => [`r${i}`, i]);
    const { counts } = jsonInserts(meta, rows, { maxParameters: 100, maxValueBytes: 2_000_000 });
    expect(counts).toEqual([MAX_ROWS_PER_JSON_INSERT, MAX_ROWS_PER_JSON_INSERT, 1]);
    expect(jsonInserts(meta, [], { maxParameters: 100 })).toEqual({ statements: [], counts: [] });
  });
});

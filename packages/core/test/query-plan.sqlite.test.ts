/**
 * Exact filters keep indexes usable (SQLite's query plans, better-sqlite3): timestamp and text comparisons
 * carry an index-friendly range on the stored column next to the exact expression, and ORDER BY id walks the
 * rowid even though the select list reads `id` through the integer guard.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { compileOrder, compileWhere, selectStatement } from '../src/compile.ts';
import { createAllStatements } from '../src/ddl.ts';
import { declarativeBase, t } from '../src/index.ts';
import { metaOf } from '../src/model-meta.ts';

const Base = declarativeBase();
class Event extends Base('Event', { at: t.timestamp().index(), name: t.text().index(), n: t.integer().index() }) {}
const meta = metaOf(Event);
const limits = { maxParameters: 100 };

const db = new Database(':memory:');
for (const s of createAllStatements([Event])) db.exec(s.sql);
afterAll(() => db.close());

function plan(filters: unknown, orderBy?: unknown): string {
  const st = selectStatement(meta, compileWhere(meta, filters, limits), compileOrder(meta, orderBy), undefined, undefined);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).all(...(st.params as never[])) as { detail: string }[];
  return rows.map((r) => r.detail).join('; ');
}

describe('query plans', () => {
  const at = new Date('2026-11-22T03:04:05.123Z');
  it.each([
    [{ at }, 'ix_events_at'],
    [{ at: { gte: at } }, 'ix_events_at'],
    [{ at: { lt: at } }, 'ix_events_at'],
    [{ at: { in: [at, new Date(0)] } }, 'ix_events_at'],
    [{ name: { gt: 'm' } }, 'ix_events_name'],
    [{ name: { lte: 'm' } }, 'ix_events_name'],
    [{ name: { startsWith: 'ab' } }, 'ix_events_name'],
    [{ name: 'x' }, 'ix_events_name'],
    [{ n: { in: [1, 2] } }, 'ix_events_n'],
  ])('%j searches %s', (filters, index) => {
    const p = plan(filters);
    expect(p).toContain('SEARCH');
    expect(p).toContain(index);
  });

  it('ORDER BY id walks the rowid (no sort), although the select list guards id', () => {
    expect(plan(undefined, { id: 'asc' })).not.toContain('TEMP B-TREE');
    expect(plan(undefined, { n: 'desc' })).toContain('ix_events_n');
  });
});

// Each Durable Object has its own SQLite database: the same models, tables and ids in two objects never see
// each other's rows, schema changes or transactions.
import { env } from 'cloudflare:workers';
import { createEngine, createSessionMaker, declarativeBase, sql, t } from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRemoteDriver } from './support/remote-driver.ts';

const B = declarativeBase();
class Msg extends B('Msg', { chat: t.integer(), text: t.text() }) {}

/** An engine on the object named `name` (the driver runs inside it). */
async function engineOf(name: string) {
  const engine = createEngine(await createRemoteDriver(env.CONFORMANCE.get(env.CONFORMANCE.idFromName(name))));
  await B.metadata.createAll(engine);
  return { engine, Session: createSessionMaker(engine) };
}

describe("two objects' databases are isolated", () => {
  it('random writes to two objects of one class land only in their own object (ids restart per object)', async () => {
    const run = `${Math.random()}`;
    const a = await engineOf(`iso-a-${run}`);
    const b = await engineOf(`iso-b-${run}`);
    const model = { a: [] as string[], b: [] as string[] };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.string({ maxLength: 8 })), { maxLength: 20 }), async (writes) => {
        for (const [where, text] of writes) {
          const { Session } = where === 'a' ? a : b;
          await Session.begin(async (s) => s.add(new Msg({ chat: where === 'a' ? 1 : 2, text })));
          model[where].push(text);
        }
        for (const where of ['a', 'b'] as const) {
          const rows = await (where === 'a' ? a : b).Session.begin((s) => s.select(Msg).orderBy({ id: 'asc' }).all());
          expect(rows.map((m) => m.text)).toEqual(model[where]);
          expect(rows.map((m) => m.id)).toEqual(model[where].map((_, i) => i + 1));
          expect(new Set(rows.map((m) => m.chat))).toEqual(new Set(model[where].length ? [where === 'a' ? 1 : 2] : []));
        }
      }),
      { numRuns: 15 },
    );
    await a.engine.close();
    await b.engine.close();
  });

  it('schema changes and a rolled-back transaction in one object leave the other untouched', async () => {
    const run = `${Math.random()}`;
    const a = await engineOf(`iso-c-${run}`);
    const b = await engineOf(`iso-d-${run}`);
    await b.Session.begin(async (s) => s.add(new Msg({ chat: 2, text: 'kept' })));
    await a.engine.execute(sql`ALTER TABLE msgs ADD COLUMN extra TEXT`);
    await a.engine
      .transaction(async (s) => {
        s.add(new Msg({ chat: 1, text: 'gone' }));
        await s.flush();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await a.engine.dropAll([Msg]);
    const columns = await b.engine.execute(sql`SELECT name FROM pragma_table_info('msgs')`);
    expect(columns.rows.map((r) => r[0])).toEqual(['id', 'chat', 'text', 'created_at', 'updated_at']);
    expect((await b.Session.begin((s) => s.select(Msg).all())).map((m) => m.text)).toEqual(['kept']);
    const tablesA = await a.engine.execute(sql`SELECT count(*) FROM sqlite_schema WHERE name = 'msgs'`);
    expect(tablesA.rows).toEqual([[0]]);
    await a.engine.close();
    await b.engine.close();
  });
});

// DatabaseObject and objectFor: an object built on the base class (test/support/worker.ts: NotesObject), reached
// from the test (a Worker's position) over real workerd RPC.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { UniqueConstraintError, ValidationError } from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { objectFor, objectName } from '../src/object.ts';

const fresh = () => `notes-${Math.random()}`;

describe('objectFor: the DAOs of an object over typed RPC', () => {
  it('each DAO call is one unit of work inside the object; results arrive as plain rows', async () => {
    const chat = objectFor(env.NOTES, fresh());
    const notes = chat.dao('notes');
    const added = await notes.add({ author: 7, body: 'hello' });
    expectTypeOf(added.body).toEqualTypeOf<string>();
    expect(added).toMatchObject({ id: 1, author: 7, body: 'hello', stars: 0 });
    expect(added.created_at).toBeInstanceOf(Date);
    expect(Object.getPrototypeOf(added)).toBe(Object.prototype);
    const many = await notes.addMany([
      { author: 7, body: 'a' },
      { author: 8, body: 'b' },
    ]);
    expect(many.map((n) => n.id)).toEqual([2, 3]);
    expect(await notes.count({ author: 7 })).toBe(2);
    // A custom DAO method, and BaseDAO's own, by name.
    expect((await notes.byAuthor(7)).map((n) => n.body)).toEqual(['hello', 'a']);
    const updated = await notes.update({ author: 8 }, { stars: 5 });
    expectTypeOf(updated).toEqualTypeOf<number>(); // a WriteResult arrives as its committed count
    expect(updated).toBe(1);
    const page = await notes.paginate({ page: 1, pageSize: 2 });
    expect([page.total, page.items.length, page.items[0]?.body]).toEqual([3, 2, 'hello']);
    expect(await notes.findOneOrNoneById(99)).toBeNull();
    // A custom method's nested result: objects, lists and write results inside it arrive converted, typed.
    const summary = await notes.summary(7);
    expectTypeOf(summary.starred).toEqualTypeOf<number>();
    expectTypeOf(summary.all[0]?.body).toEqualTypeOf<string | undefined>();
    expect(summary.starred).toBe(2);
    expect(summary.latest?.body).toBe('a');
    expect(summary.all.map((n) => n.body)).toEqual(['hello', 'a']);
    expect(summary.when).toEqual(new Date(0));
  });

  it('litedao errors cross RPC as the same classes with their fields; nothing of a failed call is written', async () => {
    const chat = objectFor(env.NOTES, fresh());
    const notes = chat.dao('notes');
    const e = await notes.add({ author: 'x' as never, body: 'bad' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues.length).toBeGreaterThan(0);
    // addMany validates everything first: one bad row, nothing written.
    await expect(notes.addMany([{ author: 1, body: 'ok' }, { author: 1 } as never])).rejects.toBeInstanceOf(ValidationError);
    expect(await notes.count()).toBe(0);
    await expect((notes as unknown as { nope(): Promise<unknown> }).nope()).rejects.toBeInstanceOf(ValidationError);
    await expect((chat.dao as (n: string) => { count(): Promise<number> })('missing').count()).rejects.toBeInstanceOf(ValidationError);
    // Object.prototype and constructor are not DAO methods.
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'model', 'session']) {
      await expect((notes as unknown as Record<string, () => Promise<unknown>>)[name]?.()).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('a unique violation inside the object arrives as UniqueConstraintError naming the table', async () => {
    const stub = env.NOTES.get(env.NOTES.idFromName(fresh()));
    await runInDurableObject(stub, async (instance) => {
      await instance.ready;
      await instance.engine.execute({ sql: 'CREATE UNIQUE INDEX notes_body ON notes (body)', params: [] });
    });
    const notes = objectFor(env.NOTES, stub.id.name as string).dao('notes');
    await notes.add({ author: 1, body: 'same' });
    const e = await notes.add({ author: 2, body: 'same' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UniqueConstraintError);
    expect((e as UniqueConstraintError).table).toBe('notes');
  });

  it("the object's own RPC methods do a whole unit of work in one round trip; in engine.transaction() concurrent calls are serialized", async () => {
    const chat = objectFor(env.NOTES, fresh());
    const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => chat.stub.addAndCount({ author: 1, body: `m${i}` })));
    // Each call read and wrote alone (blockConcurrencyWhile): the counts are exactly 1..20, in some order.
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Without the transaction, every write still lands once (each commit is atomic)…
    const loose = await Promise.all(Array.from({ length: 20 }, (_, i) => chat.stub.addAndCountLoosely({ author: 2, body: `n${i}` })));
    expect(await chat.dao('notes').count({ author: 2 })).toBe(20);
    // …but a count read before another call's commit can repeat; never beyond what was written.
    for (const c of loose) expect(c >= 1 && c <= 20).toBe(true);
  });

  it('the schema is created before the first request, and the data survives the object being evicted', async () => {
    const name = fresh();
    const chat = objectFor(env.NOTES, name);
    // The subclass reaches DurableObject's ctx (typed) through DatabaseObject's declared class type.
    expect(await chat.stub.whoAmI()).toBe(name);
    // No set-up call: the first RPC already finds the table.
    await chat.dao('notes').add({ author: 3, body: 'durable' });
    await evictDurableObject(chat.stub);
    const again = objectFor(env.NOTES, name);
    expect((await again.dao('notes').findAll()).map((n) => n.body)).toEqual(['durable']);
  });

  it('keys: the same chat id as number, bigint or string reaches the same object; different ids reach different ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }), async (id) => {
        expect(objectName(id)).toBe(String(id));
        expect(objectName(BigInt(id))).toBe(String(id));
        expect(env.NOTES.idFromName(objectName(id)).equals(env.NOTES.idFromName(objectName(String(id))))).toBe(true);
      }),
      { numRuns: 50 },
    );
    for (const bad of ['', 1.5, Number.NaN, 2 ** 60] as const) expect(() => objectName(bad)).toThrow(ValidationError);
    const a = objectFor(env.NOTES, `k-${Math.random()}`);
    const b = objectFor(env.NOTES, `k-${Math.random()}`);
    await a.dao('notes').add({ author: 1, body: 'only in a' });
    expect(await b.dao('notes').count()).toBe(0);
  });
});

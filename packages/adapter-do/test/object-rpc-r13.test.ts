// The DAO over RPC (objectFor(…).dao(…)) takes what the DAO takes in-process: increment() values (the safe pattern
// for concurrent writers) and col() operands cross RPC, whose structured clone drops their symbol brands.
import { env } from 'cloudflare:workers';
import { col, increment, ValidationError } from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectFor } from '../src/object.ts';

const fresh = () => `rpc-r13-${Math.random()}`;

describe('column expressions and column references over RPC', () => {
  it('update/bulkUpdate with increment(): concurrent calls from Workers lose no increment', async () => {
    const notes = objectFor(env.NOTES, fresh()).dao('notes');
    const a = await notes.add({ author: 8, body: 'x', stars: 1 });
    const counts = await Promise.all(Array.from({ length: 20 }, () => notes.update({ author: 8 }, { stars: increment(1) })));
    expect(counts).toEqual(Array(20).fill(1));
    expect((await notes.findOneOrNoneById(a.id))?.stars).toBe(21);
    expect(await notes.bulkUpdate([{ id: a.id, stars: increment(-5) }])).toBe(1);
    expect((await notes.findOneOrNoneById(a.id))?.stars).toBe(16);
  });

  it('property: filters comparing two columns with col() answer as in-process', async () => {
    const notes = objectFor(env.NOTES, fresh()).dao('notes');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { maxLength: 6 }),
        async (rows) => {
          await notes.delete({}, { all: true });
          if (rows.length) await notes.addMany(rows.map(([author, stars]) => ({ author, body: 'b', stars })));
          const lt = await notes.findAll({ stars: { lt: col('author') } });
          expect(lt.length).toBe(rows.filter(([author, stars]) => stars < author).length);
          const nested = await notes.count({ or: [{ stars: { eq: col('author') } }, { not: { stars: { gte: col('author') } } }] } as never);
          expect(nested).toBe(rows.filter(([author, stars]) => stars <= author).length);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a look-alike of the wire form from outside is not trusted blindly, and __proto__ keys are still refused', async () => {
    const notes = objectFor(env.NOTES, fresh()).dao('notes');
    await notes.add({ author: 1, body: 'x' });
    const parsed = JSON.parse('{"__proto__": {"author": 1}}') as never;
    await expect(notes.findAll(parsed)).rejects.toBeInstanceOf(ValidationError);
    await expect(notes.count({ author: { gt: { column: 'stars' } } } as never)).rejects.toBeInstanceOf(ValidationError);
  });
});

// A D1 commit whose connection fails mid-flight (H-47 in shared/research/RELIABILITY.md): the batch may have
// been applied with only its answer lost. The wrapper below forwards batch() to the REAL binding and then
// throws D1's own message, or throws before forwarding: the two cases the driver cannot tell apart.
import { env } from 'cloudflare:workers';
import { CommitOutcomeUnknownError, ConnectionError, createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createD1Driver } from '../src/index.ts';
import type { D1NativeBinding } from '../src/native.ts';
import { dropAllTables } from './support/d1.ts';

const Base = declarativeBase();
class Order extends Base('Order', { ref: t.text().unique() }) {}

/** The real binding, whose batch() fails with "Network connection lost" before or after really running. */
function flaky(binding: D1NativeBinding, when: 'before' | 'after'): D1NativeBinding {
  return new Proxy(binding, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'batch') {
        return async (statements: unknown[]) => {
          if (when === 'before') throw new Error('Network connection lost.');
          await (value as (s: unknown[]) => Promise<unknown>).call(target, statements);
          throw new Error('Network connection lost.');
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function rows(): Promise<string[]> {
  const res = await env.DB.prepare('SELECT ref FROM orders ORDER BY id').all<{ ref: string }>();
  return res.results.map((r) => r.ref);
}

beforeEach(async () => {
  await dropAllTables(env.DB);
  await createEngine(createD1Driver(env.DB)).createAll([Order]);
});

describe('a commit whose connection is lost', () => {
  it.each(['after', 'before'] as const)('raises CommitOutcomeUnknownError (fault %s the real batch)', async (when) => {
    const Session = createSessionMaker(createEngine(createD1Driver(flaky(env.DB, when))));
    const s = Session();
    s.addAll([new Order({ ref: 'a' }), new Order({ ref: 'b' })]);
    const err = await s.commit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitOutcomeUnknownError);
    expect(err).toBeInstanceOf(ConnectionError);
    // All or nothing, and which one depends on where the connection broke: exactly what the error says.
    expect(await rows()).toEqual(when === 'after' ? ['a', 'b'] : []);
  });

  it('a unique key turns a blind retry of an applied commit into a harmless constraint error, not duplicates', async () => {
    const Session = createSessionMaker(createEngine(createD1Driver(flaky(env.DB, 'after'))));
    const s = Session();
    s.add(new Order({ ref: 'once' }));
    await expect(s.commit()).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
    const retry = createSessionMaker(createEngine(createD1Driver(env.DB)))();
    retry.add(new Order({ ref: 'once' }));
    await expect(retry.commit()).rejects.toMatchObject({ code: 'UNIQUE_VIOLATION' });
    expect(await rows()).toEqual(['once']);
  });
});

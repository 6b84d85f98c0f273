/**
 * `@litedao/core/hono` with real Hono on better-sqlite3: the session is `c.var.db` (typed), committed after
 * the handler, rolled back when a handler throws, closed always; a failed commit reaches `app.onError`.
 */
import {
  createEngine,
  createSessionMaker,
  type Session as DbSession,
  declarativeBase,
  SessionClosedError,
  t,
  UniqueConstraintError,
} from '@litedao/core';
import { honoSession } from '@litedao/core/hono';
import fc from 'fast-check';
import { type Context, Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const Base = declarativeBase();
class Item extends Base('Item', { name: t.text().unique() }) {}

let engine = createEngine(createNodeDriver(':memory:'));
let Session = createSessionMaker(engine);

beforeEach(async () => {
  engine = createEngine(createNodeDriver(':memory:'));
  Session = createSessionMaker(engine);
  await Base.metadata.createAll(engine);
});
afterEach(() => engine.close());

async function names(): Promise<string[]> {
  const items = await Session.begin((s) => s.select(Item).orderBy({ name: 'asc' }).all());
  return items.map((i) => i.name);
}

/** The app under test: add an item, optionally fail after adding it. */
function makeApp() {
  const errors: unknown[] = [];
  const app = new Hono();
  app.onError((error, c) => {
    errors.push(error);
    return c.text(error instanceof UniqueConstraintError ? 'taken' : 'failed', error instanceof UniqueConstraintError ? 409 : 500);
  });
  const routes = app.use(honoSession(Session));
  routes.post('/items/:name', async (c) => {
    const db: DbSession = c.var.db; // typed by the middleware: no cast
    db.add(new Item({ name: c.req.param('name') }));
    if (c.req.query('fail')) throw new Error('handler failed after queuing a write');
    return c.text('ok');
  });
  return { app, errors };
}

describe('honoSession', () => {
  it('commits after the handler, and c.get/c.var see the same session', async () => {
    const app = new Hono();
    let seen: DbSession | undefined;
    app.use(honoSession(Session)).post('/a', (c) => {
      seen = c.get('db');
      expect(c.var.db).toBe(seen);
      c.var.db.add(new Item({ name: 'a' }));
      return c.text('ok');
    });
    expect((await app.request('/a', { method: 'POST' })).status).toBe(200);
    expect(await names()).toEqual(['a']);
    // Closed after the request: a handler's session cannot leak into later work.
    expect(() => seen?.add(new Item({ name: 'late' }))).toThrow(SessionClosedError);
  });

  it('rolls back when a handler throws, and app.onError sees the error once', async () => {
    const { app, errors } = makeApp();
    const res = await app.request('/items/x?fail=1', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(await names()).toEqual([]);
  });

  it('reports a failed commit to app.onError (nothing written)', async () => {
    const { app, errors } = makeApp();
    expect((await app.request('/items/x', { method: 'POST' })).status).toBe(200);
    const res = await app.request('/items/x', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(errors[0]).toBeInstanceOf(UniqueConstraintError);
    expect(await names()).toEqual(['x']);
  });

  it('takes a per-request maker and another key', async () => {
    type AppEnv = { Bindings: { maker: typeof Session } };
    const app = new Hono<AppEnv>();
    // The context's type comes from the callback's annotation (TypeScript cannot infer it from app.use).
    app.use(honoSession((c: Context<AppEnv>) => c.env.maker, { key: 'tx' })).post('/b', (c) => {
      c.var.tx.add(new Item({ name: 'b' }));
      // @ts-expect-error only the configured key is typed
      void c.var.db;
      return c.text('ok');
    });
    expect((await app.request('/b', { method: 'POST' }, { maker: Session })).status).toBe(200);
    expect(await names()).toEqual(['b']);
  });

  it('keeps the database equal to the requests that succeeded, for any sequence (model-based)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), fail: fc.boolean() }), { maxLength: 12 }),
        async (requests) => {
          await Session.begin(async (s) => {
            s.deleteWhere(Item, {}, { all: true });
          });
          const { app } = makeApp();
          const model = new Set<string>();
          for (const r of requests) {
            const res = await app.request(`/items/${r.name}${r.fail ? '?fail=1' : ''}`, { method: 'POST' });
            const expected = r.fail ? 500 : model.has(r.name) ? 409 : 200;
            expect(res.status).toBe(expected);
            if (expected === 200) model.add(r.name);
          }
          expect(await names()).toEqual([...model].sort());
        },
      ),
      { numRuns: 40 },
    );
  });
});

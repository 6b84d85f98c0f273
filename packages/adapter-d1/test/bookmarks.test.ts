// Read replication end to end: the fetch handler of docs/d1.md, which opens a D1 session from the client's
// `x-d1-bookmark` header (or on the primary) and answers with `session.bookmark` read after the commit, so
// the client's next request reads at least what it wrote. Miniflare has no replicas, so these tests check the
// plumbing (which session is opened, which bookmark travels back), not replica lag.

import { env } from 'cloudflare:workers';
import { ConfigurationError, createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createD1Driver, mapD1Error } from '../src/index.ts';
import type { D1NativeBinding } from '../src/native.ts';
import { countingBinding, dropAllTables } from './support/d1.ts';

const Base = declarativeBase();
class Note extends Base('Note', { body: t.text() }) {}

// --- the handler from docs/d1.md ("Read replication"), with the binding passed in so the test can watch it ---
async function handle(request: Request, db: D1NativeBinding): Promise<Response> {
  // Resume after the client's last request, or start on the primary (a write goes there anyway).
  const bookmark = request.headers.get('x-d1-bookmark') || 'first-primary';
  const engine = createEngine(createD1Driver(db, { session: bookmark }));
  const Session = createSessionMaker(engine);
  const session = Session();
  try {
    if (request.method === 'POST') {
      session.add(new Note({ body: await request.text() }));
      await session.commit(); // one D1 batch(), on the primary
    }
    const notes = await session.select(Note).orderBy({ id: 'asc' }).all();
    // Read after the commit and the query: the newest point this request has seen.
    return Response.json(
      notes.map((n) => n.body),
      { headers: { 'x-d1-bookmark': session.bookmark ?? '' } },
    );
  } finally {
    await session.close();
    await engine.close();
  }
}
// ------------------------------------------------------------------------------------------------------------

beforeEach(async () => {
  await dropAllTables(env.DB);
  await Base.metadata.createAll(createEngine(createD1Driver(env.DB)));
});

const request = (method: 'GET' | 'POST', bookmark?: string, body?: string) =>
  new Request('https://notes.example/', { method, body: body ?? null, headers: bookmark ? { 'x-d1-bookmark': bookmark } : {} });

describe('session.bookmark', () => {
  it('is null before the first query and a bookmark after commit; later commits move it forward', async () => {
    const driver = createD1Driver(env.DB, { session: 'first-primary' });
    const engine = createEngine(driver);
    const session = createSessionMaker(engine)();
    try {
      expect(session.bookmark).toBeNull();
      session.add(new Note({ body: 'one' }));
      await session.commit();
      const first = session.bookmark;
      expect(first).toEqual(expect.any(String));
      expect(first).toBe(driver.bookmark?.());
      session.add(new Note({ body: 'two' }));
      await session.commit();
      expect((session.bookmark as string).localeCompare(first as string)).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('is null on a plain binding (no read replication: every query on the primary)', async () => {
    const Session = createSessionMaker(createEngine(createD1Driver(env.DB)));
    const session = Session();
    session.add(new Note({ body: 'x' }));
    await session.commit();
    expect(session.bookmark).toBeNull();
    await session.close();
  });
});

describe('fetch handler passing the bookmark through x-d1-bookmark', () => {
  it('a request without a bookmark opens a first-primary session and answers one', async () => {
    const { binding, traffic } = countingBinding(env.DB);
    const res = await handle(request('POST', undefined, 'hello'), binding);
    expect(await res.json()).toEqual(['hello']);
    expect(traffic.sessions).toEqual(['first-primary']);
    expect(traffic.batches).toHaveLength(1); // the commit: one batch() with the INSERT
    expect(res.headers.get('x-d1-bookmark')).toEqual(expect.stringMatching(/\S/));
  });

  it('the next request resumes from that bookmark and reads the write', async () => {
    const first = await handle(request('POST', undefined, 'hello'), env.DB);
    const bookmark = first.headers.get('x-d1-bookmark') as string;

    const { binding, traffic } = countingBinding(env.DB);
    const next = await handle(request('GET', bookmark), binding);
    expect(traffic.sessions).toEqual([bookmark]);
    expect(traffic.batches).toEqual([]); // a read-only request commits nothing
    expect(await next.json()).toEqual(['hello']);
    const after = next.headers.get('x-d1-bookmark') as string;
    expect(after.localeCompare(bookmark)).toBeGreaterThanOrEqual(0);
  });

  it('bookmarks chain across several writes', async () => {
    let bookmark: string | undefined;
    for (const body of ['a', 'b', 'c']) {
      const res = await handle(request('POST', bookmark, body), env.DB);
      bookmark = res.headers.get('x-d1-bookmark') as string;
    }
    expect(await (await handle(request('GET', bookmark), env.DB)).json()).toEqual(['a', 'b', 'c']);
  });

  it('a bookmark D1 rejects is a ConfigurationError; Miniflare accepts any string', async () => {
    // Local D1 has no replicas and does not parse bookmarks: the request reads from the one database.
    await handle(request('POST', undefined, 'x'), env.DB);
    expect(await (await handle(request('GET', 'not-a-bookmark'), env.DB)).json()).toEqual(['x']);
    // D1 reports session problems as D1_SESSION_ERROR (workerd's d1-api.ts); how deployed D1 treats a
    // malformed bookmark cannot be observed locally. The error maps to ConfigurationError, so a handler can
    // answer 400 or retry with 'first-primary'.
    const mapped = mapD1Error(new Error('D1_SESSION_ERROR: invalid bookmark or constraint'));
    expect(mapped).toBeInstanceOf(ConfigurationError);
    expect(mapped.message).toContain('D1_SESSION_ERROR');
  });
});

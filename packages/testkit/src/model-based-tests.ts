/**
 * A model-based property test of the unit of work. fast-check generates random sequences of operations —
 * add, modify, delete, restore, upsert (also of loaded rows: a second object for one row, an alias), updateWhere,
 * deleteWhere, load, commit (plain, twice concurrently, with an object modified while it is in flight, or with the
 * connection failing before or after the real batch), rollback, and writes by a second session
 * — and each step runs against the real adapter and against a plain in-memory model of what the database
 * and the session's objects must hold. After every step the database's rows and every tracked object are
 * compared with the model; any divergence fails with the shrunk sequence that shows it.
 *
 * Runs: `LITEDAO_FC_RUNS` (default 200) per adapter.
 */
import {
  CommitOutcomeUnknownError,
  type Driver,
  inspect,
  type Session,
  type SessionMaker,
  StaleDataError,
  UniqueConstraintError,
  UnitAlreadyAppliedError,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, faultyDriver, setup } from './harness.ts';
import { Account } from './models.ts';

declare const process: { env: Record<string, string | undefined> } | undefined;

const RUNS = Number((typeof process !== 'undefined' && process.env.LITEDAO_FC_RUNS) || 200);

type Cmd =
  | { readonly k: 'add'; readonly tid: number; readonly name: string }
  | { readonly k: 'modify'; readonly at: number; readonly name: string }
  | { readonly k: 'delete'; readonly at: number }
  | { readonly k: 'restore'; readonly at: number }
  | { readonly k: 'upsert'; readonly tid: number; readonly name: string }
  | { readonly k: 'upsertLoaded'; readonly at: number; readonly name: string }
  | { readonly k: 'updateWhere'; readonly tid: number; readonly name: string }
  | { readonly k: 'deleteWhere'; readonly tid: number }
  | { readonly k: 'load'; readonly tid: number }
  | { readonly k: 'commit'; readonly fault: 'none' | 'before' | 'after' | 'twice' }
  | { readonly k: 'editInFlight'; readonly at: number; readonly name: string }
  | { readonly k: 'rollback' }
  | { readonly k: 'other'; readonly op: 'rename' | 'delete' | 'insert'; readonly tid: number; readonly name: string };

const tid = fc.integer({ min: 1, max: 4 });
const name = fc.constantFrom('a', 'b', 'c', 'd');
const at = fc.nat({ max: 5 });
const command: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('add' as const), tid, name }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('modify' as const), at, name }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('delete' as const), at }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('restore' as const), at }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('upsert' as const), tid, name }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('upsertLoaded' as const), at, name }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('updateWhere' as const), tid, name }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('deleteWhere' as const), tid }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('load' as const), tid }), weight: 3 },
  {
    arbitrary: fc.record({ k: fc.constant('commit' as const), fault: fc.constantFrom('none', 'none', 'none', 'before', 'after', 'twice') }),
    weight: 4,
  },
  { arbitrary: fc.record({ k: fc.constant('editInFlight' as const), at, name }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('rollback' as const) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('other' as const), op: fc.constantFrom('rename', 'delete', 'insert'), tid, name }), weight: 2 },
);

/** A row as the database holds it; `inc` tells a re-inserted row (new id) from the old one. */
interface Row {
  inc: number;
  name: string;
  version: number;
}

/** A persistent object of the session, as the model sees it. */
interface Entry {
  readonly obj: Account;
  readonly tid: number;
  inc: number;
  /** What the session last read or wrote for it. */
  snapName: string;
  snapVersion: number;
  /** The value the caller set on the object. */
  local: string;
  state: 'persistent' | 'deleted';
  expired: boolean;
}

type Pending =
  | { readonly k: 'add'; readonly obj: Account; readonly tid: number; readonly name: string }
  | { readonly k: 'delete'; readonly entry: Entry }
  | { readonly k: 'upsert'; readonly obj: Account; readonly tid: number; readonly name: string }
  | { readonly k: 'updateWhere'; readonly tid: number; readonly name: string }
  | { readonly k: 'deleteWhere'; readonly tid: number };

class World {
  db = new Map<number, Row>();
  entries: Entry[] = [];
  pending: Pending[] = [];
  #inc = 0;
  nextInc(): number {
    return ++this.#inc;
  }

  live(): Entry[] {
    return this.entries;
  }

  /** The entry holding a row incarnation (the identity map's canonical object). */
  entryFor(t: number, inc: number): Entry | undefined {
    return this.entries.find((e) => e.tid === t && e.inc === inc);
  }
}

type Outcome = { ok: true; db: Map<number, Row>; effects: (() => void)[] } | { ok: false; error: 'stale' | 'unique' | 'validation' };

/** What committing the session's unit of work must do, in the order the unit of work sends it. */
function simulate(w: World): Outcome {
  const db = new Map([...w.db].map(([k, r]) => [k, { ...r }]));
  const effects: (() => void)[] = [];
  const changed = (e: Entry) => e.state === 'persistent' && !e.expired && e.local !== e.snapName;
  // A row changed through two of its objects (upsert aliases): refused before anything is sent.
  const rows = new Set<string>();
  for (const e of w.entries) {
    if (!changed(e)) continue;
    if (rows.has(`${e.tid}#${e.inc}`)) return { ok: false, error: 'validation' };
    rows.add(`${e.tid}#${e.inc}`);
  }
  for (const e of w.entries) {
    if (!changed(e)) continue;
    const row = db.get(e.tid);
    if (!row || row.inc !== e.inc || row.version !== e.snapVersion) return { ok: false, error: 'stale' };
    const written = e.local; // what the batch sends: a change made while it is in flight waits for the next commit
    row.name = written;
    row.version++;
    const version = row.version;
    effects.push(() => {
      // Every object of the row follows; one with an unsaved change of its own keeps that value.
      for (const o of w.entries) {
        if (o.tid !== e.tid || o.inc !== e.inc) continue;
        if (o !== e && o.local === o.snapName) o.local = written;
        o.snapName = written;
        o.snapVersion = version;
      }
    });
  }
  // A delete queued after the unit's own updateWhere/upsert (which bump versions) has its version checked here,
  // before them, and then goes by id: the unit's own bump does not make it stale.
  const checkedFirst = new Set<Pending>();
  let bumps = false;
  for (const p of w.pending) {
    if (p.k === 'updateWhere' || p.k === 'upsert') bumps = true;
    else if (p.k === 'delete' && bumps) {
      const row = db.get(p.entry.tid);
      if (!row || row.inc !== p.entry.inc || row.version !== p.entry.snapVersion) return { ok: false, error: 'stale' };
      checkedFirst.add(p);
    }
  }
  for (const p of w.pending) {
    switch (p.k) {
      case 'add': {
        if (db.has(p.tid)) return { ok: false, error: 'unique' };
        const row = { inc: w.nextInc(), name: p.name, version: 1 };
        db.set(p.tid, row);
        effects.push(() => {
          w.entries.push({
            obj: p.obj,
            tid: p.tid,
            inc: row.inc,
            snapName: p.name,
            snapVersion: 1,
            local: p.name,
            state: 'persistent',
            expired: false,
          });
        });
        break;
      }
      case 'delete': {
        const row = db.get(p.entry.tid);
        if (!row || row.inc !== p.entry.inc || (!checkedFirst.has(p) && row.version !== p.entry.snapVersion))
          return { ok: false, error: 'stale' };
        db.delete(p.entry.tid);
        effects.push(() => {
          w.entries = w.entries.filter((e) => !(e.tid === p.entry.tid && e.inc === row.inc));
        });
        break;
      }
      case 'upsert': {
        let row = db.get(p.tid);
        if (row) {
          row.name = p.name;
          row.version++;
        } else {
          row = { inc: w.nextInc(), name: p.name, version: 1 };
          db.set(p.tid, row);
        }
        const { inc, version } = row;
        effects.push(() => {
          for (const e of w.entries) {
            if (e.tid === p.tid && e.inc === inc)
              Object.assign(e, { snapName: p.name, snapVersion: version, local: p.name, expired: false });
          }
          w.entries.push({
            obj: p.obj,
            tid: p.tid,
            inc,
            snapName: p.name,
            snapVersion: version,
            local: p.name,
            state: 'persistent',
            expired: false,
          });
        });
        break;
      }
      case 'updateWhere': {
        const row = db.get(p.tid);
        if (!row) break;
        row.name = p.name;
        row.version++;
        const { inc, version } = row;
        effects.push(() => {
          // Only the columns it set come back: an expired object stays expired.
          for (const e of w.entries) {
            if (e.tid === p.tid && e.inc === inc) Object.assign(e, { snapName: p.name, snapVersion: version, local: p.name });
          }
        });
        break;
      }
      case 'deleteWhere': {
        const row = db.get(p.tid);
        if (!row) break;
        db.delete(p.tid);
        effects.push(() => {
          w.entries = w.entries.filter((e) => !(e.tid === p.tid && e.inc === row.inc));
        });
        break;
      }
    }
  }
  return { ok: true, db, effects };
}

async function readDb(driver: Driver): Promise<Map<number, { name: string; version: number }>> {
  const res = await driver.execute({
    sql: 'SELECT tid, name, version FROM accounts ORDER BY tid',
    params: [],
    returnsRows: true,
    columns: ['tid', 'name', 'version'],
  });
  return new Map(res.rows.map((r) => [Number(r[0]), { name: String(r[1]), version: Number(r[2]) }]));
}

async function check(w: World, driver: Driver, step: string): Promise<void> {
  const real = await readDb(driver);
  const expected = new Map([...w.db].map(([k, r]) => [k, { name: r.name, version: r.version }]));
  expect(real, `database after ${step}`).toEqual(expected);
  for (const e of w.entries) {
    const info = inspect(e.obj);
    expect(info.state, `state of ${e.tid}#${e.inc} after ${step}`).toBe(e.state);
    expect(e.obj.name, `value of ${e.tid}#${e.inc} after ${step}`).toBe(e.local);
    if (!e.expired) expect(e.obj.version, `version of ${e.tid}#${e.inc} after ${step}`).toBe(e.snapVersion);
  }
  for (const p of w.pending) {
    if (p.k === 'add' || p.k === 'upsert') {
      expect(inspect(p.obj).state, `pending object after ${step}`).toBe('pending');
      if (p.k === 'add') expect(p.obj.id, `pending object's id after ${step}`).toBeUndefined();
    }
  }
}

async function commitStep(
  w: World,
  s: Session,
  fault: 'none' | 'before' | 'after' | 'twice',
  failNext: (f: 'before' | 'after') => void,
  /** Runs right after commit() is called, while its batch is in flight (or after it failed). */
  during: () => void = () => {},
): Promise<void> {
  const hasWork = w.pending.length > 0 || w.entries.some((e) => e.state === 'persistent' && !e.expired && e.local !== e.snapName);
  if (!hasWork) {
    // Nothing to send: no batch, so no fault can strike.
    await s.commit();
    during();
    return;
  }
  const outcome = simulate(w);
  const failure = async (p: Promise<unknown>, cls: abstract new (...a: never[]) => Error) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, `commit should fail with ${cls.name}`).toBeInstanceOf(cls);
    return err;
  };
  if (!outcome.ok) {
    const cls = outcome.error === 'stale' ? StaleDataError : outcome.error === 'unique' ? UniqueConstraintError : ValidationError;
    if (outcome.error === 'validation') {
      // Refused while planning: no batch, so no fault can strike.
      await failure(s.commit(), ValidationError);
      during();
      return;
    }
    if (fault === 'before') {
      failNext('before');
      await failure(s.commit(), CommitOutcomeUnknownError);
    }
    if (fault === 'twice') {
      // Both settle before the next step (a rollback during the second one is its own deterministic test): the
      // second sends the restored work again and fails the same way.
      for (const r of await Promise.allSettled([s.commit(), s.commit()])) {
        expect(r.status, 'both concurrent commits fail').toBe('rejected');
        expect((r as PromiseRejectedResult).reason, `commit should fail with ${cls.name}`).toBeInstanceOf(cls);
      }
    } else await failure(s.commit(), cls);
    during();
    return; // nothing written, nothing changed; the pending work stays
  }
  if (fault === 'before') {
    failNext('before');
    const err = (await failure(s.commit(), CommitOutcomeUnknownError)) as CommitOutcomeUnknownError;
    expect(await err.wasApplied()).toBe(false);
    await s.commit();
  } else if (fault === 'after') {
    failNext('after');
    const err = (await failure(s.commit(), CommitOutcomeUnknownError)) as CommitOutcomeUnknownError;
    expect(await err.wasApplied()).toBe(true);
    await failure(s.commit(), UnitAlreadyAppliedError);
    // Applied, but never applied to the objects: the session expired them; pending objects were dropped.
    w.db = outcome.db;
    w.pending = [];
    // Pending deletions were cancelled with the rest of the queued work.
    for (const e of w.entries) Object.assign(e, { expired: true, state: 'persistent' });
    return;
  } else if (fault === 'twice') {
    await Promise.all([s.commit(), s.commit()]);
  } else {
    const inFlight = s.commit();
    during();
    await inFlight;
  }
  w.db = outcome.db;
  w.pending = [];
  for (const f of outcome.effects) f();
}

async function step(w: World, c: Cmd, s: Session, Session: SessionMaker, failNext: (f: 'before' | 'after') => void): Promise<void> {
  const persistent = w.entries.filter((e) => e.state === 'persistent');
  switch (c.k) {
    case 'add': {
      const obj = new Account({ tid: c.tid, name: c.name });
      s.add(obj);
      w.pending.push({ k: 'add', obj, tid: c.tid, name: c.name });
      return;
    }
    case 'modify': {
      const e = persistent[c.at % Math.max(1, persistent.length)];
      if (!e) return;
      e.obj.name = c.name;
      e.local = c.name;
      return;
    }
    case 'delete': {
      const e = persistent[c.at % Math.max(1, persistent.length)];
      if (!e) return;
      s.delete(e.obj);
      e.state = 'deleted';
      w.pending.push({ k: 'delete', entry: e });
      return;
    }
    case 'restore': {
      const deleted = w.entries.filter((e) => e.state === 'deleted');
      const e = deleted[c.at % Math.max(1, deleted.length)];
      if (!e) return;
      s.add(e.obj);
      e.state = 'persistent';
      w.pending = w.pending.filter((p) => !(p.k === 'delete' && p.entry === e));
      return;
    }
    case 'upsert':
    case 'upsertLoaded': {
      // upsertLoaded: the key of a row the session holds, so the upsert's object is a second one for it (an alias).
      const t = c.k === 'upsert' ? c.tid : persistent[c.at % Math.max(1, persistent.length)]?.tid;
      if (t === undefined) return;
      const obj = s.upsert(Account, { tid: t, name: c.name }, { on: ['tid'] });
      w.pending.push({ k: 'upsert', obj, tid: t, name: c.name });
      return;
    }
    case 'updateWhere':
      s.updateWhere(Account, { tid: c.tid }, { name: c.name });
      w.pending.push({ k: 'updateWhere', tid: c.tid, name: c.name });
      return;
    case 'deleteWhere':
      s.deleteWhere(Account, { tid: c.tid });
      w.pending.push({ k: 'deleteWhere', tid: c.tid });
      return;
    case 'load': {
      const got = await s.select(Account).where({ tid: c.tid }).oneOrNull();
      const row = w.db.get(c.tid);
      const known = row ? w.entryFor(c.tid, row.inc) : undefined;
      if (!row || known?.state === 'deleted') {
        expect(got, `load ${c.tid}`).toBeNull();
        return;
      }
      if (known) {
        expect(got, `load ${c.tid} gives the mapped object`).toBe(known.obj);
        // Every object of the row that has no unsaved change (or is expired) takes the stored values.
        for (const e of w.entries) {
          if (e.tid !== c.tid || e.inc !== row.inc) continue;
          if (e.expired || e.local === e.snapName)
            Object.assign(e, { snapName: row.name, snapVersion: row.version, local: row.name, expired: false });
        }
        return;
      }
      expect(got?.name).toBe(row.name);
      w.entries.push({
        obj: got as Account,
        tid: c.tid,
        inc: row.inc,
        snapName: row.name,
        snapVersion: row.version,
        local: row.name,
        state: 'persistent',
        expired: false,
      });
      return;
    }
    case 'commit':
      await commitStep(w, s, c.fault, failNext);
      return;
    case 'editInFlight': {
      // An object modified while the commit is in flight: the batch already sent keeps what was planned; the
      // change stays on the object, unsaved, for the next commit.
      const e = persistent[c.at % Math.max(1, persistent.length)];
      await commitStep(w, s, 'none', failNext, () => {
        if (!e || e.state !== 'persistent') return;
        e.obj.name = c.name;
        e.local = c.name;
      });
      return;
    }
    case 'rollback':
      s.rollback();
      w.pending = [];
      w.entries = []; // a plain rollback detaches every object
      return;
    case 'other': {
      const row = w.db.get(c.tid);
      if (c.op === 'rename' && row) {
        await Session.begin(async (o) => o.updateWhere(Account, { tid: c.tid }, { name: c.name }));
        row.name = c.name;
        row.version++;
      } else if (c.op === 'delete' && row) {
        await Session.begin(async (o) => o.deleteWhere(Account, { tid: c.tid }));
        w.db.delete(c.tid);
      } else if (c.op === 'insert' && !row) {
        await Session.begin(async (o) => o.add(new Account({ tid: c.tid, name: c.name })));
        w.db.set(c.tid, { inc: w.nextInc(), name: c.name, version: 1 });
      }
      return;
    }
  }
}

export function modelBasedTests(target: ConformanceTarget): void {
  describe('unit of work: model-based', () => {
    it(`random sequences of writes, loads, commits (with failures injected), rollbacks and a second session agree with the model (${RUNS} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (cmds) => {
          let fault!: ReturnType<typeof faultyDriver>;
          const { Session, driver, engine } = await setup(target, {
            engine: { unitLog: true },
            wrap: (d) => {
              fault = faultyDriver(d);
              return fault.driver;
            },
          });
          const w = new World();
          const s = Session();
          try {
            for (const [i, c] of cmds.entries()) {
              await step(w, c, s, Session, (f) => fault.failNext(f));
              await check(w, driver, `step ${i} ${JSON.stringify(c)}`);
            }
          } finally {
            await s.close();
            // One database per run: adapters that hold one connection per target (the browser Worker) need it back.
            await engine.close();
          }
        }),
        { numRuns: RUNS },
      );
    }, 600_000);
  });
}

// Concurrency on better-sqlite3 that only a real file and real processes can show: lost updates between
// processes (issue 9 class 5) and the event loop staying free while another connection holds the lock
// (class 11). Verdicts never depend on machine speed: counts and the order of events, not durations.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver, createNodeEngine } from '../src/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'litedao-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Base = declarativeBase();
class Counter extends Base('Counter', { name: t.text().unique(), n: t.integer().default(0), version: t.version() }) {}
class PlainCounter extends Base('PlainCounter', { name: t.text().unique(), n: t.integer().default(0) }) {}
class Note extends Base('Note', { text: t.text() }) {}

const WRITERS = 4;
const MIN_INCREMENTS = Number(process.env.LITEDAO_CONCURRENCY_INCREMENTS ?? 150);
const MIN_MS = Number(process.env.LITEDAO_CONCURRENCY_MS ?? 5000);

async function writers(url: string, mode: 'versioned' | 'plain') {
  const script = join(import.meta.dirname, 'fixtures', 'counter.ts');
  const outs = await Promise.all(
    Array.from({ length: WRITERS }, () => run(process.execPath, [script, url, String(MIN_INCREMENTS), String(MIN_MS), mode], { cwd: dir })),
  );
  return outs.map((o) => JSON.parse(o.stdout) as { done: number; retries: number; ms: number });
}

describe('lost updates between processes', () => {
  it(`${WRITERS} writers × ≥ ${MIN_MS} ms of read-modify-write on a versioned model with retry lose no increment`, async () => {
    const url = `sqlite:///${join(dir, 'counter.db')}`;
    const engine = createNodeEngine(url);
    await engine.createAll([Counter, PlainCounter]);
    await createSessionMaker(engine).begin(async (s) => {
      s.add(new Counter({ name: 'hits' }));
      s.add(new PlainCounter({ name: 'hits' }));
    });
    const versioned = await writers(url, 'versioned');
    const plain = await writers(url, 'plain');
    const committed = versioned.reduce((n, w) => n + w.done, 0);
    const stored = await createSessionMaker(engine)().select(Counter).one();
    const plainCommitted = plain.reduce((n, w) => n + w.done, 0);
    const plainStored = await createSessionMaker(engine)().select(PlainCounter).one();
    console.info(
      `versioned: ${committed} increments committed by ${WRITERS} processes, ${stored.n} stored, ` +
        `${versioned.reduce((n, w) => n + w.retries, 0)} retries; plain read-modify-write (last writer wins): ` +
        `${plainCommitted} committed, ${plainStored.n} stored (${plainCommitted - plainStored.n} lost)`,
    );
    expect(committed).toBeGreaterThanOrEqual(WRITERS * MIN_INCREMENTS);
    expect(stored.n).toBe(committed);
    expect(stored.version).toBe(committed + 1);
    await engine.close();
  }, 600_000);
});

describe('the event loop while another connection holds the write lock', () => {
  it('timers keep firing while a commit waits for the lock, and the commit goes through once it is released', async () => {
    const file = join(dir, 'lock.db');
    const engine = createEngine(createNodeDriver(file, { busyTimeoutMs: 60_000 }));
    await engine.createAll([Note]);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    const events: string[] = [];
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const interval = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    // The holder lets go from a timer: with a synchronous busy wait this timer could never fire while the
    // commit waits, and the commit would fail after the whole timeout instead.
    setTimeout(() => {
      events.push('released');
      holder.exec('ROLLBACK');
    }, 200);
    const s = createSessionMaker(engine)();
    s.add(new Note({ text: 'waited' }));
    await s.commit();
    events.push('committed');
    clearInterval(interval);
    holder.close();
    console.info(`${ticks} timer ticks while the commit waited for the lock; largest gap between ticks ${maxGap.toFixed(1)} ms`);
    expect(events).toEqual(['released', 'committed']);
    expect(ticks).toBeGreaterThan(0);
    expect(await createSessionMaker(engine)().select(Note).count()).toBe(1);
    await engine.close();
  });
});

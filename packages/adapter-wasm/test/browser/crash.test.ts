import type { Driver } from '@litedao/core';
import { expect, it } from 'vitest';
import { createWorkerDriver, type SahPoolSettings } from '../../src/index.ts';
import { st, startWorker, uniquePool } from './support.ts';

// RELIABILITY.md H-45: a Worker terminated during a commit. Every commit must be all or nothing after the
// next open (hot-journal rollback), and every acknowledged commit must be there.
//
// Chromium lets a terminated Worker run its current task for up to ~2 s before killing it, so commits shorter
// than that finish; only a longer commit is really cut in the middle. Both cases are tested.
//
// The verdicts never depend on how fast this machine is: the work is bounded (a fixed number of kills, a fixed
// number of rows), and the time limits below are hang guards sized for a loaded 2-core CI machine, not
// targets. Each reopen waits for the killed Worker to release the pool (~2 s each on a quiet machine, longer
// under load), which is what made a 30 s limit flaky.
const HANG_GUARD_MS = 600_000;
const ACQUIRE_GUARD_MS = 120_000;

const SCHEMA = [
  st('CREATE TABLE ledger (id INTEGER PRIMARY KEY, commit_no INTEGER NOT NULL, n INTEGER NOT NULL, pad BLOB)'),
  st('CREATE TABLE commits (no INTEGER PRIMARY KEY)'),
];

// One commit: `rows` rows of ~200 bytes (more than SQLite's page cache, so pages spill to the file before
// COMMIT and a hot journal exists while it runs) plus a marker row, in one batch message.
const commitStatements = (no: number, rows: number) => [
  st(
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) ' +
      'INSERT INTO ledger (commit_no, n, pad) SELECT ?, x, randomblob(200) FROM c',
    [rows, no],
  ),
  st('INSERT INTO commits (no) VALUES (?)', [no]),
];

async function openPool(pool: SahPoolSettings): Promise<{ worker: Worker; driver: Driver }> {
  const worker = startWorker();
  // A Worker killed mid-task keeps the pool for up to ~2 s; wait for it.
  const driver = await createWorkerDriver(worker, { filename: '/crash.db', vfs: pool, acquireTimeoutMs: ACQUIRE_GUARD_MS });
  return { worker, driver };
}

async function checkAllOrNothing(pool: SahPoolSettings, rows: number, acknowledged: Set<number>) {
  const { worker, driver } = await openPool(pool);
  try {
    expect((await driver.execute(st('PRAGMA integrity_check'))).rows).toEqual([['ok']]);
    const perCommit = await driver.execute(st('SELECT commit_no, count(*) FROM ledger GROUP BY commit_no'));
    const counts = new Map(perCommit.rows.map(([no, count]) => [Number(no), Number(count)]));
    const markers = (await driver.execute(st('SELECT no FROM commits ORDER BY no'))).rows.map(([no]) => Number(no));
    for (const [no, count] of counts) expect(count, `commit ${no}`).toBe(rows);
    expect(markers).toEqual([...counts.keys()].sort((a, b) => a - b));
    for (const no of acknowledged) expect(counts.get(no), `acknowledged commit ${no}`).toBe(rows);
    return counts;
  } finally {
    await driver.close();
    worker.terminate();
  }
}

it(
  'short commits (< 2 s) killed at random points: each is all or nothing, acknowledged ones survive (10 kills)',
  async () => {
    const KILLS = 10;
    const ROWS = 20_000;
    const pool = uniquePool('crash-short');
    const setup = await openPool(pool);
    await setup.driver.batch(SCHEMA);
    const t0 = performance.now();
    await setup.driver.batch(commitStatements(0, ROWS));
    const commitMs = performance.now() - t0;
    await setup.driver.close();
    setup.worker.terminate();

    const acknowledged = new Set<number>([0]);
    for (let k = 1; k <= KILLS; k++) {
      const { worker, driver } = await openPool(pool);
      const commit = driver.batch(commitStatements(k, ROWS)).then(() => acknowledged.add(k));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * commitMs * 1.3));
      worker.terminate();
      void commit.catch(() => undefined);
    }
    const counts = await checkAllOrNothing(pool, ROWS, acknowledged);
    console.info(
      `H-45 short: one commit ≈ ${commitMs.toFixed(0)} ms; ${KILLS} kills → ${counts.size - 1} complete, ` +
        `${KILLS + 1 - counts.size} absent, ${acknowledged.size - 1} acknowledged before the kill, 0 partial`,
    );
  },
  HANG_GUARD_MS,
);

it(
  'long commits cut in the middle by termination roll back on the next open (3 kills)',
  async () => {
    const KILLS = 3;
    const ROWS = 300_000; // ~8 s of work: Chromium's forcible termination (~2 s) lands inside it
    const pool = uniquePool('crash-long');
    const setup = await openPool(pool);
    await setup.driver.batch([...SCHEMA, ...commitStatements(0, 1000)]);
    await setup.driver.close();
    setup.worker.terminate();

    for (let k = 1; k <= KILLS; k++) {
      const { worker, driver } = await openPool(pool);
      void driver.batch(commitStatements(k, ROWS)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 500));
      worker.terminate();
    }
    const counts = await checkAllOrNothing(pool, 1000, new Set([0]));
    expect([...counts.keys()]).toEqual([0]);
    console.info(`H-45 long: ${KILLS} commits killed mid-way → 0 partial, 0 present, integrity ok`);
  },
  HANG_GUARD_MS,
);

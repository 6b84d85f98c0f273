/**
 * Captures the SQL litedao sends for the workloads, from litedao itself: a real driver (on a seeded database)
 * wrapped so it records every statement, and one call of each operation. The raw "same work" baselines send
 * these texts, so they can never drift from what litedao generates. Environment-neutral (also bundled into
 * the D1 Worker); nothing here is timed.
 */
import { createEngine, createSessionMaker, type Driver, type Statement } from '@litedao/core';
import { User } from './models.ts';
import type { LitedaoSql } from './workloads.ts';

/** The same driver, recording the statements it is given. */
function recording(driver: Driver, seen: Statement[]): Driver {
  const transaction = driver.transaction?.bind(driver);
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    ...(transaction ? { transaction } : {}),
    limits: driver.limits,
    execute: (s) => {
      seen.push(s);
      return driver.execute(s);
    },
    batch: (ss) => {
      seen.push(...ss);
      return driver.batch(ss);
    },
    close: () => driver.close(),
    mapError: (e) => driver.mapError(e),
  };
}

/** Runs each operation once on `driver` (its database holds seeded `users`, id 1 included) and returns its SQL. */
export async function captureLitedaoSql(driver: Driver): Promise<LitedaoSql> {
  const seen: Statement[] = [];
  const engine = createEngine(recording(driver, seen));
  const Session = createSessionMaker(engine);
  const last = (): string => {
    const s = seen.at(-1);
    if (!s) throw new Error('litedao sent no statement');
    return s.sql;
  };
  try {
    const s = Session();
    await s.get(User, 1);
    const selectById = last();
    await s.select(User).orderBy({ id: 'asc' }).all();
    const selectAll = last();
    await s.close();

    const w = Session();
    w.updateWhere(User, { id: 1 }, { name: 'user 1' });
    await w.commit();
    const updateWhere = last();
    await w.close();

    const m = Session();
    const u = await m.get(User, 1);
    if (!u) throw new Error('seed row 1 missing');
    u.name = 'user 1 (captured)';
    await m.commit();
    const updateLoaded = last();
    u.name = 'user 1';
    await m.commit();
    await m.close();
    return { selectById, selectAll, updateWhere, updateLoaded };
  } finally {
    await engine.close();
  }
}

import type { Statement } from '@litedao/core';
import type { SahPoolSettings } from '../../src/index.ts';

/** Starts the package's ready-made worker entry as a module Worker, as an application would. */
export function startWorker(): Worker {
  return new Worker(new URL('../../src/worker-entry.ts', import.meta.url), { type: 'module' });
}

/** A SAH pool of its own (own OPFS directory), so test files never contend for one pool by accident. */
export function uniquePool(label: string): SahPoolSettings {
  const id = `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: `litedao-test-${id}`, directory: `.litedao-test-${id}` };
}

export const st = (sql: string, params: Statement['params'] = [], extra: Partial<Statement> = {}): Statement => ({
  sql,
  params,
  ...extra,
});

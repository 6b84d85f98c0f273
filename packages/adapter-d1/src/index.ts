/**
 * litedao's Cloudflare D1 adapter: `createD1Driver(env.DB)` turns a D1 binding into a litedao driver.
 * Units of work commit as one atomic D1 `batch()`; D1 has no interactive transactions.
 */

export type { D1DriverOptions, D1SessionConstraint } from './d1-driver.ts';
export { createD1Driver, D1_CAPABILITIES, D1_LIMITS, mapD1Error } from './d1-driver.ts';
export type {
  D1NativeBinding,
  D1NativeDatabase,
  D1NativeMeta,
  D1NativePreparedStatement,
  D1NativeResult,
  D1NativeSession,
} from './native.ts';

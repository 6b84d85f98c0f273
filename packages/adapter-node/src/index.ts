/** @litedao/adapter-node: litedao on better-sqlite3 (Node >= 22). */

export type { NativeDatabase, NativeStatement } from './native.ts';
export type { NodeDriverOptions } from './node-driver.ts';
export { createNodeDriver } from './node-driver.ts';
export type { DatabaseUrl } from './node-engine.ts';
export { createNodeEngine, filenameFromUrl, parseDatabaseUrl } from './node-engine.ts';

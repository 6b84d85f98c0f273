/** @litedao/adapter-node: litedao on better-sqlite3 (Node >= 22). */
export { createNodeDriver } from './node-driver.ts';
export type { NodeDriverOptions } from './node-driver.ts';
export { createNodeEngine, filenameFromUrl } from './node-engine.ts';
export type { NativeDatabase, NativeStatement } from './native.ts';

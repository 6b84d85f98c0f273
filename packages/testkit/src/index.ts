/**
 * The shared conformance suite (private package). It imports only vitest and @litedao/core, so the same
 * file runs unchanged in Node, inside workerd and in Chromium.
 */

export type { ConformanceTarget } from './conformance.ts';
export { defineConformanceSuite } from './conformance.ts';
export { promiseTurns } from './promise-turns.ts';

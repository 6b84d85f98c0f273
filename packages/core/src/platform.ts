/**
 * The few runtime globals core uses, which every runtime litedao supports has (Node ≥ 22, workerd, current
 * browsers). Reached through `globalThis` with local types, so core needs neither DOM nor Node typings and
 * its published declarations do not drag either into a consumer's project.
 */
type TimerHandle = unknown;

interface PlatformGlobals {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  structuredClone<T>(value: T): T;
  crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
}

const g = globalThis as unknown as PlatformGlobals;

/** Resolves after `ms` milliseconds (a timer: the event loop keeps running). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    g.setTimeout(resolve, ms);
  });
}

/** Starts a timer; returns a function that cancels it. */
export function startTimer(ms: number, callback: () => void): () => void {
  const handle = g.setTimeout(callback, ms);
  return () => g.clearTimeout(handle);
}

/** A deep copy of a structured-cloneable value (constant object defaults, cloned per row). */
export function deepCopy<T>(value: T): T {
  return g.structuredClone(value);
}

/** Fills `array` with cryptographically strong random bytes. */
export function randomBytes(array: Uint8Array): Uint8Array {
  return g.crypto.getRandomValues(array);
}

/** A monotonic clock in milliseconds where the runtime has one (`performance.now()`), else the wall clock. */
export function now(): number {
  const perf = (globalThis as { performance?: { now?: () => number } }).performance;
  return typeof perf?.now === 'function' ? perf.now() : Date.now();
}

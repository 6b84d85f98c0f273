/**
 * A full GC between runs, so one target's garbage is not collected on the next target's clock. `npm run
 * bench` starts Node without `--expose-gc`, so the flag is set at run time and `gc` fetched from a fresh
 * context (the documented V8 way: https://nodejs.org/api/v8.html#v8setflagsfromstringflags).
 */
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

export function fullGc(): void {
  gcFn();
}

/**
 * CPU time of this process (user + system, all threads: V8's GC and compiler threads included), in ms. The
 * in-process sections time their runs with it rather than the wall clock: every target there is synchronous
 * CPU work, and on a shared machine the wall clock also counts the time other processes held the CPU.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** What a piece of code allocated on the V8 heap, and what of it stayed reachable. */
export interface HeapUse {
  /** Bytes allocated while `fn` ran: the heap's growth plus everything the collections in between freed. */
  readonly allocated: number;
  /** Bytes still used after a full GC while `fn`'s result is held, over the heap before it ran. */
  readonly retained: number;
}

/**
 * Measures the heap bytes `fn` allocates and retains. Allocation is counted, not timed: `v8.GCProfiler`
 * reports the used heap before and after every collection during the run, so allocated = (used at the end −
 * used at the start) + Σ (freed by each collection). Bytes, not milliseconds: independent of machine load.
 *
 * `warmUp` runs untimed between the full GC and the count (the same work on a little data, so `fn` runs
 * optimized code, as in an application; see node/section.ts `warmUpInputs`). What it leaves behind is garbage
 * the count may include as freed: keep it small next to `fn`.
 */
export async function heapUse(fn: () => unknown, warmUp?: () => unknown): Promise<HeapUse> {
  gcFn();
  const clean = getHeapStatistics().used_heap_size;
  await warmUp?.();
  const profiler = new GCProfiler();
  profiler.start();
  const before = getHeapStatistics().used_heap_size;
  let kept: unknown = await fn();
  const end = getHeapStatistics().used_heap_size;
  const stats = profiler.stop()?.statistics ?? [];
  let freed = 0;
  for (const s of stats) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  gcFn();
  const retained = getHeapStatistics().used_heap_size - clean;
  // Keeps the result reachable until after the last measurement.
  if (kept === before) kept = undefined;
  return { allocated: end - before + freed, retained };
}

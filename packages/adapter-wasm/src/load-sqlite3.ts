import type { NativeSqlite3 } from './native.ts';

let loading: Promise<NativeSqlite3> | undefined;

/**
 * Initializes sqlite-wasm once per JavaScript realm and returns the `sqlite3` namespace.
 *
 * The import is dynamic so that a page which only talks to a Worker (`createWorkerDriver`) never pulls the
 * ~650 kB module and its wasm into the page bundle. A failed initialization is not cached, so a later call
 * can retry (a transient fetch failure of `sqlite3.wasm` should not poison the page).
 */
export function loadSqlite3(): Promise<NativeSqlite3> {
  loading ??= import('@sqlite.org/sqlite-wasm')
    .then((mod) => mod.default())
    .then((sqlite3) => sqlite3 as unknown as NativeSqlite3)
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

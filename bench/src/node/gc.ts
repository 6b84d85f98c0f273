/**
 * A full GC between runs, so one target's garbage is not collected on the next target's clock. `npm run
 * bench` starts Node without `--expose-gc`, so the flag is set at run time and `gc` fetched from a fresh
 * context (the documented V8 way: https://nodejs.org/api/v8.html#v8setflagsfromstringflags).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

export function fullGc(): void {
  gcFn();
}

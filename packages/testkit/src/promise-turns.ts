/**
 * How many promise turns (`await null`) pass before `p` settles, fulfilled or rejected: what a test asserts to
 * pin the number of async layers a read goes through (stops counting at 50).
 */
export async function promiseTurns(p: Promise<unknown>): Promise<number> {
  let settled = false;
  const done = () => {
    settled = true;
  };
  void p.then(done, done);
  let n = 0;
  while (!settled && n < 50) {
    await null;
    n++;
  }
  return n;
}

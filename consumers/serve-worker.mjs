// Runs a bundled Worker in workerd (wrangler's own Miniflare) with its bindings (Miniflare options as JSON:
// a D1 database from a wrangler --persist-to directory, SQLite-backed Durable Object classes), sends the
// requests given as JSON on argv, and prints the responses as JSON. Run in a child process: the workerd
// runtime does not start inside a vitest worker.
import { createRequire } from 'node:module';

const [wranglerJs, scriptPath, persist, bindingsJson, requestsJson] = process.argv.slice(2);
const { Miniflare, convertV4MiniflareOptions } = createRequire(wranglerJs)('miniflare');
const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: true,
    scriptPath,
    compatibilityDate: '2026-11-01',
    ...JSON.parse(bindingsJson),
    resourcePersistencePath: persist,
  }),
);
const out = [];
try {
  for (const r of JSON.parse(requestsJson)) {
    const url = new URL(r.path ?? '/', 'http://consumer.test');
    const res = await mf.dispatchFetch(url, r.body ? { method: 'POST', body: JSON.stringify(r.body) } : {});
    out.push({ status: res.status, body: await res.text() });
  }
} finally {
  await mf.dispose();
}
process.stdout.write(JSON.stringify(out));

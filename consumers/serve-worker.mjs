// Runs a bundled Worker in workerd (wrangler's own Miniflare) against a wrangler --persist-to directory,
// sends the requests given as JSON on argv, and prints the responses as JSON. Run in a child process: the
// workerd runtime does not start inside a vitest worker.
import { createRequire } from 'node:module';

const [wranglerJs, scriptPath, persist, databaseId, requestsJson] = process.argv.slice(2);
const { Miniflare, convertV4MiniflareOptions } = createRequire(wranglerJs)('miniflare');
const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: true,
    scriptPath,
    compatibilityDate: '2026-11-01',
    d1Databases: { DB: databaseId },
    resourcePersistencePath: persist,
  }),
);
const out = [];
try {
  for (const r of JSON.parse(requestsJson)) {
    const res = await mf.dispatchFetch('http://consumer.test/', r.body ? { method: 'POST', body: JSON.stringify(r.body) } : {});
    out.push({ status: res.status, body: await res.text() });
  }
} finally {
  await mf.dispose();
}
process.stdout.write(JSON.stringify(out));

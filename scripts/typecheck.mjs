// Type-checks every package and example that has a tsconfig.json, one `tsc -p` each (their global types
// differ: core has none, adapter-node has Node's, adapter-d1 has workerd's, adapter-wasm has the DOM's).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const projects = [];
for (const dir of ['packages', 'examples']) {
  for (const name of readdirSync(join(root, dir)).sort()) {
    // Every tsconfig*.json: a package may check Node-side scripts separately from its Worker or browser code.
    const base = join(root, dir, name);
    if (!statSync(base).isDirectory()) continue;
    // tsconfig.build.json is the published build (scripts/build.mjs), which emits; it is not a check.
    for (const f of readdirSync(base).sort())
      if (/^tsconfig(\.[\w-]+)?\.json$/.test(f) && f !== 'tsconfig.build.json') projects.push(join(dir, name, f));
  }
}
for (const dir of ['bench', 'consumers']) if (existsSync(join(root, dir, 'tsconfig.json'))) projects.push(dir);
if (existsSync(join(root, 'scripts', 'docs', 'tsconfig.json'))) projects.push('scripts/docs');
let failed = 0;
for (const p of projects) {
  const res = spawnSync(process.execPath, [tsc, '-p', p], { cwd: root, stdio: 'inherit' });
  process.stdout.write(`  tsc -p ${p}: ${res.status === 0 ? 'ok' : 'FAILED'}\n`);
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

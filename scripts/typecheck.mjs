// Type-checks every package and example that has a tsconfig.json, one `tsc -p` each (their global types
// differ: core has none, adapter-node has Node's, adapter-d1 has workerd's, adapter-wasm has the DOM's).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const projects = [];
for (const dir of ['packages', 'examples']) {
  for (const name of readdirSync(join(root, dir)).sort()) {
    if (existsSync(join(root, dir, name, 'tsconfig.json'))) projects.push(join(dir, name));
  }
}
if (existsSync(join(root, 'bench', 'tsconfig.json'))) projects.push('bench');
let failed = 0;
for (const p of projects) {
  const res = spawnSync(process.execPath, [tsc, '-p', p], { cwd: root, stdio: 'inherit' });
  process.stdout.write(`  tsc -p ${p}: ${res.status === 0 ? 'ok' : 'FAILED'}\n`);
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

/**
 * Runs one workload of one Node target repeatedly, for a CPU profile of its hot path:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/src/profile.ts "litedao (session)" list 5
 *
 * then open the `.cpuprofile` in Chrome DevTools, or summarize it with `node bench/src/profile-summary.ts`.
 */
import { freshDatabase, nodeLitedaoSql } from './node/section.ts';
import { NODE_TARGETS } from './node/targets.ts';
import { buildInputs, FULL_SIZES, type WorkloadId } from './shared/workloads.ts';

const [targetName = 'litedao (session)', workload = 'list', times = '5'] = process.argv.slice(2);
const target = NODE_TARGETS.find((t) => t.name === targetName);
if (!target) throw new Error(`unknown target ${targetName}; one of: ${NODE_TARGETS.map((t) => t.name).join(', ')}`);
const inputs = buildInputs(FULL_SIZES);
const sql = await nodeLitedaoSql(inputs);
for (let i = 0; i < Number(times); i++) {
  const db = freshDatabase(inputs.seed, target.schema);
  const impl = target.open(db, sql);
  const fn = impl[workload as WorkloadId];
  if (!fn) throw new Error(`${targetName} has no ${workload}`);
  const t0 = performance.now();
  await fn(inputs);
  console.log(`${targetName} ${workload}: ${(performance.now() - t0).toFixed(1)} ms`);
  await impl.close?.();
  if (db.open) db.close();
}

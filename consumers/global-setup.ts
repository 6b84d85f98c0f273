/**
 * Packs the published packages once for the whole lane, the way RELEASING.md publishes them: `pnpm pack`
 * runs each package's `prepack` (the build to dist/), turns `workspace:^` into a real range and replaces the
 * workspace's source exports with `publishConfig.exports`. Core first: the adapters build against its
 * declarations. The tarballs go to a temporary directory outside the workspace.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PUBLISHED } from '../scripts/build.mjs';
import { REPO_ROOT, sh } from './harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The lane's temporary directory (outside the workspace). */
    work: string;
    /** Package name → absolute path of its tarball. */
    tarballs: Record<string, string>;
  }
}

let work = '';
/** The workspace's pinned pnpm (`packageManager` in the root package.json), run through npx like run.mjs does. */
const PNPM = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;

export default async function setup(project: TestProject) {
  work = mkdtempSync(join(tmpdir(), 'litedao-consumers-'));
  const packs = join(work, 'packs');
  mkdirSync(packs);
  const tarballs: Record<string, string> = {};
  for (const name of PUBLISHED as string[]) {
    const dir = join(REPO_ROOT, 'packages', name);
    const run = await sh('npx', ['-y', PNPM, 'pack', '--pack-destination', packs], { cwd: dir });
    if (run.code !== 0) throw new Error(`pnpm pack failed in packages/${name}:\n${run.stdout}\n${run.stderr}`);
    const pkgName = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name;
    const file = run.stdout.trim().split('\n').at(-1)?.trim() ?? '';
    if (!file.endsWith('.tgz') || !statSync(file).isFile()) throw new Error(`pnpm pack printed no tarball: ${run.stdout}`);
    tarballs[pkgName] = file;
  }
  project.provide('work', work);
  project.provide('tarballs', tarballs);
  // LITEDAO_KEEP_CONSUMERS=1 keeps the projects for a look after a failure.
  return () => {
    if (process.env.LITEDAO_KEEP_CONSUMERS) process.stdout.write(`consumer projects kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  };
}

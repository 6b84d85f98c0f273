/**
 * (e) The tarballs as the registry would get them: publint and Are the Types Wrong? report no problem, the
 * manifest is one a consumer can install (no workspace ranges, exports into dist only, every target shipped),
 * and the sizes are printed for the record.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PUBLISHED } from '../scripts/build.mjs';
import { node, REPO_ROOT, sh, show } from './harness.ts';

const PUBLINT = join(REPO_ROOT, 'node_modules', 'publint', 'src', 'cli.js');
const ATTW = join(REPO_ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');

/** The files of a tarball and its package.json. */
function contents(tarball: string): { files: string[]; manifest: Record<string, unknown> } {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
  return { files, manifest };
}

/** Every string target of an exports map. */
function targets(exp: unknown): string[] {
  if (typeof exp === 'string') return [exp];
  if (exp && typeof exp === 'object') return Object.values(exp).flatMap(targets);
  return [];
}

describe('(e) the published tarballs', () => {
  const tarballs = inject('tarballs');

  it('are all there, with their sizes', () => {
    expect(Object.keys(tarballs).sort()).toEqual([
      '@litedao/adapter-d1',
      '@litedao/adapter-do',
      '@litedao/adapter-node',
      '@litedao/adapter-wasm',
      '@litedao/core',
      'litedao',
    ]);
    for (const [name, file] of Object.entries(tarballs)) {
      const { files } = contents(file);
      process.stdout.write(`${name}: ${(statSync(file).size / 1024).toFixed(1)} kB packed, ${files.length} files\n`);
    }
  });

  for (const [name, file] of Object.entries(tarballs)) {
    describe(name, () => {
      it('has a manifest a consumer can install', () => {
        const { files, manifest } = contents(file);
        expect(JSON.stringify(manifest)).not.toContain('workspace:');
        for (const f of ['package.json', 'README.md', 'LICENSE']) expect(files).toContain(f);
        expect(files.some((f) => f.startsWith('test/') || f.includes('.test.'))).toBe(false);
        const exported = targets(manifest.exports);
        expect(exported.length).toBeGreaterThan(0);
        for (const t of exported.filter((x) => x !== './package.json')) {
          expect(t, 'exports point into dist only').toMatch(/^\.\/dist\/.+\.(js|d\.ts)$/);
          expect(files, `${t} is in the tarball`).toContain(t.slice(2));
        }
        for (const [cmd, t] of Object.entries((manifest.bin ?? {}) as Record<string, string>)) {
          expect(t, `bin ${cmd} points into dist`).toMatch(/^\.\/dist\/.+\.js$/);
          expect(files, `bin ${cmd}: ${t} is in the tarball`).toContain(t.slice(2));
        }
        for (const key of ['description', 'license', 'repository', 'homepage', 'bugs', 'keywords']) expect(manifest[key], key).toBeTruthy();
        expect(manifest.type).toBe('module');
      });

      it('passes publint (strict: warnings are errors)', async () => {
        const run = await node([PUBLINT, 'run', file, '--strict', '--level', 'warning'], REPO_ROOT);
        process.stdout.write(`publint ${name}: ${run.stdout.trim().split('\n').at(-1)}\n`);
        expect(run.code, show(run)).toBe(0);
        expect(run.stdout).toContain('All good!');
      });

      it("passes Are the Types Wrong? (ESM-only profile: Node's require(esm) loads these from CommonJS)", async () => {
        const run = await node([ATTW, file, '--profile', 'esm-only', '--format', 'json'], REPO_ROOT);
        expect(run.code, show(run)).toBe(0);
        const report = JSON.parse(run.stdout) as { problems: Record<string, { resolutionKind: string; entrypoint: string }[]> };
        const all = Object.values(report.problems).flat();
        // esm-only ignores exactly the two resolutions that assume CommonJS: node10 (no `exports`) and
        // node16-cjs (TypeScript's node16 mode types require() of ESM as an error; nodenext >= 5.8 allows it).
        const counted = all.filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs');
        process.stdout.write(`attw ${name}: ${counted.length} problems (${all.length - counted.length} in node10/node16-cjs, ignored)\n`);
        expect(counted).toEqual([]);
      });
    });
  }
});

describe('packing with anything but pnpm', () => {
  // npm keeps the workspace manifest (exports into src/*.ts, `workspace:^` ranges): its tarball cannot be
  // installed outside the monorepo, so each package's prepack refuses it before building anything.
  it('npm pack and npm publish are refused with a message naming pnpm, and write no tarball', async () => {
    const out = mkdtempSync(join(tmpdir(), 'litedao-npm-pack-'));
    try {
      for (const name of PUBLISHED as string[]) {
        const run = await sh('npm', ['pack', '--pack-destination', out, '--loglevel=error'], {
          cwd: join(REPO_ROOT, 'packages', name),
          env: { npm_config_update_notifier: 'false' },
        });
        expect(run.code, `${name}: ${show(run)}`).not.toBe(0);
        expect(run.stderr, name).toContain('cannot pack or publish');
        expect(run.stderr, name).toContain('pnpm');
        expect(readdirSync(out), name).toEqual([]);
      }
      // npm publish runs the same prepack (--dry-run would only warn, so this stops at the refusal).
      const pub = await sh('npm', ['publish', '--loglevel=error', '--registry', 'http://127.0.0.1:9'], {
        cwd: join(REPO_ROOT, 'packages', 'core'),
        env: { npm_config_update_notifier: 'false' },
      });
      expect(pub.code, show(pub)).not.toBe(0);
      expect(pub.stderr).toContain('cannot pack or publish');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

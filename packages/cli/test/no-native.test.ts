/**
 * Installed without its peer dependency better-sqlite3 (e.g. `npm install --legacy-peer-deps`): `--help`,
 * `generate` and `check` work, and the commands that open a database say how to install it, in one line.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, project } from './support.ts';

const hook = join(import.meta.dirname, 'fixtures', 'no-better-sqlite3.mjs');
const run = (cwd: string, ...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', hook, bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });

const p = project({
  'litedao.config.ts': "export default { models: './models.ts' };\n",
  'models.ts':
    "import { declarativeBase, t } from '@litedao/core';\nexport const Base = declarativeBase();\nexport class Note extends Base('Note', { body: t.text() }) {}\n",
});
afterAll(() => p.cleanup());

describe('litedao without better-sqlite3', () => {
  it('--help, generate and check work; migrate and status name the missing package in one line', async () => {
    expect((await run(p.dir, '--help')).code).toBe(0);
    const gen = await run(p.dir, 'generate', '--name', 'init');
    expect(gen.code, gen.stderr).toBe(0);
    expect((await run(p.dir, 'check')).code).toBe(0);
    for (const args of [
      ['migrate', '--url', 'sqlite:///app.db'],
      ['status', '--url', 'sqlite:///app.db'],
    ]) {
      const r = await run(p.dir, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/npm install --save-dev better-sqlite3/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

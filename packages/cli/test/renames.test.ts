/**
 * Renames are never guessed: without a hint a vanished column is a refused drop; `--rename` on the command line
 * and a yes to the terminal question make it a RENAME that keeps the values; a no is a drop (with --allow-drop).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCommand, type Output } from '../src/commands.ts';
import { loadConfig } from '../src/config.ts';
import { litedao, project } from './support.ts';

const v1 = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase();
export class User extends Base('User', { name: t.text() }) {}
`;
const v2 = v1.replace('{ name: t.text() }', '{ full_name: t.text() }').replace("Base('User'", "Base('Member'");

const p = project({ 'litedao.config.ts': "export default { models: './src/models.ts' };\n", 'src/models.ts': v1 });
afterAll(() => p.cleanup());

function capture(): Output & { text: () => string } {
  const lines: string[] = [];
  return { tty: false, line: (t) => lines.push(t), error: (t) => lines.push(t), text: () => lines.join('\n') };
}

const files = () =>
  readdirSync(join(p.dir, 'migrations'))
    .filter((n) => n.endsWith('.sql'))
    .sort();
const reset = () => {
  for (const f of files()) if (!f.startsWith('0001')) rmSync(join(p.dir, 'migrations', f));
  for (const f of readdirSync(join(p.dir, 'migrations', 'meta'))) if (!f.startsWith('0001')) rmSync(join(p.dir, 'migrations', 'meta', f));
};

describe('renames', () => {
  it('without a hint: refused, naming both ways out; nothing written', async () => {
    expect((await litedao(p.dir, 'generate', '--name', 'init')).code).toBe(0);
    p.write({ 'src/models.ts': v2 });
    const r = await litedao(p.dir, 'generate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("table users would be dropped with its rows (pass --allow-drop, or declare renamedFrom: 'users'");
    expect(files()).toEqual(['0001_init.sql']);
  });

  it('--rename on the command line: RENAME TO and RENAME COLUMN', async () => {
    const r = await litedao(p.dir, 'generate', '--name', 'rename', '--rename', 'users=members', '--rename', 'members.name=full_name');
    expect(r.code, r.stderr).toBe(0);
    const sql = readFileSync(join(p.dir, 'migrations', '0002_rename.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "users" RENAME TO "members"');
    expect(sql).toContain('ALTER TABLE "members" RENAME COLUMN "name" TO "full_name"');
    reset();
  });

  it('on a terminal generate asks; yes is a rename, no is a drop and an add (only with --allow-drop)', async () => {
    const config = await loadConfig(p.dir);
    const asked: string[] = [];
    const yes = capture();
    expect(
      await generateCommand(
        config,
        {
          name: 'asked',
          interactive: true,
          ask: async (q) => {
            asked.push(q);
            return true;
          },
        },
        yes,
      ),
    ).toBe(0);
    expect(asked).toEqual(['Is table members the table users renamed?', 'Is column members.full_name the column name renamed?']);
    const sql = readFileSync(join(p.dir, 'migrations', '0002_asked.sql'), 'utf8');
    expect(sql).toContain('RENAME TO "members"');
    expect(sql).toContain('RENAME COLUMN "name" TO "full_name"');
    reset();

    const no = capture();
    await expect(generateCommand(config, { interactive: true, ask: async () => false }, no)).rejects.toThrow(
      /table users would be dropped/,
    );
    expect(await generateCommand(config, { name: 'replaced', interactive: true, allowDrop: true, ask: async () => false }, no)).toBe(0);
    const replaced = readFileSync(join(p.dir, 'migrations', '0002_replaced.sql'), 'utf8');
    expect(replaced).toContain('CREATE TABLE "members"');
    expect(replaced).toContain('DROP TABLE "users"');
    reset();
  });
});

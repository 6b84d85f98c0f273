/**
 * Adopting a table whose CREATE TABLE says what models cannot (COLLATE, CHECK, a generated column): a `generate`
 * whose rebuild would drop those is refused (one line, nothing written) unless `--allow-constraint-loss`, which
 * writes the file with its marker and lists each loss; `migrate` then applies it and keeps the rows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRows, litedao, project } from './support.ts';

const models = `import { declarativeBase, t } from '@litedao/core';
const B = declarativeBase({ naming: 'legacy' });
export class User extends B('User', { username: t.text().unique(), status: t.text(), score: t.integer() }) {}
`;
const p = project({ 'litedao.config.ts': "export default { models: './models.ts' };\n", 'models.ts': models });
afterAll(() => p.cleanup());

describe('a rebuild that would lose what the adopted CREATE TABLE says', () => {
  it('is refused by generate unless --allow-constraint-loss; then the file says so and migrate keeps the rows', async () => {
    const db = new Database(join(p.dir, 'bot.db'));
    db.exec(`CREATE TABLE users (id INTEGER NOT NULL, created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL,
      updated_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL, username VARCHAR COLLATE NOCASE NOT NULL,
      status VARCHAR(7) NOT NULL, score INTEGER NOT NULL, score2 INTEGER GENERATED ALWAYS AS (score * 2) VIRTUAL,
      PRIMARY KEY (id), UNIQUE (username), CONSTRAINT userstatus CHECK (status IN ('active', 'banned')), CHECK (score >= 0));
      INSERT INTO users (username, status, score) VALUES ('Ada', 'active', 3);`);
    db.close();
    const base = await litedao(p.dir, 'generate', '--from-db', 'sqlite:///bot.db');
    expect(base.code, base.stderr).toBe(0);
    const snapshot = JSON.parse(readFileSync(join(p.dir, 'migrations', 'meta', '0000_snapshot.json'), 'utf8')) as {
      tableSql?: Record<string, string>;
    };
    expect(snapshot.tableSql?.users).toMatch(/CONSTRAINT userstatus CHECK/);

    const refused = await litedao(p.dir, 'generate', '--name', 'adopt', '--no-interactive');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--allow-constraint-loss/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(p.dir, 'migrations')).sort()).toEqual(['0000_baseline.sql', 'meta']);

    const allowed = await litedao(p.dir, 'generate', '--name', 'adopt', '--no-interactive', '--allow-constraint-loss');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/lost by the rebuild \(allowed\)/);
    const file = join(p.dir, 'migrations', '0001_adopt.sql');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/-- litedao: allow-constraint-loss/);
    const applied = await litedao(p.dir, 'migrate', '--url', 'sqlite:///bot.db');
    expect(applied.code, applied.stderr).toBe(0);
    expect(fileRows(join(p.dir, 'bot.db'), 'SELECT username, status, score FROM users')).toEqual([
      { username: 'Ada', status: 'active', score: 3 },
    ]);
    expect((await litedao(p.dir, 'check')).code).toBe(0);
  });
});

/**
 * Adopting a database with virtual tables (FTS5, FTS4, R*Tree): `generate --from-db` creates them in the
 * baseline as they are, never their shadow tables (the module creates those), and keeps them out of the
 * snapshot, so the next `generate` neither drops nor rebuilds them, and a new database built from the folder
 * gets working virtual tables.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRows, litedao, project } from './support.ts';

const models = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase();
export class Note extends Base('Note', { body: t.text(), tag: t.text().nullable() }) {}
`;
const config = "export default { models: './models.ts' };\n";
const first = project({ 'litedao.config.ts': config, 'models.ts': models });
const adopt = project({ 'litedao.config.ts': config, 'models.ts': models });
afterAll(() => {
  first.cleanup();
  adopt.cleanup();
});

describe('generate --from-db with virtual tables', () => {
  it('baseline creates the virtual tables (not their shadow tables), the snapshot leaves them out, nothing is dropped later', async () => {
    expect((await litedao(first.dir, 'generate', '--name', 'init')).code).toBe(0);
    const made = join(first.dir, 'app.db');
    expect((await litedao(first.dir, 'migrate', '--url', `sqlite:///${made}`)).code).toBe(0);
    const db = new Database(made);
    db.exec(`CREATE VIRTUAL TABLE msgs USING fts5(body);
      CREATE VIRTUAL TABLE "Old Docs" USING fts4(body);
      CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);
      CREATE TRIGGER notes_to_msgs AFTER INSERT ON notes BEGIN INSERT INTO msgs (body) VALUES (NEW.body); END;
      INSERT INTO notes (body) VALUES ('hello world');`);
    db.close();
    const path = join(adopt.dir, 'bot.db');
    copyFileSync(made, path);

    const base = await litedao(adopt.dir, 'generate', '--from-db', 'sqlite:///bot.db');
    expect(base.code, base.stderr).toBe(0);
    const sql = readFileSync(join(adopt.dir, 'migrations', '0000_baseline.sql'), 'utf8');
    expect(sql).toMatch(/CREATE VIRTUAL TABLE msgs USING fts5\(body\);/);
    expect(sql).toMatch(/CREATE VIRTUAL TABLE "Old Docs" USING fts4/);
    expect(sql).toMatch(/CREATE VIRTUAL TABLE boxes USING rtree/);
    expect(sql).toMatch(/CREATE TRIGGER notes_to_msgs/);
    expect(sql).not.toMatch(/msgs_(data|idx|content|docsize|config)|Old Docs_|boxes_(node|parent|rowid)/);
    const snapshot = JSON.parse(readFileSync(join(adopt.dir, 'migrations', 'meta', '0000_snapshot.json'), 'utf8')) as {
      tables: { name: string }[];
    };
    expect(snapshot.tables.map((t) => t.name)).toEqual(['notes']);

    const next = await litedao(adopt.dir, 'generate', '--allow-drop');
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/No changes/);
    expect((await litedao(adopt.dir, 'check')).code).toBe(0);

    const fresh = join(adopt.dir, 'fresh.db');
    const mig = await litedao(adopt.dir, 'migrate', '--url', 'sqlite:///fresh.db');
    expect(mig.code, mig.stderr).toBe(0);
    const fdb = new Database(fresh);
    fdb.exec("INSERT INTO notes (body) VALUES ('searchable text')");
    expect(fdb.prepare("SELECT body FROM msgs WHERE msgs MATCH 'searchable'").all()).toEqual([{ body: 'searchable text' }]);
    fdb.close();
    expect(fileRows(path, "SELECT body FROM msgs WHERE msgs MATCH 'hello'")).toEqual([{ body: 'hello world' }]);
  });
});

/**
 * DDL for `createAll` / `dropAll` (the seed's `Base.metadata.create_all`), and the same statements as a
 * script for migration files (`wrangler d1 migrations apply` reads plain `.sql` files).
 *
 * Tables are created with `IF NOT EXISTS`, so both operations are idempotent. Every table gets a trigger that
 * refreshes `updated_at` when a row is updated by anything that did not set it itself (raw SQL, other tools):
 * litedao's own updates always set it, so the trigger's WHEN clause keeps it from firing for them.
 */

import { NOW_SQL } from './compile.ts';
import type { Statement } from './driver.ts';
import { ConfigurationError } from './errors.ts';
import { type AnyModel, type ColumnMeta, type ModelMeta, metaOf } from './model-meta.ts';
import { quoteIdent } from './naming.ts';

const DECLARED_TYPE: Record<ColumnMeta['kind'], string> = {
  integer: 'INTEGER',
  real: 'REAL',
  text: 'TEXT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  // TEXT, not SQLAlchemy's JSON: a JSON-declared column has NUMERIC affinity, which would turn the JSON
  // text `12345678901234567890` into a lossy REAL.
  json: 'TEXT',
  blob: 'BLOB',
  bigint: 'INTEGER',
};

/** A constant default as an SQL literal, or undefined when it has none that SQL can express. */
function literal(col: ColumnMeta): string | undefined {
  const v = col.config.default;
  if (!col.config.hasDefault || typeof v === 'function') return undefined;
  if (v === null) return 'NULL';
  switch (col.kind) {
    case 'integer':
    case 'real':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
    case 'bigint':
      return typeof v === 'bigint' ? v.toString() : undefined;
    case 'boolean':
      return v === true ? '1' : v === false ? '0' : undefined;
    case 'text':
      return typeof v === 'string' && v.isWellFormed() && !v.includes('\0') ? `'${v.replaceAll("'", "''")}'` : undefined;
    default:
      return undefined;
  }
}

function columnSql(meta: ModelMeta, col: ColumnMeta): string {
  if (col.name === 'id') return `${col.quoted} INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT`;
  if (col.name === 'created_at' || col.name === 'updated_at') return `${col.quoted} TIMESTAMP NOT NULL DEFAULT (${NOW_SQL})`;
  const parts = [col.quoted, DECLARED_TYPE[col.kind]];
  if (!col.nullable) parts.push('NOT NULL');
  const def = literal(col);
  if (def !== undefined) parts.push(`DEFAULT ${def}`);
  if (col.kind === 'boolean') parts.push(`CHECK (${col.quoted} IN (0, 1))`);
  const ref = col.config.references;
  if (ref) {
    let target: ModelMeta;
    try {
      target = metaOf(ref.model());
    } catch {
      throw new ConfigurationError(`model ${meta.name}: column ${col.name} references something that is not a model`);
    }
    parts.push(`REFERENCES ${target.quotedTable} ("id")`);
    if (ref.onDelete) parts.push(`ON DELETE ${ref.onDelete.toUpperCase()}`);
    if (ref.onUpdate) parts.push(`ON UPDATE ${ref.onUpdate.toUpperCase()}`);
  }
  return parts.join(' ');
}

/** Orders models so that referenced tables come first (cycles keep definition order). */
function parentsFirst(metas: readonly ModelMeta[]): ModelMeta[] {
  const out: ModelMeta[] = [];
  const state = new Map<ModelMeta, 'visiting' | 'done'>();
  const inSet = new Set(metas);
  const visit = (m: ModelMeta) => {
    if (state.get(m)) return;
    state.set(m, 'visiting');
    for (const c of m.userColumns) {
      const ref = c.config.references;
      if (!ref) continue;
      const target = metaOf(ref.model());
      if (target !== m && inSet.has(target)) visit(target);
    }
    state.set(m, 'done');
    out.push(m);
  };
  for (const m of metas) visit(m);
  return out;
}

/** The CREATE statements for the models (tables, then indexes and triggers), parents first. */
export function createAllStatements(models: readonly AnyModel[]): Statement[] {
  const out: Statement[] = [];
  for (const meta of parentsFirst(models.map(metaOf))) {
    const defs = meta.columns.map((c) => columnSql(meta, c));
    for (const set of meta.uniqueSets) defs.push(`UNIQUE (${set.map(quoteIdent).join(', ')})`);
    out.push({ sql: `CREATE TABLE IF NOT EXISTS ${meta.quotedTable} (\n  ${defs.join(',\n  ')}\n)`, params: [], returnsRows: false });
    for (const set of meta.indexes) {
      const name = quoteIdent(`ix_${meta.tableName}_${set.join('_')}`);
      out.push({
        sql: `CREATE INDEX IF NOT EXISTS ${name} ON ${meta.quotedTable} (${set.map(quoteIdent).join(', ')})`,
        params: [],
        returnsRows: false,
      });
    }
    const trigger = quoteIdent(`${meta.tableName}_touch_updated_at`);
    out.push({
      sql:
        `CREATE TRIGGER IF NOT EXISTS ${trigger} AFTER UPDATE ON ${meta.quotedTable} FOR EACH ROW ` +
        `WHEN NEW."updated_at" IS OLD."updated_at" BEGIN ` +
        `UPDATE ${meta.quotedTable} SET "updated_at" = ${NOW_SQL} WHERE "id" = NEW."id"; END`,
      params: [],
      returnsRows: false,
    });
  }
  return out;
}

/** DROP TABLE IF EXISTS for the models, children first. */
export function dropAllStatements(models: readonly AnyModel[]): Statement[] {
  return parentsFirst(models.map(metaOf))
    .reverse()
    .map((m) => ({ sql: `DROP TABLE IF EXISTS ${m.quotedTable}`, params: [], returnsRows: false }));
}

/** The CREATE statements as one SQL script, e.g. for `migrations/0001_init.sql`. */
export function createAllSql(models: readonly AnyModel[]): string {
  return `${createAllStatements(models)
    .map((s) => `${s.sql};`)
    .join('\n\n')}\n`;
}

/**
 * What `diffSchemas` must not hide or guess: a change of a column's kind (same declared type or not) is a
 * reported change; a table-level `renamedFrom` that cannot be a plain rename is refused (ConfigurationError),
 * never silently ignored; triggers the models do not describe (read from an adopted database) are neither
 * dropped in place nor lost by a rebuild; a rebuild creates every new table before copying into any.
 */
import { describe, expect, it } from 'vitest';
import { declarativeBase, diffSchemas, snapshotOf, t } from '../src/index.ts';

describe('diffSchemas: rebuilding tables that reference each other', () => {
  it('creates every new table before the first copy (foreign keys on, a cycle has no order)', () => {
    const make = (nullable: boolean) => {
      const B = declarativeBase();
      // biome-ignore lint/suspicious/noExplicitAny: two models that reference each other
      type Any = any;
      const User: Any = B('User', {
        name: nullable ? t.text().nullable() : t.text(),
        pinned_id: t
          .integer()
          .nullable()
          .references((): Any => Message),
      });
      const Message: Any = B('Message', { user_id: t.integer().references((): Any => User, { onDelete: 'cascade' }) });
      return B.metadata.models;
    };
    const diff = diffSchemas(snapshotOf(make(false)), snapshotOf(make(true)));
    expect([...diff.rebuilt].sort()).toEqual(['messages', 'users']);
    const lastCreate = Math.max(...diff.statements.map((s, i) => (s.startsWith('CREATE TABLE "__new_') ? i : -1)));
    const firstCopy = diff.statements.findIndex((s) => s.startsWith('INSERT INTO "__new_'));
    expect(lastCreate).toBeLessThan(firstCopy);
  });
});

/**
 * splitStatements: a migration file is cut at `;` only between statements, never inside string literals,
 * quoted identifiers, comments or a trigger's BEGIN … END body (property-based: arbitrary statements built
 * from those parts, joined, split back).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrationStatements as splitStatements } from '../src/migrate.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 8 });
const piece = fc.oneof(
  fc.constantFrom('SELECT', 'x', '1', '+', ',', '(', ')', 'CASE WHEN 1 THEN 2 ELSE 3 END', 'BEGINNING', 'ENDS'),
  text.map((s) => `'${s.replaceAll("'", "''")}'`),
  text.map((s) => `"${s.replaceAll('"', '""')}"`),
  text.map((s) => `[${s.replaceAll(']', '')}]`),
  text.map((s) => `\`${s.replaceAll('`', '``')}\``),
  text.map((s) => `/* ${s.replaceAll('*/', '')} */`),
  text.map((s) => `-- ${s.replaceAll('\n', ' ').replaceAll('\r', ' ')}\n`),
  fc.constantFrom("';'", '";"', '/*;*/', '-- ;\n', "'--;'", '"/*"'),
);
const plain = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => `SELECT ${parts.join(' ')} FROM t`);
const trigger = fc
  .array(plain, { minLength: 1, maxLength: 3 })
  .map((body) => `CREATE TRIGGER "t;r" AFTER INSERT ON t BEGIN ${body.map((b) => `${b};`).join(' ')} END`);
const temp = plain.map((b) => `CREATE TEMP TRIGGER tt AFTER UPDATE ON t BEGIN ${b}; END`);

describe('splitStatements', () => {
  it('returns exactly the statements that were joined, whatever their literals, identifiers, comments and trigger bodies hold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(plain, trigger, temp), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(';\n', ';', ' ;\n\n'),
        (statements, sep) => {
          expect(splitStatements(statements.join(sep) + sep)).toEqual(statements);
          expect(splitStatements(statements.join(sep))).toEqual(statements); // a last statement without `;`
        },
      ),
      { numRuns: 500 },
    );
  });

  it('drops fragments that hold only comments or whitespace', () => {
    expect(splitStatements('-- header; still a comment\n/* ; */ ;;\n CREATE TABLE a (x);\n-- trailer')).toEqual(['CREATE TABLE a (x)']);
    const [only] = splitStatements('-- header\nCREATE TABLE a (x);\n-- trailer\n');
    expect(only).toMatch(/CREATE TABLE a \(x\)$/);
    expect(splitStatements('  \n-- nothing\n/* at all; */\n')).toEqual([]);
  });
});

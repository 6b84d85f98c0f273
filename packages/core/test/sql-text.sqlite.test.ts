/**
 * The SQL-text tokenizer against SQLite itself (better-sqlite3: `prepare` compiles the first statement and
 * refuses a text whose tail holds another one, or that holds none).
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.ts';
import { checkSingleStatement, countStatements, isTransactionControl, leadingKeyword, scanSql, splitStatements } from '../src/sql-text.ts';

const RUNS = Number(process.env.LITEDAO_FC_RUNS ?? 300);

const db = new Database(':memory:');
db.exec('CREATE TABLE base (a)');
afterAll(() => db.close());

/** What SQLite says about a text: 0, 1 or "more than one" statement (2), or its error for invalid SQL. */
function sqliteCount(sql: string): 0 | 1 | 2 | string {
  try {
    db.prepare(sql);
    return 1;
  } catch (e) {
    const m = (e as Error).message;
    if (/contains no statements/.test(m)) return 0;
    if (/more than one statement/.test(m)) return 2;
    return m;
  }
}

describe('statement boundaries (examples)', () => {
  it.each([
    ['', 0],
    [';;  ;', 0],
    ['-- only a comment', 0],
    ['/* only a comment */ ;', 0],
    ['SELECT 1', 1],
    [';SELECT 1;;', 1],
    ["SELECT ';' AS x; -- trailing comment", 1],
    ['SELECT 1 AS "a;b", 2 AS [c;d], 3 AS `e;f`', 1],
    ["SELECT 'it''s; fine'", 1],
    ['SELECT 1; DROP TABLE notes', 2],
    ['SELECT 1;\nSELECT 2;\n', 2],
    ["CREATE TRIGGER t AFTER INSERT ON base BEGIN SELECT 1; UPDATE base SET a = ';END;'; END;", 1],
    ['CREATE TEMP TRIGGER t AFTER INSERT ON base BEGIN SELECT CASE WHEN 1 THEN 2 END; END; SELECT 2', 2],
    ['EXPLAIN CREATE TRIGGER t AFTER INSERT ON base BEGIN SELECT 1; END', 1],
    ['CREATE TABLE trigger_log (a); SELECT 1', 2],
    ['SELECT 1 /* ; */ + 2 -- ;\n', 1],
  ] as const)('%j holds %i statement(s), as SQLite says', (sql, n) => {
    expect(countStatements(sql)).toBe(n);
    expect(sqliteCount(sql)).toBe(Math.min(n, 2));
  });

  it('keeps what SQLite would run in a second statement even where better-sqlite3 tolerates it', () => {
    // A trailing "/*" with nothing after it is a slash token to SQLite (tokenize.c), and VT cannot start a
    // whitespace token: D1 would hand both to SQLite as another statement, so they count.
    expect(countStatements('SELECT 1;/*')).toBe(2);
    expect(countStatements('SELECT 1;\v')).toBe(2);
    // A BOM between statements is whitespace to SQLite.
    expect(countStatements('SELECT 1;\uFEFF')).toBe(1);
  });

  it('reports what is left open at the end', () => {
    expect(scanSql("SELECT 'abc").unterminated).toBe("'");
    expect(scanSql('SELECT "abc').unterminated).toBe('"');
    expect(scanSql('SELECT [abc').unterminated).toBe(']');
    expect(scanSql('SELECT `abc').unterminated).toBe('`');
    expect(scanSql('CREATE TRIGGER t AFTER INSERT ON base BEGIN SELECT 1;').unterminated).toBe('trigger');
    expect(scanSql('SELECT 1 /* open comment').unterminated).toBeUndefined();
  });

  it('classifies the leading keyword and transaction control', () => {
    expect(leadingKeyword('  /* c */ begin immediate')).toBe('BEGIN');
    expect(leadingKeyword('"BEGIN"')).toBeUndefined();
    expect(leadingKeyword('select1')).toBeUndefined(); // an identifier, not the keyword SELECT
    for (const sql of [
      'BEGIN',
      'begin deferred transaction',
      'COMMIT',
      'END TRANSACTION',
      'ROLLBACK TO sp',
      'SAVEPOINT sp',
      'RELEASE sp',
    ]) {
      expect(isTransactionControl(sql), sql).toBe(true);
    }
    for (const sql of ['SELECT 1', "SELECT 'BEGIN'", 'EXPLAIN BEGIN', 'CREATE TABLE t (a)', 'WITH x AS (SELECT 1) SELECT * FROM x']) {
      expect(isTransactionControl(sql), sql).toBe(false);
    }
    expect(isTransactionControl('SELECT 1; COMMIT')).toBe(true);
  });

  it('checkSingleStatement refuses zero, several and NUL, never quoting the text', () => {
    expect(() => checkSingleStatement('SELECT 1;')).not.toThrow();
    for (const sql of ['', '  ;', "SELECT 'secret'; SELECT 2", "SELECT 'secret'\0; DROP TABLE x"]) {
      const e = (() => {
        try {
          checkSingleStatement(sql);
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(sql)).toBeInstanceOf(ValidationError);
      expect((e as Error).message).not.toContain('secret');
    }
  });
});

// ------------------------------------------------------------------------------------------------------------
// Generated texts: statements with strings, identifiers, comments and triggers, separated by random `;`.

const ATOMS = [';', "'", '"', '`', '[', ']', '--', '/*', '*/', '\n', ' ', '\t', 'END', 'end', 'BEGIN', 'CREATE', 'TRIGGER', 'TEMP'];
const content = fc
  .array(fc.oneof(fc.constantFrom(...ATOMS), fc.string({ maxLength: 3 }), fc.constantFrom('é', '😀', '\u00a0', 'ж')), { maxLength: 8 })
  .map((parts) => parts.join('').replaceAll('\0', ''));

const stringLit = content.map((c) => `'${c.replaceAll("'", "''")}'`);
const literal = fc.oneof(
  stringLit,
  fc.integer().map(String),
  fc.constant("x'0aFF'"),
  fc.constant('NULL'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '0' : String(d)).replace('Infinity', '1')),
);
const alias = fc.oneof(
  content.map((c) => `"${c.replaceAll('"', '""')}"`),
  content.map((c) => `\`${c.replaceAll('`', '``')}\``),
  content.map((c) => `[${c.replaceAll(']', '')}]`),
  fc.constantFrom('x', 'end_', 'x_end', 'é'),
);
const select = fc.tuple(literal, alias).map(([l, a]) => `SELECT ${l} AS ${a}`);
const caseExpr = literal.map((l) => `SELECT CASE WHEN 1 THEN ${l} END`);
const filler = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', '\n', '\t', '\r\n'),
      content.map((c) => `-- ${c.replaceAll('\n', ' ').replaceAll('\r', ' ')}\n`),
      content.map((c) => `/* ${c.replaceAll('*/', '* /')} */`),
    ),
    { maxLength: 3 },
  )
  .map((p) => p.join(''));
const triggerBody = fc.array(
  fc.oneof(
    select,
    caseExpr,
    literal.map((l) => `UPDATE base SET a = ${l} WHERE 0`),
  ),
  { minLength: 1, maxLength: 3 },
);
let triggerNo = 0;
const trigger = fc
  .tuple(fc.boolean(), fc.boolean(), triggerBody, filler)
  .map(
    ([temp, explain, body, f]) =>
      `${explain ? 'EXPLAIN ' : ''}CREATE ${temp ? 'TEMP ' : ''}TRIGGER IF NOT EXISTS tr${triggerNo++} AFTER INSERT ON base BEGIN ${body.map((b) => `${b};${f}`).join(' ')} END`,
  );
const control = fc.constantFrom('BEGIN', 'BEGIN IMMEDIATE', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT sp', 'RELEASE sp');
const statement = fc.oneof(
  { arbitrary: select, weight: 4 },
  { arbitrary: caseExpr, weight: 1 },
  { arbitrary: trigger, weight: 2 },
  { arbitrary: control, weight: 1 },
  {
    arbitrary: fc.constantFrom('CREATE TABLE IF NOT EXISTS t2 (a)', 'WITH w AS (SELECT 1) SELECT * FROM w', 'EXPLAIN SELECT 1'),
    weight: 1,
  },
);
const text = fc
  .tuple(
    filler,
    fc.array(fc.tuple(statement, fc.integer({ min: 1, max: 3 }), filler), { maxLength: 4 }),
    fc.boolean(), // drop the last statement's `;`
  )
  .map(([lead, parts, open]) => {
    const pieces: string[] = [];
    let sql = lead;
    parts.forEach(([st, semis, f], i) => {
      const last = i === parts.length - 1;
      const semi = last && open ? '' : ';';
      pieces.push(st + semi);
      sql += st + semi + (last && open ? '' : ';'.repeat(semis - 1)) + (last && open ? '' : f);
    });
    return { sql, pieces, statements: parts.map(([st]) => st) };
  });

describe('statement boundaries (generated, against SQLite)', () => {
  it('counts and splits exactly the statements a text was built from, as SQLite reads it', () => {
    fc.assert(
      fc.property(text, ({ sql, pieces, statements }) => {
        expect(countStatements(sql)).toBe(pieces.length);
        expect(splitStatements(sql)).toEqual(pieces);
        expect(sqliteCount(sql)).toBe(Math.min(pieces.length, 2));
        // Each piece is exactly one statement to SQLite too.
        for (const p of pieces) expect(sqliteCount(p)).toBe(1);
        const keywords = scanSql(sql).statements.map((s) => s.keyword);
        expect(keywords).toEqual(statements.map((s) => /^[A-Z]+/.exec(s)?.[0]));
        expect(isTransactionControl(sql)).toBe(statements.some((s) => /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/.test(s)));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws and keeps spans in order inside the text, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), content, (a, b) => {
        const sql = a + b;
        const { statements } = scanSql(sql);
        let at = 0;
        for (const s of statements) {
          expect(s.start).toBeGreaterThanOrEqual(at);
          expect(s.end).toBeGreaterThan(s.start);
          expect(s.end).toBeLessThanOrEqual(sql.length);
          at = s.end;
        }
        // Where SQLite can compile the first statement, it agrees on "one" versus "more".
        const verdict = sqliteCount(sql);
        if (typeof verdict === 'number' && !sql.includes('\0') && !/\/\*$|[\v\uFEFF]/.test(sql)) {
          expect(Math.min(statements.length, 2)).toBe(verdict);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

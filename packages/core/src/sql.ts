/**
 * The `sql` tagged template: the escape hatch for SQL that litedao's query API does not express. Every
 * interpolation becomes a bound parameter (converted by the same codec as model values: booleans → 0/1,
 * Dates → timestamp text); identifiers go through `sql.ident()`, which applies the identifier policy.
 *
 * ```ts
 * const rows = await session.execute(sql`SELECT name FROM users WHERE created_at > ${since}`);
 * ```
 */
import { EncodeIssue, encodeLoose } from './codec.ts';
import type { SqlValue, Statement } from './driver.ts';
import { ValidationError } from './errors.ts';
import { checkIdentifier, quoteIdent } from './naming.ts';
import { scanStatements } from './sql-text.ts';

const IDENT = Symbol('litedao.ident');
const QUERY = Symbol('litedao.sql');

/** A validated, quoted identifier for use inside `sql`. */
export interface SqlIdentifier {
  readonly [IDENT]: string;
}

/** A compiled raw query: SQL text with `?` placeholders and its bound values. */
export interface SqlQuery {
  readonly [QUERY]: true;
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

function isIdent(v: unknown): v is SqlIdentifier {
  return typeof v === 'object' && v !== null && IDENT in v;
}

/** True for values made by the `sql` tag. */
export function isSqlQuery(v: unknown): v is SqlQuery {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[QUERY] === true;
}

/** Builds an {@link SqlQuery}; see the module comment. Nested `sql` fragments are spliced with their params. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery {
  let text = strings[0] ?? '';
  const params: SqlValue[] = [];
  values.forEach((v, i) => {
    if (isIdent(v)) text += v[IDENT];
    else if (isSqlQuery(v)) {
      text += v.sql;
      params.push(...v.params);
    } else {
      try {
        params.push(encodeLoose(v));
      } catch (e) {
        if (e instanceof EncodeIssue) throw new ValidationError('invalid sql parameter', [{ path: [i], message: e.message }]);
        throw e;
      }
      text += '?';
    }
    text += strings[i + 1] ?? '';
  });
  return { [QUERY]: true, sql: text, params };
}

/** An identifier (table or column name) for `sql`, validated and double-quoted. */
sql.ident = (name: string): SqlIdentifier => ({ [IDENT]: quoteIdent(checkIdentifier(name, 'identifier')) });

/** Leading keywords of transaction control: the unit of work owns transactions, raw SQL never does. */
const TRANSACTION_CONTROL = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/**
 * Refuses raw SQL that could break atomicity or run SQL nobody wrote: more than one statement in one text
 * (D1 would run them all), or transaction control (a `COMMIT` in the middle of a unit of work would make half
 * of it durable). `ValidationError`, before any driver sees the text. Returns the statement's text without its
 * terminating `;` and whatever follows it.
 */
export function checkRawSql(text: string, what = 'raw SQL'): string {
  const { count, first, end } = scanStatements(text);
  if (count === 0) throw new ValidationError(`${what} holds no statement`, [{ path: ['sql'], message: 'empty statement' }]);
  if (count > 1) {
    throw new ValidationError(`${what} holds ${count} statements; send one statement per call`, [
      { path: ['sql'], message: 'more than one statement' },
    ]);
  }
  if (first !== undefined && TRANSACTION_CONTROL.has(first)) {
    throw new ValidationError(`${what} may not control transactions (${first}); the session and engine.transaction() own them`, [
      { path: ['sql'], message: 'transaction control statement' },
    ]);
  }
  // The statement without its terminating `;` and what follows it (comments, blanks): D1 would take an empty
  // tail for a second, empty statement and fail.
  return end < text.length ? text.slice(0, end) : text;
}

/** The driver statement of a raw query, checked by {@link checkRawSql}. Whether it returns rows is left to the driver. */
export function rawStatement(q: SqlQuery): Statement {
  return { sql: checkRawSql(q.sql), params: q.params, returnsRows: undefined };
}

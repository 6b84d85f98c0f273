/**
 * SQL text as SQLite reads it: where statements begin and end, and what keyword leads each one. Pure (no
 * driver), so core can refuse a raw text that holds several statements, or transaction control, before any
 * driver sees it — the same way on every adapter, instead of a regex per driver.
 *
 * Tokens follow SQLite's own tokenizer (src/tokenize.c: whitespace, `--` and `/* *\/` comments, `'…'`
 * strings with `''` escapes, `"…"`, `` `…` `` and `[…]` identifiers, numbers, `?NNN`/`:name`/`@name`/`$name`
 * parameters); statement boundaries follow the state machine of `sqlite3_complete()` (src/complete.c), which
 * knows that the `;` inside `CREATE TRIGGER … BEGIN … ; … END` do not end the statement.
 *
 * ```ts
 * countStatements("SELECT ';'; -- done"); // 1
 * countStatements('SELECT 1; DROP TABLE notes'); // 2
 * leadingKeyword('/* x *\/ begin immediate'); // 'BEGIN'
 * ```
 */
import { ValidationError } from './errors.ts';

/** One statement of a text: `[start, end)` offsets; `end` is after its terminating `;` or the end of the text. */
export interface StatementSpan {
  readonly start: number;
  readonly end: number;
  /** The first keyword of the statement in upper case (`SELECT`, `BEGIN`, …), or undefined when it starts otherwise. */
  readonly keyword: string | undefined;
}

/** What {@link scanSql} found in a text. */
export interface SqlTextScan {
  /** The non-empty statements in order (a lone `;` or a comment is no statement). */
  readonly statements: readonly StatementSpan[];
  /**
   * What is still open at the end of the text: a string or quoted identifier (`'`, `"`, `` ` ``, `]`), or a
   * trigger body waiting for `END;` (`'trigger'`). Undefined when nothing is open. An open `/*` comment is
   * closed by the end of the text, as in SQLite.
   */
  readonly unterminated: "'" | '"' | '`' | ']' | 'trigger' | undefined;
  /** True when the text holds a NUL character (SQLite stops reading there; litedao refuses such text). */
  readonly hasNul: boolean;
}

// Token classes of sqlite3_complete(): see src/complete.c.
const SEMI = 0;
const WS = 1;
const OTHER = 2;
const EXPLAIN = 3;
const CREATE = 4;
const TEMP = 5;
const TRIGGER = 6;
const END = 7;

// States of sqlite3_complete(): 0 NOTHING, 1 START, 2 NORMAL, 3 EXPLAIN, 4 CREATE, 5 TRIGGER, 6 SEMI, 7 END.
const TRANS: readonly (readonly number[])[] = [
  /*               SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
  /* 0 NOTHING */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1 START   */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2 NORMAL  */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 EXPLAIN */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4 CREATE  */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 TRIGGER */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6 SEMI    */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7 END     */ [1, 7, 5, 5, 5, 5, 5, 5],
];

/** Characters SQLite's tokenizer starts a whitespace token with (tokenize.c aiClass CC_SPACE). */
function isSpaceStart(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** sqlite3Isspace: also VT (0x0b), which continues but cannot start a whitespace token. */
function isSpace(c: number): boolean {
  return isSpaceStart(c) || c === 0x0b;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** SQLite's IdChar(): ASCII letters, digits, `_`, `$`, and every non-ASCII character (UTF-8 bytes ≥ 0x80). */
function isIdChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x5f || c === 0x24 || c >= 0x80;
}

/** Characters a keyword is made of (tokenize.c CC_KYWD0/CC_KYWD): ASCII letters and `_`. */
function isKeywordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

const BOM = 0xfeff;

/** The length of the token at `i` and its class; `word` is set when the token is a bare keyword-like word. */
interface Token {
  end: number;
  cls: number;
  word: string | undefined;
  open: SqlTextScan['unterminated'];
}

/** Reads the token at `i` (SQLite's sqlite3GetToken, on UTF-16 code units). */
function readToken(sql: string, i: number, out: Token): void {
  const n = sql.length;
  const c = sql.charCodeAt(i);
  out.word = undefined;
  out.open = undefined;
  if (isSpaceStart(c) || c === BOM) {
    let j = i + 1;
    while (j < n && isSpace(sql.charCodeAt(j))) j++;
    out.end = j;
    out.cls = WS;
    return;
  }
  switch (c) {
    case 0x3b: // ;
      out.end = i + 1;
      out.cls = SEMI;
      return;
    case 0x2d: // -
      if (sql.charCodeAt(i + 1) === 0x2d) {
        const nl = sql.indexOf('\n', i + 2);
        out.end = nl === -1 ? n : nl;
        out.cls = WS;
        return;
      }
      break;
    case 0x2f: // /
      // "/*" at the very end of the text is a slash, not a comment (tokenize.c: z[2]==0).
      if (sql.charCodeAt(i + 1) === 0x2a && i + 2 < n) {
        const close = sql.indexOf('*/', i + 2);
        out.end = close === -1 ? n : close + 2;
        out.cls = WS;
        return;
      }
      break;
    case 0x27: // '
    case 0x22: // "
    case 0x60: {
      // `
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(sql[i] as string, j);
        if (k === -1) {
          out.end = n;
          out.open = sql[i] as "'" | '"' | '`';
          break;
        }
        if (sql.charCodeAt(k + 1) === c) {
          j = k + 2; // a doubled delimiter is the delimiter itself
          continue;
        }
        out.end = k + 1;
        break;
      }
      out.cls = OTHER;
      return;
    }
    case 0x5b: {
      // [identifier]: no escapes
      const k = sql.indexOf(']', i + 1);
      out.end = k === -1 ? n : k + 1;
      if (k === -1) out.open = ']';
      out.cls = OTHER;
      return;
    }
    case 0x3f: {
      // ?NNN
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      out.end = j;
      out.cls = OTHER;
      return;
    }
    case 0x24: // $
    case 0x40: // @
    case 0x23: // #
    case 0x3a: {
      // :name — including SQLite's Tcl-style `$a(…)` and `$a::b`
      let j = i + 1;
      let idChars = 0;
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (isIdChar(d)) {
          idChars++;
          j++;
        } else if (d === 0x28 && idChars > 0) {
          j++;
          while (j < n && !isSpace(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 0x29) j++;
          if (j < n && sql.charCodeAt(j) === 0x29) j++;
          break;
        } else if (d === 0x3a && sql.charCodeAt(j + 1) === 0x3a) {
          j += 2;
        } else break;
      }
      out.end = j === i + 1 ? i + 1 : j;
      out.cls = OTHER;
      return;
    }
  }
  if (isDigit(c) || (c === 0x2e && isDigit(sql.charCodeAt(i + 1)))) {
    out.end = numberEnd(sql, i);
    out.cls = OTHER;
    return;
  }
  if (isIdChar(c)) {
    let j = i + 1;
    while (j < n && isIdChar(sql.charCodeAt(j))) j++;
    out.end = j;
    out.cls = OTHER;
    let keyword = true;
    for (let k = i; k < j && keyword; k++) keyword = isKeywordChar(sql.charCodeAt(k));
    if (keyword) {
      const word = sql.slice(i, j).toUpperCase();
      out.word = word;
      out.cls = keywordClass(word);
    }
    return;
  }
  // Operators, punctuation, NUL and characters SQLite calls illegal: one character each.
  out.end = i + 1;
  out.cls = OTHER;
}

/** End of a numeric literal (tokenize.c CC_DIGIT), including the identifier characters SQLite swallows after it. */
function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i;
  const c1 = sql.charCodeAt(i + 1);
  if (sql.charCodeAt(i) === 0x30 && (c1 === 0x78 || c1 === 0x58) && isHex(sql.charCodeAt(i + 2))) {
    j = i + 3;
    while (j < n && (isHex(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x5f)) j++;
  } else {
    while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x5f)) j++;
    if (sql.charCodeAt(j) === 0x2e) {
      j++;
      while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x5f)) j++;
    }
    const e = sql.charCodeAt(j);
    if (e === 0x65 || e === 0x45) {
      const s = sql.charCodeAt(j + 1);
      if (isDigit(s) || ((s === 0x2b || s === 0x2d) && isDigit(sql.charCodeAt(j + 2)))) {
        j += 2;
        while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x5f)) j++;
      }
    }
  }
  while (j < n && isIdChar(sql.charCodeAt(j))) j++;
  return j;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function keywordClass(word: string): number {
  switch (word) {
    case 'CREATE':
      return CREATE;
    case 'TEMP':
    case 'TEMPORARY':
      return TEMP;
    case 'TRIGGER':
      return TRIGGER;
    case 'END':
      return END;
    case 'EXPLAIN':
      return EXPLAIN;
    default:
      return OTHER;
  }
}

/**
 * Splits a text into SQLite statements without running anything: the statements' spans, what is left open
 * at the end, and whether the text holds a NUL. See the module comment for the rules.
 */
export function scanSql(sql: string): SqlTextScan {
  const statements: StatementSpan[] = [];
  const token: Token = { end: 0, cls: WS, word: undefined, open: undefined };
  let state = 0;
  let start = -1;
  let keyword: string | undefined;
  let open: SqlTextScan['unterminated'];
  const n = sql.length;
  for (let i = 0; i < n; i = token.end) {
    readToken(sql, i, token);
    if (token.open) open = token.open;
    if (token.cls !== WS && token.cls !== SEMI && state <= 1) {
      start = i;
      keyword = token.word;
    }
    const next = TRANS[state]?.[token.cls] as number;
    if (token.cls === SEMI && next === 1 && state > 1) {
      statements.push({ start, end: token.end, keyword });
      start = -1;
    }
    state = next;
  }
  if (state > 1) statements.push({ start, end: n, keyword });
  const inTrigger = state === 5 || state === 6; // state 7 has seen `; END` and lacks only the final `;`
  return { statements, unterminated: open ?? (inTrigger ? 'trigger' : undefined), hasNul: sql.includes('\0') };
}

/** How many statements SQLite would find in `sql` (empty statements, whitespace and comments count zero). */
export function countStatements(sql: string): number {
  return scanSql(sql).statements.length;
}

/** The statements of `sql` as separate texts, each from its first token to its `;` (or the end of the text). */
export function splitStatements(sql: string): string[] {
  return scanSql(sql).statements.map((s) => sql.slice(s.start, s.end));
}

/** The keyword a single-statement text starts with, in upper case (`'SELECT'`, `'BEGIN'`), or undefined. */
export function leadingKeyword(sql: string): string | undefined {
  return scanSql(sql).statements[0]?.keyword;
}

/** Statements that open, close or name a transaction: litedao owns transactions, raw SQL may not. */
const TRANSACTION_KEYWORDS: ReadonlySet<string> = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** True when any statement of `sql` is transaction control (BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE). */
export function isTransactionControl(sql: string): boolean {
  return scanSql(sql).statements.some((s) => s.keyword !== undefined && TRANSACTION_KEYWORDS.has(s.keyword));
}

/**
 * Throws `ValidationError` unless `sql` holds exactly one statement and no NUL character. The message says
 * how many statements were found, never the text (which may hold literals).
 */
export function checkSingleStatement(sql: string, what = 'SQL text'): void {
  if (typeof sql !== 'string') throw new ValidationError(`${what} must be a string`, [{ path: ['sql'], message: 'not a string' }]);
  const scan = scanSql(sql);
  if (scan.hasNul) {
    throw new ValidationError(`${what} holds a NUL character`, [
      { path: ['sql'], message: 'SQLite stops reading at NUL; remove it (bind values as parameters)' },
    ]);
  }
  const count = scan.statements.length;
  if (count !== 1) {
    throw new ValidationError(`${what} must hold exactly one statement`, [
      {
        path: ['sql'],
        message: count === 0 ? 'no statement found (only whitespace, comments or ;)' : `${count} statements found; send one per call`,
      },
    ]);
  }
}

/**
 * The summary `checkRawSql` (sql.ts) works from: how many statements `text` holds, the first statement's
 * leading keyword, and where its text ends before its terminating `;` (the whole text when it has none), so
 * trailing comments and blanks are not sent as an empty second statement.
 */
export function scanStatements(text: string): { count: number; first: string | undefined; end: number } {
  const { statements } = scanSql(text);
  const head = statements[0];
  if (head === undefined) return { count: 0, first: undefined, end: text.length };
  const end = text.charCodeAt(head.end - 1) === 0x3b ? head.end - 1 : head.end;
  return { count: statements.length, first: head.keyword, end };
}

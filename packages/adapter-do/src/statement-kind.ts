/**
 * What the driver needs to know about a statement's text, found by a tokenizer (strings, quoted identifiers
 * and comments skipped), never by a regular expression over the raw text, and memoized per SQL text (core
 * repeats a few statement shapes, so the cache stays small and hot).
 *
 * Only facts a Durable Object makes matter here; core's own checks (one statement per text, no transaction
 * control) have run before any driver sees the text.
 */

/** The facts about one statement text. */
export interface StatementKind {
  /**
   * The statement changes the schema or the connection (CREATE, DROP, ALTER, PRAGMA, …): SQLite's `changes()`
   * keeps the count of an earlier INSERT/UPDATE/DELETE, so the driver reports 0 for it.
   */
  readonly schema: boolean;
  /**
   * The statement holds the keyword ROLLBACK outside a leading position: `INSERT OR ROLLBACK`, `ON CONFLICT
   * ROLLBACK` in a table definition or `RAISE(ROLLBACK, …)` in a trigger. When such a clause fires, SQLite ends
   * the transaction by itself, under the Durable Object's own savepoints, and workerd resets the object
   * (measured: "internal error", and every later request to the object fails until it restarts).
   */
  readonly rollback: boolean;
  /** The statement is `PRAGMA defer_foreign_keys …`. */
  readonly defersForeignKeys: boolean;
}

const SCHEMA_WORDS = new Set(['CREATE', 'DROP', 'ALTER', 'PRAGMA', 'ANALYZE', 'REINDEX', 'VACUUM', 'ATTACH', 'DETACH']);
const CACHE_SIZE = 512;
const cache = new Map<string, StatementKind>();

/** The {@link StatementKind} of a statement text (memoized). */
export function statementKind(sql: string): StatementKind {
  let kind = cache.get(sql);
  if (kind === undefined) {
    kind = scan(sql);
    // Statement shapes are few; a full cache means raw SQL with inlined values, which is not worth keeping.
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(sql, kind);
  }
  return kind;
}

function isWordStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= 48 && code <= 57) || code === 36;
}

function scan(sql: string): StatementKind {
  let first: string | undefined;
  let rollback = false;
  let pragma = false;
  let defers = false;
  const n = sql.length;
  for (let i = 0; i < n; ) {
    const c = sql.charCodeAt(i);
    // -- line comment
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i + 2);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    // /* block comment */
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    // 'string', "identifier", `identifier`, [identifier]: doubled quotes escape, brackets do not nest.
    if (c === 39 || c === 34 || c === 96 || c === 91) {
      const close = c === 91 ? 93 : c;
      let j = i + 1;
      for (; j < n; j++) {
        if (sql.charCodeAt(j) !== close) continue;
        if (close !== 93 && sql.charCodeAt(j + 1) === close) j++;
        else break;
      }
      // x'…' blob literals and quoted names are single tokens; none of them is a keyword.
      if (first === undefined) first = '';
      i = j + 1;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (first === undefined) first = word;
      else if (word === 'ROLLBACK') rollback = true;
      if (word === 'PRAGMA') pragma = true;
      else if (pragma && word === 'DEFER_FOREIGN_KEYS') defers = true;
      i = j;
      continue;
    }
    if (first === undefined && c > 32 && c !== 59) first = '';
    i++;
  }
  return { schema: first !== undefined && SCHEMA_WORDS.has(first), rollback, defersForeignKeys: defers };
}

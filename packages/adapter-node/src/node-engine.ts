/**
 * `createNodeEngine(url)`: the port of `create_async_engine(database_url)` for Node, reading
 * `DATABASE_URL` by default, as the template recommends.
 */
import { ConfigurationError, createEngine, type Engine } from '@litedao/core';
import { checkNodeDriverOptions, createNodeDriver, type NodeDriverOptions } from './node-driver.ts';

/** A parsed database URL: the filename better-sqlite3 opens and the driver options its query asks for. */
export interface DatabaseUrl {
  readonly filename: string;
  readonly options: NodeDriverOptions;
}

/**
 * Reads an SQLAlchemy-style SQLite URL.
 *
 * - `sqlite:///app.db` → `app.db` (relative, as in SQLAlchemy); `sqlite:////var/data/app.db` → absolute; the path is
 *   percent-decoded (`my%20db.db`)
 * - `sqlite://`, `sqlite://:memory:`, `sqlite:///:memory:`, `?mode=memory` → `:memory:`
 * - the template's `sqlite+aiosqlite:///db.sqlite3` is accepted as is, so one `.env` serves both.
 * - Query parameters, as SQLite's URI filenames and Python's `sqlite3.connect` read them: `mode=ro` (read-only),
 *   `mode=rw` (the file must exist), `mode=rwc` (the default), `mode=memory`; `timeout=<seconds>` (how long a
 *   writer waits for the lock: `busyTimeoutMs`); `uri=true` and `check_same_thread=…` mean nothing here and are
 *   accepted so a Python `.env` works. Any other parameter, a repeated one or a bad value is a
 *   `ConfigurationError`: an option is never silently dropped.
 */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  if (typeof url !== 'string') throw new ConfigurationError(`a database URL must be a string, got ${url === null ? 'null' : typeof url}`);
  const m = /^sqlite(?:\+[a-z0-9]+)?:\/\/([^?#]*)(?:\?([^#]*))?(#.*)?$/i.exec(url.trim());
  if (!m)
    throw new ConfigurationError(
      `unsupported database URL ${JSON.stringify(url.split('?')[0])}: expected sqlite:///path.db or sqlite://:memory:`,
    );
  if (m[3] !== undefined) throw new ConfigurationError('a database URL must not have a #fragment');
  const options: { -readonly [K in keyof NodeDriverOptions]: NodeDriverOptions[K] } = {};
  let memoryMode = false;
  const seen = new Set<string>();
  for (const pair of (m[2] ?? '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq), 'query parameter');
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1), `value of ${key}`);
    if (seen.has(key)) throw new ConfigurationError(`the database URL repeats the parameter ${key}`);
    seen.add(key);
    if (key === 'mode') {
      if (value === 'ro') options.readonly = true;
      else if (value === 'rw') options.fileMustExist = true;
      else if (value === 'memory') memoryMode = true;
      else if (value !== 'rwc') throw new ConfigurationError(`the database URL's mode=${value} is not ro, rw, rwc or memory`);
    } else if (key === 'timeout') {
      const seconds = value.trim() === '' ? Number.NaN : Number(value);
      if (!(Number.isFinite(seconds) && seconds >= 0)) {
        throw new ConfigurationError(`the database URL's timeout=${value} is not a number of seconds ≥ 0`);
      }
      options.busyTimeoutMs = Math.round(seconds * 1000);
    } else if (key === 'uri' || key === 'check_same_thread') {
      if (!/^(true|false|1|0)$/i.test(value)) throw new ConfigurationError(`the database URL's ${key}=${value} is not true or false`);
    } else {
      throw new ConfigurationError(
        `the database URL's parameter ${JSON.stringify(key)} is not supported (supported: mode, timeout, uri, check_same_thread)`,
      );
    }
  }
  const rest = m[1] ?? '';
  let filename: string;
  if (rest === '' || rest === ':memory:' || rest === '/:memory:') filename = ':memory:';
  else {
    if (!rest.startsWith('/'))
      throw new ConfigurationError('a file database URL has three slashes: sqlite:///relative.db or sqlite:////absolute.db');
    filename = decode(rest.slice(1), 'path');
    if (filename === '') throw new ConfigurationError('the database URL names no file');
    if (filename.includes('\0')) throw new ConfigurationError("the database URL's path must not contain a NUL character");
  }
  if (memoryMode) {
    if (filename !== ':memory:') throw new ConfigurationError('mode=memory names no file: use sqlite:// or sqlite:///:memory:');
  }
  if (filename === ':memory:' && (options.readonly || options.fileMustExist)) {
    throw new ConfigurationError('an in-memory database cannot be opened with mode=ro or mode=rw');
  }
  return { filename, options };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(what === 'path' ? text : text.replaceAll('+', ' ')); // a query's + is a space (form encoding)
  } catch (e) {
    throw new ConfigurationError(`the database URL's ${what} has a malformed %-escape: ${JSON.stringify(text)}`, { cause: e });
  }
}

/**
 * Turns an SQLAlchemy-style SQLite URL into a better-sqlite3 filename (the query's options are in
 * {@link parseDatabaseUrl}).
 */
export function filenameFromUrl(url: string): string {
  return parseDatabaseUrl(url).filename;
}

/**
 * Creates an engine on better-sqlite3 from a URL, defaulting to the `DATABASE_URL` environment variable. The URL's
 * query (`?mode=ro`, `?timeout=10`) and `options` are merged; the same option given both ways with different
 * values is a `ConfigurationError`.
 *
 * ```ts
 * const engine = createNodeEngine('sqlite:///bot.db');
 * const Session = createSessionMaker(engine);
 * ```
 */
export function createNodeEngine(url: string | undefined = process.env.DATABASE_URL, options?: NodeDriverOptions): Engine {
  if (url === undefined || url === '')
    throw new ConfigurationError('no database URL: pass one or set DATABASE_URL (e.g. sqlite:///app.db)');
  const parsed = parseDatabaseUrl(url);
  const given = checkNodeDriverOptions(options);
  const merged: Record<string, unknown> = { ...parsed.options };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (merged[key] !== undefined && merged[key] !== value) {
      throw new ConfigurationError(`the option ${key} is ${String(value)} but the database URL says ${String(merged[key])}`);
    }
    merged[key] = value;
  }
  return createEngine(createNodeDriver(parsed.filename, merged as NodeDriverOptions));
}

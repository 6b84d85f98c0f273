/**
 * `createNodeEngine(url)`: the port of `create_async_engine(database_url)` for Node, reading
 * `DATABASE_URL` by default, as the template recommends.
 */
import { ConfigurationError, createEngine, type Engine } from '@litedao/core';
import { createNodeDriver, type NodeDriverOptions } from './node-driver.ts';

/**
 * Turns an SQLAlchemy-style SQLite URL into a better-sqlite3 filename.
 *
 * - `sqlite:///app.db` → `app.db` (relative, as in SQLAlchemy); `sqlite:////var/data/app.db` → absolute
 * - `sqlite://`, `sqlite://:memory:`, `sqlite:///:memory:` → `:memory:`
 * - the template's `sqlite+aiosqlite:///db.sqlite3` is accepted as is, so one `.env` serves both.
 */
export function filenameFromUrl(url: string): string {
  const m = /^sqlite(?:\+[a-z0-9]+)?:\/\/(.*)$/i.exec(url.trim());
  if (!m)
    throw new ConfigurationError(
      `unsupported database URL ${JSON.stringify(url.split('?')[0])}: expected sqlite:///path.db or sqlite://:memory:`,
    );
  const rest = (m[1] ?? '').split('?')[0] ?? '';
  if (rest === '' || rest === ':memory:' || rest === '/:memory:') return ':memory:';
  if (!rest.startsWith('/'))
    throw new ConfigurationError('a file database URL has three slashes: sqlite:///relative.db or sqlite:////absolute.db');
  const path = decodeURIComponent(rest.slice(1));
  if (path === '') throw new ConfigurationError('the database URL names no file');
  return path;
}

/**
 * Creates an engine on better-sqlite3 from a URL, defaulting to the `DATABASE_URL` environment variable.
 *
 * ```ts
 * const engine = createNodeEngine('sqlite:///bot.db');
 * const Session = createSessionMaker(engine);
 * ```
 */
export function createNodeEngine(url: string | undefined = process.env.DATABASE_URL, options?: NodeDriverOptions): Engine {
  if (!url) throw new ConfigurationError('no database URL: pass one or set DATABASE_URL (e.g. sqlite:///app.db)');
  return createEngine(createNodeDriver(filenameFromUrl(url), options));
}

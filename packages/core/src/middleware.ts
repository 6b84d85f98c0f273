/**
 * The template's middleware pattern — one handler, one session, commit on success, rollback on any error,
 * close always — for a Worker `fetch` handler, a grammY (or any `(ctx, next)`) middleware and a plain
 * async function. All three are built on `SessionMaker.begin()`.
 */

import type { Session } from './session.ts';
import type { BeginOptions, SessionMaker } from './session-maker.ts';

/** A session maker, or a function that makes one from the handler's arguments (per-request D1 bindings). */
export type MakerSource<A extends unknown[]> = SessionMaker | ((...args: A) => SessionMaker);

function resolve<A extends unknown[]>(source: MakerSource<A>, args: A): SessionMaker {
  return 'begin' in source && typeof source.begin === 'function'
    ? (source as SessionMaker)
    : (source as (...a: A) => SessionMaker)(...args);
}

/**
 * Wraps a function so each call runs in its own unit of work, committed when it resolves.
 *
 * ```ts
 * export default {
 *   fetch: withSession((req, env: Env) => makeSessions(env.DB), async (session, req, env) => new Response('ok')),
 * };
 * ```
 */
export function withSession<A extends unknown[], R>(
  maker: MakerSource<A>,
  handler: (session: Session, ...args: A) => Promise<R>,
  options?: BeginOptions,
): (...args: A) => Promise<R> {
  return (...args: A) => resolve(maker, args).begin((session) => handler(session, ...args), options);
}

/**
 * A `(ctx, next)` middleware (grammY, Koa) that puts a session on `ctx[key]` (default `db`) for the rest
 * of the chain and commits after it, or rolls back if it throws. For Hono, use `honoSession` from
 * `@litedao/core/hono`: Hono's `c.var` only sees what `c.set()` stores.
 *
 * ```ts
 * bot.use(sessionMiddleware<MyContext>(() => Session));
 * bot.command('start', async (ctx) => { ctx.db.add(...) });
 * ```
 */
export function sessionMiddleware<C extends object>(
  maker: MakerSource<[C]>,
  key = 'db',
): (ctx: C, next: () => Promise<void>) => Promise<void> {
  return (ctx, next) =>
    resolve(maker, [ctx]).begin(async (session) => {
      (ctx as Record<string, unknown>)[key] = session;
      try {
        await next();
      } finally {
        delete (ctx as Record<string, unknown>)[key];
      }
    });
}

/**
 * `@litedao/core/hono`: the template's commit-after-handler middleware for Hono. The session goes on the
 * context with `c.set()`, typed for `c.var` (and `c.get()`) in every handler after it.
 *
 * ```ts
 * type AppEnv = { Bindings: { DB: D1Database } };
 * // Chain .use() so its variables are part of the app's type.
 * const app = new Hono<AppEnv>().use(honoSession((c: Context<AppEnv>) => createSessionMaker(createEngine(createD1Driver(c.env.DB)))));
 * app.post('/users', async (c) => {
 *   c.var.db.add(new User(await c.req.json())); // committed after the handler, rolled back if it throws
 *   return c.text('ok');
 * });
 * ```
 *
 * Only types come from `hono` (an optional peer dependency): this module adds nothing to a bundle that does
 * not use it.
 *
 * @module
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { Session } from './session.ts';
import type { SessionMaker } from './session-maker.ts';

/** The context variables {@link honoSession} sets: `{ db: Session }` by default. */
export type SessionVariables<K extends string = 'db'> = { [P in K]: Session };

/** Options of {@link honoSession}. */
export interface HonoSessionOptions<K extends string> {
  /** The context variable (default `db`, the template's `data['session']` as `c.var.db`). */
  readonly key?: K;
}

/**
 * A Hono middleware that opens one session per request, sets it with `c.set(key, session)`, and after the
 * rest of the chain commits it — or rolls it back when a later handler threw (Hono reports that in
 * `c.error`; the error itself still goes to `app.onError`). The session is closed either way. A failed
 * commit throws, so `app.onError` answers it.
 *
 * `maker` is a session maker, or a function of the context that makes one (a D1 binding is per request);
 * annotate that function's `c` with your app's `Context<Env>` so `c.env` is typed.
 */
export function honoSession<E extends Env = Env, K extends string = 'db'>(
  maker: SessionMaker | ((c: Context<E>) => SessionMaker),
  options?: HonoSessionOptions<K>,
): MiddlewareHandler<E & { Variables: SessionVariables<K> }> {
  const key = (options?.key ?? 'db') as K;
  return async (c, next) => {
    const source =
      'begin' in maker && typeof maker.begin === 'function' ? maker : (maker as (c: Context<E>) => SessionMaker)(c as Context<E>);
    const session = (source as SessionMaker)();
    try {
      c.set(key, session as never);
      await next();
      if (c.error) await session.rollback();
      else await session.commit();
    } finally {
      await session.close();
    }
  };
}

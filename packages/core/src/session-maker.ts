/**
 * Session makers: the port of `async_sessionmaker(engine)`, plus the template's middleware pattern
 * (`Session.begin(fn)`: one function, one session, commit on success, rollback on error, close always) with
 * bounded retries of a whole unit of work.
 */
import { Engine } from './engine.ts';
import { BusyError, ConfigurationError, StaleDataError } from './errors.ts';
import { checkOptions, nonNegativeNumber, optionsOf } from './options.ts';
import { sleep } from './platform.ts';
import { Session } from './session.ts';

/** An error class to retry on. */
// biome-ignore lint/suspicious/noExplicitAny: any error class
export type ErrorClass = abstract new (...args: any[]) => Error;

/** How `begin` retries a unit of work that failed for a reason a new attempt can fix. */
export interface RetryOptions {
  /** Attempts in all, the first included (e.g. 5). */
  readonly attempts: number;
  /** Errors that cause a retry. Default: `StaleDataError` (a concurrent writer won) and `BusyError` (the lock was held too long). */
  readonly on?: readonly ErrorClass[] | undefined;
  /** First backoff in ms, doubled per attempt with jitter, capped at 1 s. Default 5. */
  readonly backoffMs?: number | undefined;
}

/** Options of {@link SessionMaker.begin} and `withSession`. */
export interface BeginOptions {
  /**
   * Re-run the whole function with a fresh session when the unit fails with a retryable error: a number of
   * attempts, or {@link RetryOptions}. Safe because a failed unit wrote nothing; the function must not have
   * other side effects it cannot repeat. Default: no retry.
   */
  readonly retry?: number | RetryOptions | undefined;
}

/** Makes sessions on one engine (the port of `async_sessionmaker`). Call it for a new session. */
export interface SessionMaker {
  (): Session;
  readonly engine: Engine;
  /**
   * The template's middleware pattern: one function, one session, commit when it resolves, roll back when
   * it throws (rethrowing exactly what it threw), close always. Returns what `fn` returns.
   */
  begin<T>(fn: (session: Session) => Promise<T>, options?: BeginOptions): Promise<T>;
}

const DEFAULT_RETRY_ON: readonly ErrorClass[] = [StaleDataError, BusyError];

const RETRY_RULES = {
  attempts: 'number',
  on: (v: unknown) =>
    Array.isArray(v) && v.every((c) => typeof c === 'function') ? undefined : 'must be an array of error classes (e.g. [StaleDataError])',
  backoffMs: nonNegativeNumber,
} as const;

function retryPolicy(givenOptions: BeginOptions | undefined): Required<RetryOptions> {
  const { retry } = checkOptions<BeginOptions>('begin', givenOptions, {
    retry: (v) => (typeof v === 'number' ? undefined : optionsOf<RetryOptions>(RETRY_RULES)(v)),
  });
  if (retry === undefined) return { attempts: 1, on: DEFAULT_RETRY_ON, backoffMs: 5 };
  const o: RetryOptions = typeof retry === 'number' ? { attempts: retry } : retry;
  if (!Number.isSafeInteger(o.attempts) || o.attempts < 1) throw new ConfigurationError('retry.attempts must be an integer ≥ 1');
  return { attempts: o.attempts, on: o.on ?? DEFAULT_RETRY_ON, backoffMs: o.backoffMs ?? 5 };
}

/** Creates a session maker (`const Session = createSessionMaker(engine); await using s = Session();`). */
export function createSessionMaker(engine: Engine): SessionMaker {
  if (!(engine instanceof Engine)) throw new ConfigurationError('createSessionMaker(engine) needs an Engine from createEngine()');
  const maker = () => new Session(engine.sessionContext());
  return Object.assign(maker, {
    engine,
    async begin<T>(fn: (session: Session) => Promise<T>, options?: BeginOptions): Promise<T> {
      if (typeof fn !== 'function') throw new ConfigurationError('begin(fn) needs a function that takes the session');
      const policy = retryPolicy(options);
      for (let attempt = 1; ; attempt++) {
        const session = maker();
        try {
          const out = await fn(session);
          await session.commit();
          return out;
        } catch (error) {
          session.rollback();
          const retryable = attempt < policy.attempts && policy.on.some((cls) => error instanceof cls);
          if (!retryable) throw error;
          const cap = Math.min(1000, policy.backoffMs * 2 ** (attempt - 1));
          await sleep(cap * (0.5 + Math.random() / 2));
        } finally {
          await session.close();
        }
      }
    },
  });
}

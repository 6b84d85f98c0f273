// Types of the Durable Object bench Worker (the package type-checks with Node's types only): the storage shape is
// the adapter's own structural type plus the cursor methods the raw baseline calls, and the namespace binding.
import type { DurableObjectSqlCursor, DurableObjectSqlStorage } from '@litedao/adapter-do';

declare global {
  /** `ctx.storage` with the cursor methods the raw baseline uses (`one()`, `toArray()`). */
  interface BenchStorage extends DurableObjectSqlStorage {
    readonly sql: {
      exec(
        query: string,
        ...bindings: unknown[]
      ): DurableObjectSqlCursor & {
        one(): Record<string, unknown>;
        toArray(): Record<string, unknown>[];
      };
    };
  }

  /** A namespace binding whose stubs expose the object's methods as async RPC calls. */
  interface BenchNamespace<T> {
    idFromName(name: string): unknown;
    get(id: unknown): { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };
  }
}

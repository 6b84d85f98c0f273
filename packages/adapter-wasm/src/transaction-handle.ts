import { StateError, type TransactionDriver } from '@litedao/core';

/**
 * The handle `transaction(fn)` gives `fn`: statements go to `target` while the transaction is open, and a
 * handle that outlives it (kept by mistake past `fn`) throws instead of running statements outside it.
 */
export function transactionHandle(target: TransactionDriver): { readonly tx: TransactionDriver; end(): void } {
  let open = true;
  const ensureOpen = (): void => {
    if (!open) throw new StateError('The transaction has already ended; use the engine outside it.');
  };
  return {
    tx: {
      execute: async (statement) => {
        ensureOpen();
        return target.execute(statement);
      },
      batch: async (statements) => {
        ensureOpen();
        return target.batch(statements);
      },
    },
    end() {
      open = false;
    },
  };
}

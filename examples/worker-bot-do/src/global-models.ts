/**
 * The global D1 database's tables: the users who sent /start. `migrations/` is generated from this module with
 * `litedao generate` (litedao.config.ts) and applied with `wrangler d1 migrations apply`.
 */
import { declarativeBase, t } from '@litedao/core';

export const GlobalBase = declarativeBase();

/** A Telegram user who sent /start (D1). */
export class User extends GlobalBase('User', {
  telegram_id: t.integer().unique(),
  username: t.text().nullable(),
  first_name: t.text(),
}) {}

/** The models of the global D1 database, parents first, for its migration. */
export const globalModels = [User] as const;

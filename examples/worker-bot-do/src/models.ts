/**
 * The bot's tables, in two databases:
 *
 * - `Global` (D1, one database for the whole bot): the users who sent /start. `migrations/0001_init.sql` is
 *   generated from these models (a test keeps the two in step) and applied with `wrangler d1 migrations`.
 * - `Chat` (one SQLite database per chat, inside that chat's Durable Object): its messages. The object creates
 *   the table itself when it starts (`DatabaseObject` runs `createAll` inside `blockConcurrencyWhile`).
 *
 * The two never join: a message keeps the sender's Telegram id, not a foreign key into another database.
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

export const ChatBase = declarativeBase();

/**
 * A text message saved in one chat (the chat's Durable Object). `telegram_message_id` is unique within a chat,
 * so an update Telegram delivers twice is stored once.
 */
export class Message extends ChatBase('Message', {
  telegram_message_id: t.integer().unique(),
  from_id: t.integer().index(),
  text: t.text(),
}) {}

/** The models of each chat's database. */
export const chatModels = [Message] as const;

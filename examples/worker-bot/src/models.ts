/**
 * The bot's tables. `id`, `created_at` and `updated_at` come from litedao's base; table names are the
 * pluralized snake_case of the model names (`users`, `messages`). `migrations/` is generated from these models
 * with `litedao generate` (litedao.config.ts); `litedao check` fails when the two drift apart.
 */
import { declarativeBase, t } from '@litedao/core';
import * as z from 'zod';

export const Base = declarativeBase();

/** A Telegram user who sent /start, and their saved messages (a relationship: no column, no migration). */
export class User extends Base(
  'User',
  {
    telegram_id: t.integer().unique(),
    username: t.text().nullable(),
    first_name: t.text(),
    /** The IETF language tag Telegram reports for the user's client (`en`, `de`), when it does. */
    language_code: t.text().nullable(),
  },
  { relations: (r) => ({ messages: r.oneToMany<Message>('Message', { backPopulates: 'user' }) }) },
) {}

/**
 * A text message a registered user sent. `(chat_id, telegram_message_id)` is unique, so an update Telegram
 * delivers twice (it retries a webhook that did not answer 200) is stored once.
 */
export class Message extends Base(
  'Message',
  {
    user_id: t
      .integer()
      .references(() => User, { onDelete: 'cascade' })
      .index(),
    chat_id: t.integer(),
    telegram_message_id: t.integer(),
    text: t.text(),
  },
  {
    unique: [['chat_id', 'telegram_message_id']],
    relations: (r) => ({ user: r.manyToOne<User>().on('user_id', { backPopulates: 'messages' }) }),
  },
) {}

/** A chat's conversation state, as grammY's session plugin keeps it (see `createStorageAdapter` in bot.ts). */
export const chatStateSchema = z.object({
  /** What the bot is waiting for in this chat. */
  step: z.enum(['idle', 'asking_name']),
  /** What the user asked to be called (`/name`). */
  nickname: z.string().min(1).max(64).optional(),
});
export type ChatStateData = z.infer<typeof chatStateSchema>;

/**
 * grammY session storage: one row per chat (`key` is grammY's session key, the chat id), the state as JSON
 * validated by {@link chatStateSchema} on every write and every read.
 */
export class ChatState extends Base('ChatState', {
  key: t.text().unique(),
  value: t.json(chatStateSchema),
}) {}

/** Every model, parents first, for migrations and tests. */
export const models = [User, Message, ChatState] as const;

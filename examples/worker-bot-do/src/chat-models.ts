/**
 * Each chat's tables, inside that chat's Durable Object. `chat-migrations/` is generated from this module with
 * `litedao generate --config litedao.chat.config.ts`; every ChatObject applies those files when it starts.
 */
import { declarativeBase, t } from '@litedao/core';

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

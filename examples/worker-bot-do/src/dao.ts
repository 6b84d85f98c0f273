/**
 * The bot's repositories: litedao's `BaseDAO` (the Python template's generic DAO). `UserDAO` runs on D1 in the
 * Worker; `MessageDAO` runs inside a chat's Durable Object. A DAO is bound to the session of one unit of work;
 * nothing here commits.
 */
import { BaseDAO } from '@litedao/core';
import type { User as TelegramUser } from 'grammy/types';
import { Message, User } from './models.ts';

/** Users, keyed by their Telegram id (D1). */
export class UserDAO extends BaseDAO(User) {
  /** The user with this Telegram id, or null. */
  findByTelegramId(telegramId: number): Promise<User | null> {
    return this.findOneOrNone({ telegram_id: telegramId });
  }

  /** Registers the sender, or refreshes their names: one `INSERT … ON CONFLICT (telegram_id) DO UPDATE`. */
  register(from: TelegramUser): Promise<User> {
    return this.upsert(['telegram_id'], { telegram_id: from.id, username: from.username ?? null, first_name: from.first_name });
  }
}

/** Saved messages of one chat (inside its Durable Object). */
export class MessageDAO extends BaseDAO(Message) {
  /** The message Telegram numbered `telegramMessageId` in this chat, or null. */
  findByTelegramId(telegramMessageId: number): Promise<Message | null> {
    return this.findOneOrNone({ telegram_message_id: telegramMessageId });
  }
}

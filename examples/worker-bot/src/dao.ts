/**
 * The bot's repositories: litedao's `BaseDAO` (the Python template's generic DAO) plus the two queries the
 * handlers ask in Telegram's terms. A DAO is bound to the session of one unit of work; nothing here commits.
 */
import { BaseDAO } from '@litedao/core';
import type { User as TelegramUser } from 'grammy/types';
import { Message, User } from './models.ts';

/** Users, keyed by their Telegram id. */
export class UserDAO extends BaseDAO(User) {
  /** The user with this Telegram id, or null. */
  findByTelegramId(telegramId: number): Promise<User | null> {
    return this.findOneOrNone({ telegram_id: telegramId });
  }

  /**
   * Registers the sender, or refreshes their names and language if they are known: one `INSERT … ON CONFLICT
   * (telegram_id) DO UPDATE` at commit, so two racing /start updates cannot collide on the unique key.
   */
  register(from: TelegramUser): Promise<User> {
    return this.upsert(['telegram_id'], {
      telegram_id: from.id,
      username: from.username ?? null,
      first_name: from.first_name,
      language_code: from.language_code ?? null,
    });
  }
}

/** Saved text messages. */
export class MessageDAO extends BaseDAO(Message) {}

/** The user with their newest `n` messages, newest first: two statements (the user, then one select-in). */
export function withLatestMessages(users: UserDAO, telegramId: number, n: number): Promise<User | null> {
  return users.findOneOrNone({ telegram_id: telegramId }, { with: { messages: { orderBy: { id: 'desc' }, limit: n } } });
}

/** The demo's DAOs: the template's generic repository, plus one query of its own. */
import { BaseDAO } from '@litedao/core';
import { Message, User } from './models.ts';

export class UserDAO extends BaseDAO(User) {
  /** The user with this Telegram id, or null. */
  findByTelegramId(telegramId: number): Promise<User | null> {
    return this.findOneOrNone({ telegram_id: telegramId });
  }
}

export class MessageDAO extends BaseDAO(Message) {}

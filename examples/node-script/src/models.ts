/** The models of the demo: the template's `User`, plus a `Message` that references it (user → messages). */
import { declarativeBase, t } from '@litedao/core';

/** The declarative base (the template's `Base`): every model gets id, created_at, updated_at. */
export const Base = declarativeBase();

export class User extends Base(
  'User',
  {
    telegram_id: t.integer().unique(),
    username: t.text().nullable(),
    first_name: t.text().nullable(),
    is_admin: t.boolean().default(false),
  },
  {
    // One-to-many, mirrored by Message.user (SQLAlchemy's relationship(back_populates=…)).
    relations: (r) => ({ messages: r.oneToMany<Message>('Message', { backPopulates: 'user' }) }),
  },
) {
  /** A display name, as handlers usually want one. */
  get displayName(): string {
    return this.username ? `@${this.username}` : (this.first_name ?? `user ${this.telegram_id}`);
  }
}

export class Message extends Base(
  'Message',
  {
    user_id: t
      .integer()
      .references(() => User, { onDelete: 'cascade' })
      .index(),
    text: t.text(),
  },
  { relations: (r) => ({ user: r.manyToOne<User>().on('user_id', { backPopulates: 'messages' }) }) },
) {}

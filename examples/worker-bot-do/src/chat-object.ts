/**
 * One Durable Object per chat, holding that chat's messages in its own SQLite database.
 *
 * `DatabaseObject({ messages: MessageDAO }, { migrations })` gives the class its engine (`this.engine`,
 * `this.Session`), applies the pending chat migrations when the object starts (before any request reaches it;
 * recorded in the object's own `d1_migrations` table, then checked against the models), and serves `MessageDAO`
 * over RPC to `objectFor(env.CHATS, chatId).dao('messages')` in the Worker. `save` is a unit of work of its own:
 * one round trip from the Worker, read and write in one interactive transaction inside the object.
 */
import { DatabaseObject } from '@litedao/adapter-do/object';
import { chatMigrations } from './chat-migrations.ts';
import { MessageDAO } from './dao.ts';

/** What the Worker sends to save a message. */
export interface SaveMessage {
  readonly telegram_message_id: number;
  readonly from_id: number;
  readonly text: string;
}

/** What `save` answers: the chat's message count after saving, or that Telegram delivered it before. */
export type SaveOutcome = { readonly kind: 'saved'; readonly count: number } | { readonly kind: 'duplicate' };

export class ChatObject extends DatabaseObject({ messages: MessageDAO }, { migrations: chatMigrations }) {
  /**
   * Saves a message unless this chat already holds it (Telegram redelivers an update whose webhook call did not
   * answer 200), and counts the chat's messages. `engine.transaction()` keeps the read, the write and the count
   * together: no other request to this chat runs in between (the object's other requests wait until it ends).
   */
  async save(input: SaveMessage): Promise<SaveOutcome> {
    return this.engine.transaction(async (session) => {
      const messages = new MessageDAO(session);
      if (await messages.findByTelegramId(input.telegram_message_id)) return { kind: 'duplicate' } as const;
      await messages.add(input);
      await session.flush();
      return { kind: 'saved', count: await messages.count() } as const;
    });
  }
}

/**
 * The bot's tables, in two databases:
 *
 * - the global D1 database (`global-models.ts`): the users who sent /start;
 * - one SQLite database per chat, inside that chat's Durable Object (`chat-models.ts`): its messages.
 *
 * The two never join: a message keeps the sender's Telegram id, not a foreign key into another database.
 */
export { ChatBase, chatModels, Message } from './chat-models.ts';
export { GlobalBase, globalModels, User } from './global-models.ts';

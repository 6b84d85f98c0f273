/**
 * The bot: grammY handlers over litedao, with users in the global D1 database and each chat's messages in that
 * chat's Durable Object.
 *
 * - D1 (`Session`): one unit of work per handler, committed as ONE D1 `batch()` by `Session.begin()` before the
 *   bot replies, exactly as in examples/worker-bot.
 * - The chat's object (`objectFor(chats, chatId)`): `dao('messages')` is its `MessageDAO` over RPC, each call a
 *   unit of work committed inside the object; `stub.save()` is one method of the object doing a whole
 *   read-then-write unit of work in one round trip.
 */

import { objectFor } from '@litedao/adapter-do/object';
import type { SessionMaker } from '@litedao/core';
import { BusyError, ConnectionError } from '@litedao/core';
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { ChatObject } from './chat-object.ts';
import { UserDAO } from './dao.ts';

/** What {@link createBot} needs. */
export interface BotDeps {
  /** The bot token from @BotFather. */
  readonly token: string;
  /** Sessions on the global D1 database. */
  readonly Session: SessionMaker;
  /** The chats' Durable Object namespace (`env.CHATS`). */
  readonly chats: DurableObjectNamespace<ChatObject>;
  /** The bot's own `getMe` answer, so grammY does not call `getMe` on every request. */
  readonly botInfo?: UserFromGetMe | undefined;
}

/** Replies, kept in one place so tests and handlers agree. */
export const replies = {
  welcome: (name: string) => `Welcome, ${name}! You are registered.`,
  welcomeBack: (name: string) => `Welcome back, ${name}!`,
  startFirst: 'Send /start first, then I will keep your messages.',
  saved: (count: number) => `Saved. This chat has ${count} saved message${count === 1 ? '' : 's'}.`,
  stats: (s: { users: number; chat: number; yours: number }) =>
    `Users: ${s.users}\nMessages in this chat: ${s.chat}\nYours here: ${s.yours}`,
  failed: 'Sorry, something went wrong. Please try again.',
} as const;

/**
 * True for failures worth a redelivery: a D1 or Durable Object fault that may pass (connection lost, overloaded,
 * an object reset by the runtime, which marks such errors `retryable`/`overloaded`:
 * https://developers.cloudflare.com/durable-objects/best-practices/error-handling/).
 */
function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof BusyError) return true;
  const flags = error as { retryable?: unknown; overloaded?: unknown } | null;
  return flags?.retryable === true || flags?.overloaded === true;
}

/** Builds the bot with its handlers. Call it once per request (Workers keep no state between requests). */
export function createBot({ token, Session, chats, botInfo }: BotDeps): Bot {
  const bot = new Bot(token, botInfo ? { botInfo } : {});

  // Error boundary: a transient fault answers 500 so Telegram redelivers the update (safe: every write is
  // idempotent); anything else is answered and swallowed, so one bad update is not retried forever.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (isTransient(error)) throw error;
      console.error('update failed', ctx.update.update_id, error);
      if (ctx.chat) await ctx.reply(replies.failed).catch(() => {});
    }
  });

  // /start: register the user in the global D1 table (one upsert at commit).
  bot.command('start', async (ctx) => {
    const from = ctx.from;
    if (!from) return;
    const isNew = await Session.begin(async (session) => {
      const users = new UserDAO(session);
      const known = await users.findByTelegramId(from.id);
      await users.register(from);
      return known === null;
    });
    await ctx.reply(isNew ? replies.welcome(from.first_name) : replies.welcomeBack(from.first_name));
  });

  // /stats: the global user count from D1, this chat's counts from its object's DAO over RPC.
  bot.command('stats', async (ctx) => {
    const users = await Session.begin((session) => new UserDAO(session).count());
    const messages = objectFor(chats, ctx.chat.id).dao('messages');
    const [chat, yours] = await Promise.all([messages.count(), ctx.from ? messages.count({ from_id: ctx.from.id }) : 0]);
    await ctx.reply(replies.stats({ users, chat, yours }));
  });

  // Any other text: saved in this chat's object, for a user registered in D1.
  bot.on('message:text', async (ctx) => {
    const from = ctx.from;
    const registered = await Session.begin(async (session) => (await new UserDAO(session).findByTelegramId(from.id)) !== null);
    if (!registered) {
      await ctx.reply(replies.startFirst);
      return;
    }
    const outcome = await objectFor(chats, ctx.chat.id).stub.save({
      telegram_message_id: ctx.msg.message_id,
      from_id: from.id,
      text: ctx.msg.text,
    });
    // A redelivered update: already stored, and the user already got the reply.
    if (outcome.kind === 'saved') await ctx.reply(replies.saved(outcome.count));
  });

  return bot;
}

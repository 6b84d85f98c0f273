/**
 * The bot: grammY handlers over litedao on D1.
 *
 * Each handler is one unit of work: it reads what it needs, queues its writes on a session, and
 * `Session.begin()` commits them as ONE D1 `batch()` (atomic; D1 has no BEGIN) before the bot replies — so a
 * reply never claims something the database does not hold.
 *
 * Why not `bot.use(sessionMiddleware(Session))`, the Python template's commit-after-handler middleware? It
 * commits when the whole middleware chain has returned, i.e. after the handler's `ctx.reply()`: the bot would
 * answer "Saved" before a commit that can still fail (a redelivered update hitting the unique key, D1
 * overloaded), and the handler could not pick its reply from the commit's outcome. `Session.begin()` inside
 * the handler is the same pattern (one handler, one unit of work, commit on success, roll back on error) with
 * the commit moved before the reply.
 */
import type { SessionMaker } from '@litedao/core';
import { BusyError, ConnectionError, createStorageAdapter, UniqueConstraintError } from '@litedao/core';
import { Bot, type Context, type SessionFlavor, session } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { MessageDAO, UserDAO, withLatestMessages } from './dao.ts';
import { ChatState, type ChatStateData, Message } from './models.ts';

/** The handlers' context: grammY's, plus `ctx.session`, the chat's conversation state kept in D1. */
export type BotContext = Context & SessionFlavor<ChatStateData>;

/** What {@link createBot} needs. */
export interface BotDeps {
  /** The bot token from @BotFather. */
  readonly token: string;
  /** Sessions on the request's engine. */
  readonly Session: SessionMaker;
  /**
   * The bot's own `getMe` answer. Without it grammY calls `getMe` on every request, because a Worker builds
   * a new bot per request (https://grammy.dev/hosting/cloudflare-workers-nodejs).
   */
  readonly botInfo?: UserFromGetMe | undefined;
}

/** Replies, kept in one place so tests and handlers agree. */
export const replies = {
  welcome: (name: string) => `Welcome, ${name}! You are registered.`,
  welcomeBack: (name: string) => `Welcome back, ${name}!`,
  startFirst: 'Send /start first, then I will keep your messages.',
  saved: (count: number) => `Saved. You have ${count} saved message${count === 1 ? '' : 's'}.`,
  stats: (s: { users: number; active: number; messages: number; yours: number }) =>
    `Users: ${s.users} (${s.active} with messages)\nMessages: ${s.messages}\nYours: ${s.yours}`,
  last: (texts: readonly string[]) =>
    texts.length ? `Your last messages:\n${texts.map((x) => `- ${x}`).join('\n')}` : 'No saved messages yet.',
  failed: 'Sorry, something went wrong. Please try again.',
  askName: 'What should I call you?',
  named: (nickname: string) => `Nice to meet you, ${nickname}!`,
  forgotten: 'Done: I forgot what you told me to call you.',
} as const;

/** Builds the bot with its handlers. Call it once per request (Workers keep no state between requests). */
export function createBot({ token, Session, botInfo }: BotDeps): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, botInfo ? { botInfo } : {});

  // Error boundary. A transient D1 fault (connection lost, overloaded) is re-thrown: the webhook then answers
  // 500 and Telegram redelivers the update, which is safe because every write here is idempotent (unique
  // keys). Anything else is answered and swallowed, so one bad update cannot make Telegram retry forever.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ConnectionError || error instanceof BusyError) throw error;
      console.error('update failed', ctx.update.update_id, error);
      if (ctx.chat) await ctx.reply(replies.failed).catch(() => {});
    }
  });

  // Conversation state per chat, in the same D1 database: grammY reads it before the handlers and writes it
  // back after them, each through the ChatState model (JSON validated by its schema both ways).
  bot.use(session({ initial: (): ChatStateData => ({ step: 'idle' }), storage: createStorageAdapter(Session, ChatState) }));

  // /start: register the user, or refresh their names. One unit of work: a read, then one upsert at commit.
  // Two /start updates racing for a new user both insert-or-update the same row and both say "Welcome".
  bot.command('start', async (ctx) => {
    const from = ctx.from;
    if (!from) return;
    const isNew = await Session.begin(async (session) => {
      const users = new UserDAO(session);
      const known = await users.findByTelegramId(from.id);
      await users.register(from);
      return known === null;
    });
    const name = ctx.session.nickname ?? from.first_name;
    await ctx.reply(isNew ? replies.welcome(name) : replies.welcomeBack(name));
  });

  // /name: a two-step conversation; the next text message is the nickname (see message:text).
  bot.command('name', async (ctx) => {
    ctx.session = { ...ctx.session, step: 'asking_name' };
    await ctx.reply(replies.askName);
  });

  // /forget: deletes the chat's stored state (grammY calls the storage's delete()).
  bot.command('forget', async (ctx) => {
    const chat: BotContext = ctx; // the command's narrowed context type drops SessionFlavor's setter (which takes null)
    chat.session = null;
    await ctx.reply(replies.forgotten);
  });

  // /stats: counts only, so the unit of work commits nothing.
  bot.command('stats', async (ctx) => {
    const telegramId = ctx.from?.id;
    const stats = await Session.begin(async (session) => {
      const users = new UserDAO(session);
      const messages = new MessageDAO(session);
      const me = telegramId === undefined ? null : await users.findByTelegramId(telegramId);
      return {
        users: await users.count(),
        // A filter through the relationship: users with at least one message (EXISTS, one statement).
        active: await users.count({ messages: { some: {} } }),
        messages: await messages.count(),
        yours: me ? await messages.count({ user_id: me.id }) : 0,
      };
    });
    await ctx.reply(replies.stats(stats));
  });

  // /last: the sender's three newest messages, loaded with the user (a per-user limit, one select-in).
  bot.command('last', async (ctx) => {
    const telegramId = ctx.from?.id;
    if (telegramId === undefined) return;
    const texts = await Session.begin(async (session) => {
      const me = await withLatestMessages(new UserDAO(session), telegramId, 3);
      return me ? me.messages.map((m) => m.text) : null;
    });
    await ctx.reply(texts === null ? replies.startFirst : replies.last(texts));
  });

  // Any other text: save it for a registered user. One unit of work.
  bot.on('message:text', async (ctx) => {
    if (ctx.session.step === 'asking_name') {
      const nickname = ctx.msg.text.trim().slice(0, 64) || ctx.from.first_name;
      ctx.session = { step: 'idle', nickname };
      await ctx.reply(replies.named(nickname));
      return;
    }
    const from = ctx.from;
    const { message_id, text } = ctx.msg;
    let outcome: { kind: 'saved'; count: number } | { kind: 'unregistered' } | { kind: 'duplicate' };
    try {
      outcome = await Session.begin(async (session) => {
        const user = await new UserDAO(session).findByTelegramId(from.id);
        if (!user) return { kind: 'unregistered' } as const;
        const before = await new MessageDAO(session).count({ user_id: user.id });
        // The many-to-one relationship sets user_id at commit.
        session.add(new Message({ user, chat_id: ctx.chat.id, telegram_message_id: message_id, text }));
        return { kind: 'saved', count: before + 1 } as const;
      });
    } catch (error) {
      // Telegram delivered this update before (our first answer did not reach it): it is already stored,
      // and the user already got the reply.
      if (!(error instanceof UniqueConstraintError)) throw error;
      outcome = { kind: 'duplicate' };
    }
    if (outcome.kind === 'unregistered') await ctx.reply(replies.startFirst);
    else if (outcome.kind === 'saved') await ctx.reply(replies.saved(outcome.count));
  });

  return bot;
}

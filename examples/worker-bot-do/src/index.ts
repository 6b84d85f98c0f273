/**
 * The Worker: Telegram posts every update to `POST /webhook`; grammY dispatches it to the handlers in `bot.ts`,
 * which keep users in D1 and each chat's messages in that chat's Durable Object (`ChatObject`, exported here so
 * the runtime can instantiate it).
 *
 * Set up (see README.md): `wrangler d1 create worker-bot-do`, `wrangler d1 migrations apply worker-bot-do`,
 * `wrangler secret put BOT_TOKEN`, `wrangler secret put WEBHOOK_SECRET`, deploy, then point Telegram's
 * `setWebhook` at `https://<worker>/webhook` with the same `secret_token`.
 */
import { createD1Driver } from '@litedao/adapter-d1';
import { createEngine, createSessionMaker } from '@litedao/core';
import { webhookCallback } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { createBot } from './bot.ts';
import type { ChatObject } from './chat-object.ts';

export { ChatObject } from './chat-object.ts';

/** The Worker's bindings (wrangler.jsonc) and secrets. */
export interface Env {
  readonly DB: D1Database;
  readonly CHATS: DurableObjectNamespace<ChatObject>;
  /** Secret: the token from @BotFather. */
  readonly BOT_TOKEN: string;
  /** Secret: Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token` on every webhook call. */
  readonly WEBHOOK_SECRET: string;
  /** Optional: the bot's `getMe` JSON, so grammY does not call `getMe` on every request. */
  readonly BOT_INFO?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/webhook') return new Response('Not found', { status: 404 });
    if (request.method !== 'POST') return new Response('Method not allowed', { status: 405, headers: { allow: 'POST' } });

    const engine = createEngine(createD1Driver(env.DB));
    const Session = createSessionMaker(engine);
    const botInfo = env.BOT_INFO ? (JSON.parse(env.BOT_INFO) as UserFromGetMe) : undefined;
    const bot = createBot({ token: env.BOT_TOKEN, Session, chats: env.CHATS, botInfo });
    try {
      // grammY answers 401 when the secret header is wrong, before any handler or query runs.
      return await webhookCallback(bot, 'cloudflare-mod', { secretToken: env.WEBHOOK_SECRET })(request);
    } finally {
      await engine.close();
    }
  },
} satisfies ExportedHandler<Env>;

// The bot end to end inside workerd: real Telegram update JSON for two chats is posted to the Worker's webhook;
// users land in the real local D1 and each chat's messages in that chat's own SQLite-backed Durable Object. The
// Bot API calls the Worker makes (sendMessage) are intercepted at `fetch` and answered like Telegram would.
import { listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { replies } from '../src/bot.ts';

interface BotApiCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
}

let calls: BotApiCall[] = [];
let updateId = 600_000_000;
// Each test talks to chats no other test used: objects keep their storage for the whole file.
let chatBase = 0;

beforeEach(async () => {
  calls = [];
  chatBase += 1_000;
  ada = { ...ADA, id: ADA.id + chatBase };
  bob = { ...BOB, id: BOB.id + chatBase };
  await env.DB.prepare('DELETE FROM users').run();
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== 'api.telegram.org') throw new Error(`unexpected outbound fetch to ${url.hostname}`);
    const method = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    const payload = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Record<string, unknown>;
    calls.push({ method, payload });
    const result =
      method === 'sendMessage'
        ? { message_id: 90_000 + calls.length, date: 1_763_780_000, chat: { id: payload.chat_id, type: 'private' }, text: payload.text }
        : true;
    return Response.json({ ok: true, result });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const ADA = { id: 424_242_101, is_bot: false, first_name: 'Ada', username: 'ada', language_code: 'en' };
const BOB = { id: 424_242_102, is_bot: false, first_name: 'Bob', language_code: 'de' };
type From = typeof ADA | typeof BOB;
// New users per test: a private chat's id is its user's id, and its object outlives the test.
let ada: typeof ADA = ADA;
let bob: typeof BOB = BOB;

/** A private chat with `from` (Telegram uses the user's id) or a group (negative ids). */
const privateChat = (from: From) => ({ id: from.id, type: 'private' as const, first_name: from.first_name });
const group = () => ({ id: -(1_000_000_000 + chatBase), type: 'group' as const, title: 'Litedao fans' });
type Chat = ReturnType<typeof privateChat> | ReturnType<typeof group>;

function textUpdate(from: From, chat: Chat, text: string, messageId: number) {
  const command = /^\/\w+/.exec(text);
  return {
    update_id: ++updateId,
    message: {
      message_id: messageId,
      from,
      chat,
      date: 1_763_780_000 + messageId,
      text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: 'bot_command' }] } : {}),
    },
  };
}

async function post(update: unknown, secret: string = env.WEBHOOK_SECRET): Promise<Response> {
  return exports.default.fetch(
    new Request('https://bot.example.workers.dev/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    }),
  );
}

const sent = () => calls.filter((c) => c.method === 'sendMessage').map((c) => ({ chat_id: c.payload.chat_id, text: c.payload.text }));

/** The rows of a chat's own database, read with the raw SQL API inside its object (not through litedao). */
async function chatRows(chatId: number): Promise<{ telegram_message_id: number; from_id: number; text: string }[]> {
  const stub = env.CHATS.get(env.CHATS.idFromName(String(chatId)));
  return runInDurableObject(stub, async (instance, state) => {
    await instance.ready;
    return state.storage.sql
      .exec<{ telegram_message_id: number; from_id: number; text: string }>(
        'SELECT telegram_message_id, from_id, text FROM messages ORDER BY id',
      )
      .toArray();
  });
}

async function d1Tables(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations' ORDER BY name",
  ).all<{ name: string }>();
  return results.map((r) => r.name);
}

describe('two chats', () => {
  it("each chat's messages live only in its own object; users live once in the global D1 table", async () => {
    const adaChat = privateChat(ada);
    const groupChat = group();
    await post(textUpdate(ada, adaChat, '/start', 1));
    await post(textUpdate(bob, groupChat, '/start', 1));
    await post(textUpdate(ada, adaChat, 'note to self', 2));
    await post(textUpdate(ada, groupChat, 'hello group', 2));
    await post(textUpdate(bob, groupChat, 'hi Ada', 3));
    await post(textUpdate(ada, adaChat, 'second note', 3));
    expect(sent()).toEqual([
      { chat_id: adaChat.id, text: replies.welcome('Ada') },
      { chat_id: groupChat.id, text: replies.welcome('Bob') },
      { chat_id: adaChat.id, text: replies.saved(1) },
      { chat_id: groupChat.id, text: replies.saved(1) },
      { chat_id: groupChat.id, text: replies.saved(2) },
      { chat_id: adaChat.id, text: replies.saved(2) },
    ]);
    expect(await chatRows(adaChat.id)).toEqual([
      { telegram_message_id: 2, from_id: ada.id, text: 'note to self' },
      { telegram_message_id: 3, from_id: ada.id, text: 'second note' },
    ]);
    expect(await chatRows(groupChat.id)).toEqual([
      { telegram_message_id: 2, from_id: ada.id, text: 'hello group' },
      { telegram_message_id: 3, from_id: bob.id, text: 'hi Ada' },
    ]);
    // D1 holds the users, and no messages at all (litedao_units is core's log of D1 commits).
    expect((await d1Tables()).filter((t) => t !== 'litedao_units')).toEqual(['users']);
    const { results } = await env.DB.prepare('SELECT telegram_id FROM users ORDER BY telegram_id').all<{ telegram_id: number }>();
    expect(results.map((r) => r.telegram_id)).toEqual([ada.id, bob.id]);
  });

  it('Telegram numbers messages per chat: the same message id in two chats is two messages; a redelivery is stored and answered once', async () => {
    const adaChat = privateChat(ada);
    const groupChat = group();
    await post(textUpdate(ada, adaChat, '/start', 1));
    const inPrivate = textUpdate(ada, adaChat, 'same id, private', 7);
    const inGroup = textUpdate(ada, groupChat, 'same id, group', 7);
    for (const u of [inPrivate, inGroup, inPrivate, inGroup]) expect((await post(u)).status).toBe(200);
    expect(sent().map((m) => m.text)).toEqual([replies.welcome('Ada'), replies.saved(1), replies.saved(1)]);
    expect((await chatRows(adaChat.id)).map((r) => r.text)).toEqual(['same id, private']);
    expect((await chatRows(groupChat.id)).map((r) => r.text)).toEqual(['same id, group']);
  });

  it('/stats answers the global user count and this chat’s counts (the DAO over RPC)', async () => {
    const adaChat = privateChat(ada);
    const groupChat = group();
    await post(textUpdate(ada, adaChat, '/start', 1));
    await post(textUpdate(bob, groupChat, '/start', 1));
    await post(textUpdate(ada, groupChat, 'a1', 2));
    await post(textUpdate(ada, groupChat, 'a2', 3));
    await post(textUpdate(bob, groupChat, 'b1', 4));
    await post(textUpdate(ada, adaChat, 'private', 2));
    calls = [];
    await post(textUpdate(ada, groupChat, '/stats', 5));
    await post(textUpdate(bob, groupChat, '/stats', 6));
    await post(textUpdate(ada, adaChat, '/stats', 3));
    expect(sent()).toEqual([
      { chat_id: groupChat.id, text: replies.stats({ users: 2, chat: 3, yours: 2 }) },
      { chat_id: groupChat.id, text: replies.stats({ users: 2, chat: 3, yours: 1 }) },
      { chat_id: adaChat.id, text: replies.stats({ users: 2, chat: 1, yours: 1 }) },
    ]);
  });

  it('concurrent updates for one chat are counted exactly (the save is one transaction in the object)', async () => {
    const groupChat = group();
    await post(textUpdate(ada, groupChat, '/start', 1));
    calls = [];
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(textUpdate(ada, groupChat, `m${i}`, 10 + i))));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    const counts = sent().map((m) => Number(/has (\d+) saved/.exec(String(m.text))?.[1]));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await chatRows(groupChat.id)).toHaveLength(12);
  });
});

describe('unregistered users and the webhook route', () => {
  it('a message before /start is refused and creates no chat object', async () => {
    const before = (await listDurableObjectIds(env.CHATS)).length;
    const chat = group();
    expect((await post(textUpdate(bob, chat, 'hello?', 1))).status).toBe(200);
    expect(sent()).toEqual([{ chat_id: chat.id, text: replies.startFirst }]);
    expect((await listDurableObjectIds(env.CHATS)).length).toBe(before);
  });

  it('rejects a wrong secret before any handler runs, answers 404 elsewhere and 405 for GET /webhook', async () => {
    expect((await post(textUpdate(ada, privateChat(ada), '/start', 1), 'wrong-secret')).status).toBe(401);
    expect((await exports.default.fetch(new Request('https://bot.example.workers.dev/'))).status).toBe(404);
    expect((await exports.default.fetch(new Request('https://bot.example.workers.dev/webhook'))).status).toBe(405);
    expect(calls).toEqual([]);
    const { results } = await env.DB.prepare('SELECT count(*) AS n FROM users').all<{ n: number }>();
    expect(results).toEqual([{ n: 0 }]);
  });
});

// The bot end to end inside workerd: real Telegram update JSON is posted to the Worker's webhook route, the
// handlers run on the real local D1, and the Bot API calls the Worker makes (sendMessage) are intercepted at
// `fetch` and answered like Telegram would, so the replies can be asserted.
import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { replies } from '../src/bot.ts';

interface BotApiCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
}

let calls: BotApiCall[] = [];
let updateId = 500_000_000;

beforeEach(async () => {
  calls = [];
  await env.DB.batch([
    env.DB.prepare('DELETE FROM messages'),
    env.DB.prepare('DELETE FROM users'),
    env.DB.prepare('DELETE FROM chat_states'),
  ]);
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== 'api.telegram.org') throw new Error(`unexpected outbound fetch to ${url.hostname}`);
    expect(url.pathname.startsWith(`/bot${env.BOT_TOKEN}/`)).toBe(true);
    const method = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    const payload = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Record<string, unknown>;
    calls.push({ method, payload });
    // Telegram's answer to sendMessage is the sent Message.
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

const ada = { id: 424_242_001, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada', language_code: 'en' };
const bob = { id: 424_242_002, is_bot: false, first_name: 'Bob', language_code: 'de' };
type From = typeof ada | typeof bob;

/** A private-chat text message update as Telegram sends it (commands carry a bot_command entity). */
function textUpdate(from: From, text: string, messageId: number) {
  const command = /^\/\w+/.exec(text);
  return {
    update_id: ++updateId,
    message: {
      message_id: messageId,
      from,
      chat: { id: from.id, type: 'private', first_name: from.first_name, ...('username' in from ? { username: from.username } : {}) },
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

async function rows<T>(sql: string): Promise<T[]> {
  return (await env.DB.prepare(sql).all<T>()).results;
}

describe('/start', () => {
  it('registers the user and welcomes them', async () => {
    const res = await post(textUpdate(ada, '/start', 1));
    expect(res.status).toBe(200);
    expect(sent()).toEqual([{ chat_id: ada.id, text: replies.welcome('Ada') }]);
    const users = await rows<{ telegram_id: number; username: string | null; first_name: string; language_code: string | null }>(
      'SELECT telegram_id, username, first_name, language_code FROM users',
    );
    expect(users).toEqual([{ telegram_id: ada.id, username: 'ada', first_name: 'Ada', language_code: 'en' }]); // 0002's column
  });

  it('a second /start welcomes back, keeps one row and refreshes the names', async () => {
    await post(textUpdate(bob, '/start', 1));
    await post(textUpdate({ ...bob, first_name: 'Robert' }, '/start', 2));
    expect(sent().map((m) => m.text)).toEqual([replies.welcome('Bob'), replies.welcomeBack('Robert')]);
    const users = await rows<{ first_name: string; n: number }>('SELECT first_name, count(*) OVER () AS n FROM users');
    expect(users).toEqual([{ first_name: 'Robert', n: 1 }]);
  });
  it('two /start updates racing for a new user leave one row (upsert on telegram_id)', async () => {
    const responses = await Promise.all([post(textUpdate(ada, '/start', 1)), post(textUpdate(ada, '/start', 2))]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(sent()).toHaveLength(2);
    for (const m of sent()) expect([replies.welcome('Ada'), replies.welcomeBack('Ada')]).toContain(m.text);
    expect(await rows('SELECT telegram_id, first_name FROM users')).toEqual([{ telegram_id: ada.id, first_name: 'Ada' }]);
  });

  it('a username the user removed is cleared', async () => {
    await post(textUpdate(ada, '/start', 1));
    const { username: _, ...withoutUsername } = ada;
    await post(textUpdate(withoutUsername as From, '/start', 2));
    expect(await rows('SELECT username FROM users')).toEqual([{ username: null }]);
  });
});

describe('text messages', () => {
  it('are refused until the user sent /start, and nothing is stored', async () => {
    const res = await post(textUpdate(ada, 'hello?', 1));
    expect(res.status).toBe(200);
    expect(sent()).toEqual([{ chat_id: ada.id, text: replies.startFirst }]);
    expect(await rows('SELECT * FROM messages')).toEqual([]);
  });

  it('are saved for a registered user, text exactly as sent', async () => {
    await post(textUpdate(ada, '/start', 1));
    await post(textUpdate(ada, 'first note', 2));
    await post(textUpdate(ada, 'Grüße 👋 — 世界', 3));
    expect(sent().map((m) => m.text)).toEqual([replies.welcome('Ada'), replies.saved(1), replies.saved(2)]);
    const saved = await rows<{ telegram_id: number; chat_id: number; telegram_message_id: number; text: string }>(
      'SELECT u.telegram_id, m.chat_id, m.telegram_message_id, m.text FROM messages m JOIN users u ON u.id = m.user_id ORDER BY m.id',
    );
    expect(saved).toEqual([
      { telegram_id: ada.id, chat_id: ada.id, telegram_message_id: 2, text: 'first note' },
      { telegram_id: ada.id, chat_id: ada.id, telegram_message_id: 3, text: 'Grüße 👋 — 世界' },
    ]);
  });

  it('an update Telegram delivers twice is stored once and answered once', async () => {
    await post(textUpdate(ada, '/start', 1));
    const update = textUpdate(ada, 'only once', 2);
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    expect(sent().map((m) => m.text)).toEqual([replies.welcome('Ada'), replies.saved(1)]);
    expect(await rows('SELECT text FROM messages')).toEqual([{ text: 'only once' }]);
  });
});

describe('/stats', () => {
  it('answers counts of users, messages and the sender’s messages', async () => {
    await post(textUpdate(ada, '/start', 1));
    await post(textUpdate(bob, '/start', 1));
    await post(textUpdate(ada, 'a1', 2));
    await post(textUpdate(ada, 'a2', 3));
    await post(textUpdate(bob, 'b1', 2));
    await post(textUpdate({ ...bob, id: 424_242_003, first_name: 'Cy' }, '/start', 1));
    calls = [];
    await post(textUpdate(ada, '/stats', 4));
    await post(textUpdate(bob, '/stats', 3));
    expect(sent()).toEqual([
      { chat_id: ada.id, text: replies.stats({ users: 3, active: 2, messages: 3, yours: 2 }) },
      { chat_id: bob.id, text: replies.stats({ users: 3, active: 2, messages: 3, yours: 1 }) },
    ]);
    // /stats itself is not saved as a message.
    expect(await rows('SELECT count(*) AS n FROM messages')).toEqual([{ n: 3 }]);
  });
});

describe('/last', () => {
  it('answers the sender’s three newest messages, newest first, and nobody else’s', async () => {
    await post(textUpdate(ada, '/start', 1));
    await post(textUpdate(bob, '/start', 1));
    for (let i = 2; i <= 6; i++) await post(textUpdate(ada, `a${i}`, i));
    await post(textUpdate(bob, 'b1', 2));
    calls = [];
    await post(textUpdate(ada, '/last', 7));
    await post(textUpdate(bob, '/last', 3));
    await post(textUpdate({ ...bob, id: 424_242_004, first_name: 'Dee' }, '/last', 1));
    expect(sent()).toEqual([
      { chat_id: ada.id, text: replies.last(['a6', 'a5', 'a4']) },
      { chat_id: bob.id, text: replies.last(['b1']) },
      { chat_id: 424_242_004, text: replies.startFirst },
    ]);
  });
});

describe('webhook route', () => {
  it('rejects a wrong secret before any handler runs', async () => {
    const res = await post(textUpdate(ada, '/start', 1), 'wrong-secret');
    expect(res.status).toBe(401);
    expect(calls).toEqual([]);
    expect(await rows('SELECT * FROM users')).toEqual([]);
  });

  it('answers 404 elsewhere and 405 for GET /webhook', async () => {
    expect((await exports.default.fetch(new Request('https://bot.example.workers.dev/'))).status).toBe(404);
    expect((await exports.default.fetch(new Request('https://bot.example.workers.dev/webhook'))).status).toBe(405);
    expect(calls).toEqual([]);
  });
});

describe('conversation state (grammY session in D1 through createStorageAdapter)', () => {
  it('/name asks, the next message answers, and the state is stored per chat as validated JSON', async () => {
    await post(textUpdate(ada, '/start', 1));
    await post(textUpdate(ada, '/name', 2));
    expect(await rows('SELECT key, value FROM chat_states')).toEqual([
      { key: String(ada.id), value: JSON.stringify({ step: 'asking_name' }) },
    ]);
    await post(textUpdate(ada, 'Countess', 3));
    await post(textUpdate(ada, '/start', 4));
    expect(sent().map((m) => m.text)).toEqual([
      replies.welcome('Ada'),
      replies.askName,
      replies.named('Countess'),
      replies.welcomeBack('Countess'),
    ]);
    // The answer to /name is conversation state, not a saved message.
    expect(await rows('SELECT text FROM messages')).toEqual([]);
    const [state] = await rows<{ key: string; value: string }>('SELECT key, value FROM chat_states');
    expect(JSON.parse(state?.value ?? '')).toEqual({ step: 'idle', nickname: 'Countess' });
  });

  it('keeps each chat on its own row', async () => {
    await post(textUpdate(ada, '/name', 1));
    await post(textUpdate(bob, '/start', 1));
    await post(textUpdate(bob, 'just a note', 2));
    expect(sent().map((m) => m.text)).toEqual([replies.askName, replies.welcome('Bob'), replies.saved(1)]);
    const states = await rows<{ key: string; value: string }>('SELECT key, value FROM chat_states ORDER BY key');
    expect(states.map((r) => [r.key, JSON.parse(r.value).step])).toEqual([
      [String(ada.id), 'asking_name'],
      [String(bob.id), 'idle'],
    ]);
  });

  it('/forget deletes the row', async () => {
    await post(textUpdate(ada, '/name', 1));
    await post(textUpdate(ada, 'Countess', 2));
    expect(await rows('SELECT key FROM chat_states')).toHaveLength(1);
    await post(textUpdate(ada, '/forget', 3));
    expect(sent().at(-1)?.text).toBe(replies.forgotten);
    expect(await rows('SELECT key FROM chat_states')).toEqual([]);
  });

  it('a stored state the schema refuses fails the update (answered with the error reply), never reaches a handler', async () => {
    await env.DB.prepare('INSERT INTO chat_states (key, value) VALUES (?, \'{"step":"dancing"}\')').bind(String(ada.id)).run();
    const res = await post(textUpdate(ada, 'hello', 1));
    expect(res.status).toBe(200);
    expect(sent()).toEqual([{ chat_id: ada.id, text: replies.failed }]);
    expect(await rows('SELECT * FROM messages')).toEqual([]);
  });
});

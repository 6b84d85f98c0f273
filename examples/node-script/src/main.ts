/**
 * The seed's usage example, ported: create the tables, add a user, commit, get it back, select all, print
 * `toDict()`, through the template's DAOs. Runs on an embedded SQLite file (`DATABASE_URL`, default
 * `sqlite:///litedao-demo.db`) and can be run again and again: a returning user is updated instead of added,
 * which refreshes `updated_at`.
 *
 *   npm run demo            # from the repository root
 *   DATABASE_URL=sqlite:///other.db npm run demo
 */
import { createNodeEngine } from '@litedao/adapter-node';
import { count, createSessionMaker } from '@litedao/core';
import { MessageDAO, UserDAO } from './dao.ts';
import { Base, Message, User } from './models.ts';

const url = process.env.DATABASE_URL ?? 'sqlite:///litedao-demo.db';
const engine = createNodeEngine(url); // create_async_engine(database_url)
const Session = createSessionMaker(engine); // async_sessionmaker(engine, class_=AsyncSession)

await Base.metadata.createAll(engine); // Base.metadata.create_all

// One unit of work per step, as the template's middleware does: commit on success, roll back on error.
const user = await Session.begin(async (session) => {
  const users = new UserDAO(session);
  const existing = await users.findByTelegramId(42);
  if (existing) {
    // A tracked change: written at commit, updated_at refreshed.
    existing.username = `ada_${(await new MessageDAO(session).count({ user_id: existing.id })) + 1}`;
    return existing;
  }
  return users.add({ telegram_id: 42, username: 'ada', first_name: 'Ada' }); // INSERT … RETURNING at commit
});
await Session.begin(async (session) => {
  // A relationship: load the user with its messages (2 statements), add one to the collection; commit writes it
  // with its user_id.
  const loaded = await new UserDAO(session).findOneOrNoneById(user.id, { with: { messages: true } });
  loaded?.messages.push(new Message({ text: `hello #${Date.now()}` }));
});

const session = Session();
try {
  const again = await session.get(User, user.id);
  const same = await session.get(User, user.id); // identity map: the same object within a session
  console.log(`user ${user.id} (${again?.displayName}) same object after get(): ${again === same}`);
  console.log('toDict():', again?.toDict());
  console.log('JSON:', JSON.stringify(again));

  const users = await new UserDAO(session).findAll(); // ordered by id
  const messages = await new MessageDAO(session).count({ user_id: user.id });
  console.log(`${users.length} user(s), ${messages} message(s) from user ${user.id}`);
  for (const u of users) console.log(' ', u.toDict());

  // Filters through a relationship and composed with or/not; awaitable lazy loading; an aggregate.
  const greeters = await session
    .select(User)
    .where({ messages: { some: { text: { startsWith: 'hello' } } }, or: [{ is_admin: true }, { not: { username: null } }] })
    .all();
  for (const u of greeters) console.log(`${u.displayName} wrote ${(await u.related.messages).length} message(s)`);
  const perUser = await session.select(Message).groupBy(['user_id']).aggregate({ n: count() }).orderBy({ n: 'desc' }).all();
  console.log('messages per user:', perUser);
} finally {
  await session.close();
  await engine.close();
}
console.log(`database: ${url}`);

/**
 * The seed's usage example, ported: create the tables, add a user, commit, get it back, select all, print
 * `toDict()`. Runs on an embedded SQLite file (`DATABASE_URL`, default `sqlite:///litedao-demo.db`) and can be
 * run again and again: a returning user is updated instead of added, which refreshes `updated_at`.
 *
 *   npm run demo            # from the repository root
 *   DATABASE_URL=sqlite:///other.db npm run demo
 */
import { createNodeEngine } from '@litedao/adapter-node';
import { createSessionMaker } from '@litedao/core';
import { Base, Message, User } from './models.ts';

const url = process.env.DATABASE_URL ?? 'sqlite:///litedao-demo.db';
const engine = createNodeEngine(url); // create_async_engine(database_url)
const Session = createSessionMaker(engine); // async_sessionmaker(engine, class_=AsyncSession)

await Base.metadata.createAll(engine); // Base.metadata.create_all

// One unit of work: find or register the user, store a message, commit once.
const session = Session();
try {
  let user = await session.select(User).where({ telegram_id: 42 }).oneOrNull();
  if (user) {
    user.first_name = 'Ada';
    user.username = `ada_${(await session.select(Message).where({ user_id: user.id }).count()) + 1}`;
  } else {
    user = new User({ telegram_id: 42, username: 'ada', first_name: 'Ada' });
    session.add(user);
  }
  await session.commit(); // one atomic batch: INSERT … RETURNING id, created_at, updated_at
  session.add(new Message({ user_id: user.id, text: `hello #${Date.now()}` }));
  await session.commit();

  const again = await session.get(User, user.id); // identity map: the same object
  console.log(`user ${user.id} (${user.displayName}) same object after get(): ${again === user}`);
  console.log('toDict():', user.toDict());
  console.log('JSON:', JSON.stringify(user));

  const users = await session.select(User).orderBy({ id: 'asc' }).all();
  const messages = await session.select(Message).where({ user_id: user.id }).count();
  console.log(`${users.length} user(s), ${messages} message(s) from user ${user.id}`);
  for (const u of users) console.log(' ', u.toDict());
} finally {
  await session.close();
  await engine.close();
}
console.log(`database: ${url}`);

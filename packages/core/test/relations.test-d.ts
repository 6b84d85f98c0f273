/**
 * Type tests (compiled by the types lane; named *.test-d.ts so no runtime lane runs them): relationships, eager-loading specs,
 * filters, projections, aggregates and typed raw rows infer exact types, and wrong keys fail to compile.
 */
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import {
  avg,
  col,
  count,
  countDistinct,
  declarativeBase,
  type Filters,
  max,
  min,
  type RawResult,
  type Session,
  sum,
  t,
  type WithSpec,
} from '../src/index.ts';

const Base = declarativeBase();

class User extends Base(
  'User',
  {
    telegram_id: t.integer().unique(),
    username: t.text().nullable(),
    balance: t.bigint().default(0n),
    referrer_id: t
      .integer()
      .nullable()
      .references(() => User),
  },
  {
    relations: (r) => ({
      messages: r.oneToMany<Message>('Message', { backPopulates: 'user' }),
      profile: r.oneToOne<Profile>('Profile', { backPopulates: 'user' }),
      groups: r.manyToMany<Group>('Group', { through: 'Membership' }),
      referrer: r.manyToOne<User>().on('referrer_id'),
    }),
  },
) {
  /** A method of the user's own class: kept on loaded and related objects. */
  display(): string {
    return this.username ?? String(this.telegram_id);
  }
}

class Message extends Base(
  'Message',
  {
    user_id: t.integer().references(() => User, { onDelete: 'cascade' }),
    text: t.text(),
    sent_at: t.timestamp(),
    score: t.real().nullable(),
  },
  { relations: (r) => ({ user: r.manyToOne<User>().on('user_id', { backPopulates: 'messages' }) }) },
) {}

class Profile extends Base(
  'Profile',
  {
    user_id: t
      .integer()
      .unique()
      .references(() => User),
    bio: t.text(),
  },
  { relations: (r) => ({ user: r.manyToOne<User>().on('user_id', { backPopulates: 'profile' }) }) },
) {}
class Group extends Base('Group', { name: t.text() }) {}
class Membership extends Base('Membership', {
  user_id: t.integer().references(() => User),
  group_id: t.integer().references(() => Group),
}) {}

declare const session: Session;
declare const user: User;
declare const message: Message;

describe('relationship types', () => {
  it('relations hold exactly what their kind and foreign key say', () => {
    expectTypeOf(user.messages).toEqualTypeOf<Message[]>();
    expectTypeOf(user.profile).toEqualTypeOf<Profile | null>();
    expectTypeOf(user.groups).toEqualTypeOf<Group[]>();
    expectTypeOf(user.referrer).toEqualTypeOf<User | null>(); // nullable foreign key
    expectTypeOf(message.user).toEqualTypeOf<User>(); // NOT NULL foreign key
    expectTypeOf(message.user.messages[0]?.user.display()).toEqualTypeOf<string | undefined>();
    expectTypeOf(user.related.messages).toEqualTypeOf<Promise<Message[]>>();
    expectTypeOf(message.related.user).toEqualTypeOf<Promise<User>>();
    expectTypeOf(user.related.profile).toEqualTypeOf<Promise<Profile | null>>();
    // @ts-expect-error no such relationship
    user.related.posts;
    // @ts-expect-error no such relationship
    user.posts;
    void Membership;
  });

  it('constructors leave out foreign keys a relationship fills, and take relationship values', () => {
    new Message({ text: 'hi', sent_at: new Date() });
    new Message({ text: 'hi', sent_at: new Date(), user });
    new Message({ text: 'hi', sent_at: new Date(), user_id: 1 });
    new Group({ name: 'g' });
    // @ts-expect-error text is required
    new Message({ sent_at: new Date(), user });
    // @ts-expect-error a relationship holds model objects
    new Message({ text: 'hi', sent_at: new Date(), user: 1 });
    // @ts-expect-error Membership declares no relationship: its foreign keys stay required
    new Membership({ user_id: 1 });
  });

  it('a many-to-one needs a foreign-key column of the model', () => {
    const B = declarativeBase();
    class A extends B('A', {}) {}
    // @ts-expect-error n is not declared with .references()
    B('X', { n: t.integer() }, { relations: (r) => ({ a: r.manyToOne<A>().on('n') }) });
    // @ts-expect-error no such column
    B('Y', { a_id: t.integer().references(() => A) }, { relations: (r) => ({ a: r.manyToOne<A>().on('b_id') }) });
  });
});

describe('query types', () => {
  it('with() checks relationship names and each level’s options against the target', () => {
    session.select(User).with({ messages: true, profile: { with: { user: true } } });
    session
      .select(User)
      .with({ messages: { where: { text: { contains: 'x' } }, orderBy: { sent_at: 'desc' }, limit: 5, with: { user: true } } });
    expectTypeOf<WithSpec<User>>().toHaveProperty('messages');
    // @ts-expect-error no such relationship
    session.select(User).with({ posts: true });
    // @ts-expect-error where keys are the target's columns
    session.select(User).with({ messages: { where: { username: 'x' } } });
    // @ts-expect-error nested relationships are the target's
    session.select(User).with({ messages: { with: { messages: true } } });
  });

  it('filters compose, reach through relationships and compare columns of matching types', () => {
    const f: Filters<typeof Message> = {
      or: [{ text: 'a' }, { not: { score: { gt: 1 } } }],
      user: { is: { username: { startsWith: 'a' }, messages: { some: { score: null } } } },
      sent_at: { gt: col('sent_at') },
      score: { lt: col('user_id') },
    };
    session.select(Message).where(f);
    session.select(User).where({ messages: { none: {} }, profile: { isNot: null }, groups: { every: { name: 'g' } } });
    // @ts-expect-error to-many relationships take some/none/every
    session.select(User).where({ messages: { is: {} } });
    // @ts-expect-error a text column is not comparable with a timestamp column
    session.select(Message).where({ text: { eq: col('sent_at') } });
    // @ts-expect-error unknown column
    session.select(Message).where({ or: [{ nope: 1 }] });
  });

  it('projections pick exact types; wrong columns fail', async () => {
    const rows = await session
      .select(User, ['id', 'username'])
      .where({ username: { ne: null } })
      .distinct()
      .all();
    expectTypeOf(rows).toEqualTypeOf<{ id: number; username: string | null }[]>();
    // @ts-expect-error no such column
    session.select(User, ['id', 'nope']);
  });

  it('aggregates infer exact result types; wrong columns and kinds fail', async () => {
    const rows = await session
      .select(Message)
      .groupBy(['user_id'])
      .aggregate({
        n: count(),
        scores: countDistinct('score'),
        total: sum('score'),
        mean: avg('score'),
        first: min('sent_at'),
        last: max('text'),
      })
      .having({ n: { gte: 2 }, first: { lt: new Date() } })
      .orderBy({ n: 'desc' })
      .all();
    expectTypeOf(rows).toEqualTypeOf<
      { user_id: number; n: number; scores: number; total: number | null; mean: number | null; first: Date | null; last: string | null }[]
    >();
    const one = await session
      .select(User)
      .aggregate({ total: sum('balance') })
      .one();
    expectTypeOf(one).toEqualTypeOf<{ total: bigint | null }>();
    // @ts-expect-error sum takes numeric columns
    session.select(Message).aggregate({ x: sum('text') });
    // @ts-expect-error no such column
    session.select(Message).aggregate({ x: max('nope') });
    // @ts-expect-error having keys are result columns
    session.select(Message).aggregate({ n: count() }).having({ text: 'x' });
  });

  it('raw rows are typed by the type argument or by the schema', async () => {
    const { sql } = await import('../src/index.ts');
    const typed = await session.execute<{ n: number }>(sql`SELECT 1 AS n`);
    expectTypeOf(typed).toEqualTypeOf<RawResult<{ n: number }>>();
    const checked = await session.execute(sql`SELECT 1 AS n`, { schema: z.object({ n: z.number(), at: z.date() }) });
    expectTypeOf(checked.rows).toEqualTypeOf<{ n: number; at: Date }[]>();
  });
});

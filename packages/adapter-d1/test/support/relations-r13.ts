// A unit of work of relationships across many chunks (new parents, their children and association rows, edits
// of loaded collections), committed whole; then the same kind of unit failing in its very last object, which
// must leave every table as it was. Shared by the D1 and Durable Object lanes.
import { createSessionMaker, declarativeBase, type Engine, sql, t } from '@litedao/core';

const Base = declarativeBase();
class RUser extends Base(
  'RUser',
  { telegram_id: t.integer().unique(), username: t.text().nullable() },
  {
    relations: (r) => ({
      messages: r.oneToMany<RMessage>('RMessage', { backPopulates: 'user' }),
      groups: r.manyToMany<RGroup>('RGroup', { through: 'RMembership' }),
    }),
  },
) {}
class RMessage extends Base(
  'RMessage',
  { user_id: t.integer().references(() => RUser, { onDelete: 'cascade' }), text: t.text() },
  { relations: (r) => ({ user: r.manyToOne<RUser>().on('user_id', { backPopulates: 'messages' }) }) },
) {}
class RGroup extends Base('RGroup', { name: t.text().unique() }) {}
class RMembership extends Base('RMembership', {
  user_id: t.integer().references(() => RUser, { onDelete: 'cascade' }),
  group_id: t.integer().references(() => RGroup, { onDelete: 'cascade' }),
}) {}

export interface RelationsOutcome {
  counts: number[];
  failures: { name: string; error: string; unchanged: boolean }[];
  messagesOfFirst: string[];
  after: string;
}

export async function runRelations(engine: Engine): Promise<RelationsOutcome> {
  await engine.createAll([RUser, RMessage, RGroup, RMembership]);
  const Session = createSessionMaker(engine);
  const snapshot = async () =>
    JSON.stringify(
      (
        await engine.execute(
          sql`SELECT (SELECT count(*) FROM r_users), (SELECT count(*) FROM r_messages), (SELECT count(*) FROM r_groups), (SELECT count(*) FROM r_memberships), (SELECT group_concat(text, '|') FROM (SELECT text FROM r_messages ORDER BY id)), (SELECT group_concat(username, '|') FROM (SELECT username FROM r_users ORDER BY id))`,
        )
      ).rows,
    );
  await Session.begin(async (s) => {
    const groups = Array.from({ length: 5 }, (_, i) => new RGroup({ name: `g${i}` }));
    for (let u = 0; u < 120; u++) {
      const user = new RUser({ telegram_id: u, username: `u${u}` });
      user.messages.push(...[0, 1, 2].map((m) => new RMessage({ text: `m${u}.${m}` })));
      user.groups.push(groups[u % 5] as RGroup, groups[(u + 1) % 5] as RGroup);
      s.add(user);
    }
  });
  const counts = JSON.parse(await snapshot())[0].slice(0, 4) as number[];
  const before = await snapshot();
  const failures: RelationsOutcome['failures'] = [];
  const faults: [string, (s: ReturnType<typeof Session>) => void][] = [
    ['unique user at the end', (s) => s.add(new RUser({ telegram_id: 3 }))],
    ['unique group at the end', (s) => s.add(new RGroup({ name: 'g1' }))],
    ['dangling message at the end', (s) => s.add(new RMessage({ user_id: 9_999_999, text: 'x' }))],
    ['no fault', () => undefined],
  ];
  for (const [name, fault] of faults) {
    let error = 'none';
    try {
      await Session.begin(async (s) => {
        const loaded = await s.select(RUser).with({ messages: true, groups: true }).orderBy({ id: 'asc' }).limit(40).all();
        for (const u of loaded) {
          u.username = `${u.username}!`;
          const [gone] = u.messages.splice(0, 1);
          if (gone) s.delete(gone);
          u.messages.push(new RMessage({ text: `new-${u.telegram_id}` }));
          u.groups.pop();
        }
        s.delete(loaded[39] as RUser);
        for (let k = 0; k < 80; k++) {
          const user = new RUser({ telegram_id: 1000 + k });
          user.messages.push(new RMessage({ text: `n${k}` }), new RMessage({ text: `o${k}` }));
          user.groups.push(new RGroup({ name: `ng${k}` }));
          s.add(user);
        }
        fault(s);
      });
    } catch (e) {
      error = (e as Error).constructor.name;
    }
    failures.push({ name, error, unchanged: (await snapshot()) === before });
  }
  const first = await Session.begin((s) => s.select(RUser).with({ messages: true }).orderBy({ id: 'asc' }).limit(1).one());
  return { counts, failures, messagesOfFirst: first.messages.map((m) => m.text), after: await snapshot() };
}

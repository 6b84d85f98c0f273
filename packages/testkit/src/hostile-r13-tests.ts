/**
 * Round 13's hostile-pass regressions on every adapter: filters that provably match every row need
 * `{ all: true }`; the text operators agree with JavaScript for any string; constraint errors keep the
 * constraint's name; option validation never depends on the data.
 */
import {
  BaseDAO,
  CheckConstraintError,
  col,
  createSessionMaker,
  declarativeBase,
  escapeLike,
  ForeignKeyConstraintError,
  NotFoundError,
  t,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, rejectsWith, setup } from './harness.ts';
import { User } from './models.ts';
import { Ban, Person, Post, Tag } from './relation-models.ts';
import { relSetup } from './relations-tests.ts';
import { fcRuns } from './value-arbitraries.ts';

type F = Record<string, unknown>;

/** Characters that matter to patterns (LIKE's `%`, `_` and escape `\\`), ASCII letters of both cases, non-ASCII. */
const PATTERN_UNITS = ['a', 'A', 'b', '\\', '%', '_', 'ä', 'Ä', '😀', ' '];

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The LIKE litedao documents: `%` any run, `_` one character, `\\x` the character x, ASCII letters in any case. */
function likeMatches(text: string, pattern: string): boolean {
  const t = Array.from(asciiLower(text));
  const p = Array.from(asciiLower(pattern));
  const memo = new Map<string, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (j === p.length) r = i === t.length;
    else if (p[j] === '%') r = at(i, j + 1) || (i < t.length && at(i + 1, j));
    else if (p[j] === '_') r = i < t.length && at(i + 1, j + 1);
    else if (p[j] === '\\') r = j + 1 < p.length && i < t.length && t[i] === p[j + 1] && at(i + 1, j + 2);
    else r = i < t.length && t[i] === p[j] && at(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return at(0, 0);
}

/** Conditions on User whose truth depends on the row (some may hold on every row by chance: never assumed). */
const anyCondition: fc.Arbitrary<F> = fc.oneof(
  fc.integer({ min: -3, max: 6 }).map((n) => ({ telegram_id: n })),
  fc.integer({ min: -3, max: 6 }).map((n) => ({ telegram_id: { gt: n } })),
  fc.integer({ min: -3, max: 6 }).map((n) => ({ id: { lte: n } })),
  fc.constantFrom<F>({ username: null }, { username: 'a' }, { username: { ne: 'b' } }, { username: { contains: 'a' } }),
  fc.constantFrom<F>({ is_admin: true }, { score: { lt: 1.5 } }, { email: { isNull: false } }, { username: { startsWith: '' } }),
  fc.integer({ min: 0, max: 6 }).map((n) => ({ telegram_id: { in: [n, n + 1] } })),
);

/** Filters that hold on every row by construction, and filters that hold on none, built from each other. */
const { always, never, any } = fc.letrec<{ always: F; never: F; any: F }>((tie) => ({
  any: fc.oneof(
    { maxDepth: 3 },
    anyCondition,
    tie('always'),
    tie('never'),
    fc.array(tie('any'), { maxLength: 3 }).map((and) => ({ and })),
  ),
  always: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constantFrom<F>(
      {},
      { and: [] },
      { id: { notIn: [] } },
      { telegram_id: { notIn: [] } },
      { username: { notIn: [] } },
      { id: { ne: null } },
      { id: { isNull: false } },
      { telegram_id: { isNull: false } },
      { id: { eq: col('id') } },
      { telegram_id: { gte: col('telegram_id') } },
      { username: { eq: col('username') } },
      { or: [{ username: null }, { username: { ne: null } }] },
      { or: [{ is_admin: true }, { is_admin: false }] },
      { is_admin: { in: [false, true, false] } },
      { not: { is_admin: { notIn: [true, false] } } },
      { or: [{ is_admin: { in: [true] } }, { is_admin: { ne: true } }] },
      { or: [{ telegram_id: { in: [1, 2] } }, { telegram_id: { notIn: [2, 1, 2] } }] },
      { or: [{ telegram_id: { lt: 3 } }, { telegram_id: { gte: 3 } }] },
    ),
    tie('never').map((f) => ({ not: f })),
    anyCondition.map((f) => ({ or: [f, { not: f }] })),
    fc
      .tuple(fc.array(tie('any'), { maxLength: 2 }), tie('always'), fc.array(tie('any'), { maxLength: 2 }))
      .map(([a, t, b]) => ({ or: [...a, t, ...b] })),
    fc.array(tie('always'), { maxLength: 3 }).map((and) => ({ and })),
    tie('always').map((f) => ({ and: [f] })),
  ),
  never: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constantFrom<F>({ or: [] }, { id: { in: [] } }, { username: { in: [] } }, { id: null }, { id: { ne: col('id') } }, { not: {} }),
    tie('always').map((f) => ({ not: f })),
    fc.tuple(tie('any'), tie('never')).map(([a, n]) => ({ and: [a, n] })),
    fc.array(tie('never'), { maxLength: 3 }).map((or) => ({ or })),
  ),
}));

/** A table with named and unnamed CHECK constraints, created by raw DDL (as another tool would). */
const ChecksBase = declarativeBase();
class Checked extends ChecksBase('Checked', { n: t.integer(), note: t.text().nullable() }, { tableName: 'r13_checked' }) {}
const CHECKED_DDL =
  'CREATE TABLE r13_checked (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, note TEXT, ' +
  "created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000','now')), " +
  "updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000','now')), " +
  'CONSTRAINT note_short CHECK (length(note) < 5), CONSTRAINT "n: in (0, 9)" CHECK (n BETWEEN 0 AND 9), CHECK (n <> 7))';

class PersonDAO extends BaseDAO(Person) {}

/** `with` specs that are wrong at some level, whatever the data. */
const badWith: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    5,
    'posts',
    [],
    { nope: true },
    { posts: 5 },
    { posts: false },
    { posts: { limit: -1 } },
    { posts: { offset: 1.5 } },
    { posts: { foo: 1 } },
    { posts: { where: { nope: 1 } } },
    { posts: { where: { title: { like: 'x\\' } } } },
    { posts: { orderBy: { title: 'up' } } },
    { posts: { with: { bogus: true } } },
    { posts: { with: { comments: { where: { body: { gt: col('nope') } } } } } },
    { referrer: { limit: 2 } },
    { profile: { orderBy: { bio: 'asc' } } },
    { groups: true, posts: { with: 3 } },
  ),
  fc
    .string({ maxLength: 8 })
    .filter((k) => !['posts', 'profile', 'groups', 'referrer', 'referrals'].includes(k))
    .map((k) => ({ [k]: true })),
);

/** The error a call fails with, as data (class, issues), or 'ok'. */
async function outcome(p: () => Promise<unknown>): Promise<string> {
  try {
    await p();
    return 'ok';
  } catch (e) {
    const err = e as { name?: string; issues?: readonly { path: readonly unknown[]; message: string }[] };
    return `${err.name}${JSON.stringify(err.issues?.map((i) => [i.path, i.message]) ?? [])}`;
  }
}

export function hostileR13Tests(target: ConformanceTarget): void {
  describe('hostile round 13', () => {
    it('a bad `with` is the same ValidationError on an empty table as on a full one, for every DAO method (generated)', async () => {
      const { Session } = await relSetup(target);
      const calls = (spec: unknown) => {
        const w = { with: spec } as never;
        return {
          findAll: (d: PersonDAO) => d.findAll(undefined, w),
          findAllFiltered: (d: PersonDAO) => d.findAll({ name: 'a' }, w),
          findOneOrNone: (d: PersonDAO) => d.findOneOrNone({ name: 'a' }, w),
          findOneOrNoneById: (d: PersonDAO) => d.findOneOrNoneById(1, w),
          findByIds: (d: PersonDAO) => d.findByIds([1, 2], w),
          findByIdsNone: (d: PersonDAO) => d.findByIds([], w),
          paginate: (d: PersonDAO) => d.paginate(w),
        };
      };
      const run = async (spec: unknown) => {
        await using s = Session();
        const dao = new PersonDAO(s);
        const out: Record<string, string> = {};
        for (const [name, call] of Object.entries(calls(spec))) out[name] = await outcome(() => call(dao));
        return out;
      };
      const specs = fc.sample(badWith, Math.min(60, fcRuns()));
      const empty = [];
      for (const spec of specs) empty.push(await run(spec));
      await Session.begin(async (s) => {
        const a = new Person({ name: 'a' });
        s.add(a);
        s.add(new Person({ name: 'b' }));
        s.add(new Post({ title: 't', author: a }));
      });
      for (const [i, spec] of specs.entries()) {
        const full = await run(spec);
        expect(full).toEqual(empty[i]);
        for (const o of Object.values(full)) expect(o).toMatch(/^ValidationError\[/);
      }
    });

    it('findByIds counts each missing id once; paginate names `page` when its offset is out of range', async () => {
      const { Session } = await relSetup(target);
      await Session.begin(async (s) => {
        s.add(new Person({ name: 'a' }));
      });
      await using s = Session();
      const dao = new PersonDAO(s);
      const e = await rejectsWith(dao.findByIds([99, 99, 1, 98, 99], { missing: 'error' }), NotFoundError);
      expect(e.message).toBe('2 of 3 Person ids not found: 99, 98');
      expect((await dao.findByIds([1, 1])).map((p) => p.id)).toEqual([1, 1]);
      await rejectsWith(dao.findByIds([1], { missing: 'bogus' } as never), ValidationError);
      for (const [page, pageSize] of [
        [Number.MAX_SAFE_INTEGER, 10],
        [2 ** 50, 1000],
        [2 ** 44 + 1, 1000],
      ] as const) {
        const v = await rejectsWith(dao.paginate({ page, pageSize }), ValidationError);
        expect(v.issues.map((i) => i.path)).toEqual([['page']]);
      }
      expect((await dao.paginate({ page: Number.MAX_SAFE_INTEGER, pageSize: 1 })).items).toEqual([]);
    });

    it('a foreign-key error names only columns the unit wrote a value into, never one it set to NULL (generated)', async () => {
      const { Session } = await relSetup(target);
      // 1 is banned (restrict), 2 is free; 2 was referred by 1.
      await Session.begin(async (s) => {
        s.addAll([new Person({ name: 'a' }), new Person({ name: 'b' })]);
      });
      await Session.begin(async (s) => {
        s.add(new Ban({ person_id: 1, reason: 'x' }));
        (await s.getOrThrow(Person, 2)).referrer_id = 1;
      });
      const violations = {
        'delete a banned person': { table: 'rel_bans', column: 'person_id' },
        'ban a missing person': { table: 'rel_bans', column: 'person_id' },
        'refer to a missing person': { table: 'rel_people', column: 'referrer_id' },
      } as const;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...(Object.keys(violations) as (keyof typeof violations)[])),
          fc.nat({ max: 3 }),
          fc.nat({ max: 3 }),
          fc.constantFrom('no', 'loaded object', 'updateWhere', 'updateWhere by name'),
          fc.boolean(),
          async (violation, people, tags, unrefer, first) => {
            await using s = Session();
            const noise = async () => {
              for (let i = 0; i < people; i++) s.add(new Person({ name: `n${i}`, referrer_id: null }));
              for (let i = 0; i < tags; i++) s.add(new Tag({ label: `t${i}`, post_id: null }));
              if (unrefer === 'loaded object') (await s.getOrThrow(Person, 2)).referrer_id = null;
              else if (unrefer === 'updateWhere') s.updateWhere(Person, { id: 2 }, { referrer_id: null });
              else if (unrefer === 'updateWhere by name')
                s.updateWhere(Person, { name: { in: ['b', 'c'] } }, { referrer_id: null, age: 3 });
            };
            if (!first) await noise();
            if (violation === 'delete a banned person') s.delete(await s.getOrThrow(Person, 1));
            else if (violation === 'ban a missing person') s.add(new Ban({ person_id: 999_999, reason: 'y' }));
            else s.add(new Person({ name: 'z', referrer_id: 999_999 }));
            if (first) await noise();
            const e = await rejectsWith(s.commit(), ForeignKeyConstraintError);
            const { table, column } = violations[violation];
            expect([e.table, e.columns]).toEqual([table, [column]]);
            expect(e.message).toBe(`FOREIGN KEY constraint failed on ${table}(${column})`);
          },
        ),
        { numRuns: Math.ceil(fcRuns() / 4) },
      );
    });

    it('CheckConstraintError keeps the name (or expression) of the CHECK constraint SQLite reports', async () => {
      const { driver, engine } = await setup(target);
      await driver.execute({ sql: 'DROP TABLE IF EXISTS r13_checked', params: [], returnsRows: false });
      await driver.execute({ sql: CHECKED_DDL, params: [], returnsRows: false });
      const Session = createSessionMaker(engine);
      const cases: [Record<string, unknown>, string][] = [
        [{ n: 1, note: 'too long' }, 'note_short'],
        [{ n: 10 }, 'n: in (0, 9)'],
        [{ n: 7 }, 'n <> 7'],
      ];
      for (const [values, name] of cases) {
        const e = await rejectsWith(
          Session.begin(async (s) => {
            s.add(new Checked(values as never));
          }),
          CheckConstraintError,
        );
        expect(e.constraint).toBe(name);
        expect(e.message).toBe(`CHECK constraint failed: ${name}`);
      }
      await driver.execute({ sql: 'DROP TABLE r13_checked', params: [], returnsRows: false });
      // A STRICT table's datatype check names its table and column (types only, never the value).
      await driver.execute({ sql: 'DROP TABLE IF EXISTS r13_strict', params: [], returnsRows: false });
      await driver.execute({ sql: 'CREATE TABLE r13_strict (id INTEGER PRIMARY KEY, n INTEGER) STRICT', params: [], returnsRows: false });
      const strict = await rejectsWith(
        engine.execute({ sql: 'INSERT INTO r13_strict (n) VALUES (?)', params: ['secret-text'] }),
        CheckConstraintError,
      );
      expect([strict.table, strict.columns]).toEqual(['r13_strict', ['n']]);
      expect(strict.message).toBe('CHECK constraint failed on r13_strict(n): cannot store TEXT value in INTEGER column');
      await driver.execute({ sql: 'DROP TABLE r13_strict', params: [], returnsRows: false });
    });

    it('relationship conditions that hold for every row need { all: true }; ones that depend on the data do not', async () => {
      const { Session } = await relSetup(target);
      await Session.begin(async (s) => {
        const a = new Person({ name: 'a' });
        s.add(a);
        s.add(new Person({ name: 'b' }));
        s.add(new Post({ title: 't', author: a }));
      });
      const always: F[] = [
        { posts: { none: { id: { in: [] } } } },
        { posts: { every: {} } },
        { posts: { every: { id: { notIn: [] } } } },
        { or: [{ referrer: { is: null } }, { referrer: { isNot: null } }] },
        { or: [{ posts: { some: { title: 'x' } } }, { posts: { none: { title: 'x' } } }] },
        { not: { posts: { some: { or: [] } } } },
        { or: [{ name: { gt: 'm' } }, { not: { name: { gt: 'm' } } }] },
      ];
      for (const f of always) {
        await using s = Session();
        await rejectsWith(() => s.deleteWhere(Person, f as never), ValidationError);
        await rejectsWith(() => s.updateWhere(Person, f as never, { age: 1 }), ValidationError);
        expect(
          await s
            .select(Person)
            .where(f as never)
            .count(),
        ).toBe(2);
      }
      const some: [F, number][] = [
        [{ posts: { some: {} } }, 1],
        [{ posts: { none: {} } }, 1],
        [{ referrer: { is: null } }, 2],
        [{ name: { contains: '' }, posts: { some: {} } }, 1],
      ];
      for (const [f, n] of some) {
        await using s = Session();
        const r = s.updateWhere(Person, f as never, { age: 1 });
        await s.commit();
        expect(r.rowsAffected).toBe(n);
      }
    });

    it('contains / startsWith / endsWith agree with JavaScript and like with its documented LIKE for any string (escape characters, %, _ anywhere)', async () => {
      const { Session } = await setup(target);
      const text = fc.string({ unit: fc.constantFrom(...PATTERN_UNITS), maxLength: 6 });
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(text, { minLength: 1, maxLength: 6 }), text, async (names, p) => {
          await Session.begin(async (s) => {
            s.deleteWhere(User, {}, { all: true });
            s.insertMany(
              User,
              names.map((username, i) => ({ telegram_id: i, username })),
            );
          });
          await using s = Session();
          const got = async (cond: object) =>
            (
              await s
                .select(User)
                .where({ username: cond } as never)
                .all()
            )
              .map((u) => u.username)
              .sort();
          const want = (keep: (n: string) => boolean) => names.filter(keep).sort();
          expect(await got({ contains: p })).toEqual(want((n) => n.includes(p)));
          expect(await got({ startsWith: p })).toEqual(want((n) => n.startsWith(p)));
          expect(await got({ endsWith: p })).toEqual(want((n) => n.endsWith(p)));
          if (/(^|[^\\])(\\\\)*\\$/.test(p)) {
            // A pattern ending in an escape character that escapes nothing is refused, never guessed at.
            await rejectsWith(() => got({ like: p }), ValidationError);
          } else expect(await got({ like: p })).toEqual(want((n) => likeMatches(n, p)));
          // escapeLike(x) as a like pattern is exactly "equals x, ASCII case aside".
          expect(await got({ like: escapeLike(p) })).toEqual(want((n) => likeMatches(n, escapeLike(p))));
          expect(await got({ like: `%${escapeLike(p)}%` })).toEqual(want((n) => asciiLower(n).includes(asciiLower(p))));
        }),
        { numRuns: Math.ceil(fcRuns() / 2) },
      );
    });

    it('update and delete by a filter that matches every row by construction need { all: true }', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll([
          new User({ telegram_id: 1, username: 'a' }),
          new User({ telegram_id: 2, username: null, is_admin: true }),
          new User({ telegram_id: 5, username: 'b', score: 2 }),
        ]);
      });
      const before = await counts(driver);
      await fc.assert(
        fc.asyncProperty(always, async (f) => {
          await using s = Session();
          await rejectsWith(() => s.deleteWhere(User, f as never), ValidationError);
          await rejectsWith(() => s.updateWhere(User, f as never, { score: 9 }), ValidationError);
          await s.commit();
          expect(await counts(driver)).toEqual(before);
          // The filter does match every row.
          expect(
            await s
              .select(User)
              .where(f as never)
              .count(),
          ).toBe(3);
        }),
        { numRuns: Math.ceil(fcRuns() / 2) },
      );
      // A filter that holds on none (or on some) rows is not refused.
      await fc.assert(
        fc.asyncProperty(never, async (f) => {
          await using s = Session();
          const r = s.deleteWhere(User, f as never);
          await s.commit();
          expect(r.rowsAffected).toBe(0);
        }),
        { numRuns: Math.ceil(fcRuns() / 4) },
      );
      // Never refused wrongly: whatever filter is refused matches every row (NULLs included).
      await fc.assert(
        fc.asyncProperty(any, async (f) => {
          await using s = Session();
          let refused = false;
          try {
            s.updateWhere(User, f as never, { score: 1 });
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            refused = true;
          }
          s.rollback();
          if (refused)
            expect(
              await s
                .select(User)
                .where(f as never)
                .count(),
            ).toBe(3);
        }),
        { numRuns: Math.ceil(fcRuns() / 2) },
      );
      await using s = Session();
      const r = s.deleteWhere(User, { id: { notIn: [] } }, { all: true });
      await s.commit();
      expect(r.rowsAffected).toBe(3);
    });

    it('dropAll drops tables that reference each other in any cycle (a self-reference inside cycles), with rows, and twice', async () => {
      const { engine } = await setup(target, false);
      const B = declarativeBase();
      // cy_a ↔ cy_c, cy_b ↔ cy_c and cy_b → cy_b: no order drops them one by one with foreign keys on (each first
      // drop leaves the next DELETE a missing parent).
      // biome-ignore lint/suspicious/noExplicitAny: models that reference each other
      const m: any = {};
      m.A = B(
        'CyA',
        {
          c_id: t
            .integer()
            .nullable()
            .references(() => m.C, { onDelete: 'cascade' }),
        },
        { tableName: 'cy_a' },
      );
      m.B = B(
        'CyB',
        {
          c_id: t
            .integer()
            .nullable()
            .references(() => m.C, { onDelete: 'cascade' }),
          self_id: t
            .integer()
            .nullable()
            .references(() => m.B, { onDelete: 'cascade' }),
        },
        { tableName: 'cy_b' },
      );
      m.C = B(
        'CyC',
        {
          a_id: t
            .integer()
            .nullable()
            .references(() => m.A, { onDelete: 'cascade' }),
          b_id: t
            .integer()
            .nullable()
            .references(() => m.B, { onDelete: 'cascade' }),
        },
        { tableName: 'cy_c' },
      );
      const models = B.metadata.models;
      const tables = async () =>
        (
          await engine.execute({
            sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'cy\\_%' ESCAPE '\\' ORDER BY name",
            params: [],
            returnsRows: true,
          })
        ).rows.map((r) => r[0]);
      for (let round = 0; round < 2; round++) {
        await engine.createAll(models);
        for (const sql of [
          'INSERT INTO cy_a (id) VALUES (1)',
          'INSERT INTO cy_b (id) VALUES (1)',
          'INSERT INTO cy_c (id, a_id, b_id) VALUES (1, 1, 1)',
          'UPDATE cy_a SET c_id = 1',
          'UPDATE cy_b SET c_id = 1, self_id = 1',
        ])
          await engine.execute({ sql, params: [], returnsRows: false });
        expect(await tables()).toEqual(['cy_a', 'cy_b', 'cy_c']);
        await engine.dropAll(models);
        expect(await tables()).toEqual([]);
        await engine.dropAll(models);
      }
    });
  });
}

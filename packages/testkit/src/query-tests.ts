/**
 * The queries users expect, on every adapter: `or`/`and`/`not`, relationship conditions
 * (`some`/`none`/`every`/`is`/`isNot`) and comparisons between columns — generated filter trees compared with
 * the same filter evaluated in JavaScript over the objects read; projections, `distinct`, aggregates with
 * `groupBy`/`having` compared with JavaScript's computation; typed raw rows with a zod schema; `toSQL()`; the
 * engine's logger; and the DAO's `with`.
 */
import {
  avg,
  BaseDAO,
  col,
  count,
  countDistinct,
  createEngine,
  createSessionMaker,
  DataIntegrityError,
  type Driver,
  type Filters,
  LimitExceededError,
  MAX_FILTER_NESTING,
  MultipleResultsError,
  max,
  min,
  NotFoundError,
  type QueryLogEvent,
  RELATION_NESTING,
  sql,
  sum,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type ConformanceTarget, rejectsWith, setup } from './harness.ts';
import { Comment, Person, Post, RelBase } from './relation-models.ts';
import { relSetup } from './relations-tests.ts';

const TEXTS = ['', 'a', 'ab', 'B', 'ä', 'z😀', '\uE000', 'A b'];
const T0 = Date.UTC(2026, 0, 1);
const postRow = fc.record({
  author: fc.nat(3),
  title: fc.constantFrom(...TEXTS),
  score: fc.integer({ min: -3, max: 3 }),
  published: fc.option(
    fc.integer({ min: -3, max: 3 }).map((d) => new Date(T0 + d * 86_400_000 + d * 1234)),
    { nil: null },
  ),
});
const personRow = fc.record({ name: fc.constantFrom(...TEXTS), age: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) });

type F = Record<string, unknown>;

/** Column conditions on Post, with the operand kinds each column takes. */
const postLeaf: fc.Arbitrary<F> = fc.oneof(
  fc.record({
    score: fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.record({ op: fc.constantFrom('eq', 'ne', 'lt', 'gte'), v: fc.integer({ min: -3, max: 3 }) }).map((o) => ({ [o.op]: o.v })),
    ),
  }),
  fc.record({
    title: fc
      .record({ op: fc.constantFrom('eq', 'ne', 'gt', 'lte', 'startsWith', 'contains'), v: fc.constantFrom(...TEXTS) })
      .map((o) => ({ [o.op]: o.v })),
  }),
  fc.record({ score: fc.constant({ in: [0, 1, -2] }) }),
  fc.record({
    published_at: fc.oneof(
      fc.constant(null),
      fc.constant({ isNull: false }),
      fc.constant({ lt: new Date(T0) }),
      fc.constant({ gte: new Date(T0 + 86_401_234) }),
    ),
  }),
  fc.constant({ score: { gt: col('author_id') } }),
  fc.constant({ published_at: { lt: col('created_at') } }),
  fc.constant({ published_at: { eq: col('published_at') } }),
);
const personLeaf: fc.Arbitrary<F> = fc.oneof(
  fc.record({ name: fc.constantFrom(...TEXTS) }),
  fc.record({
    age: fc.oneof(
      fc.constant(null),
      fc.record({ op: fc.constantFrom('ne', 'gt', 'lte'), v: fc.nat(3) }).map((o) => ({ [o.op]: o.v })),
    ),
  }),
  fc.constant({ name: { gt: 'a' } }),
);
const commentLeaf: fc.Arbitrary<F> = fc.record({
  body: fc.record({ op: fc.constantFrom('eq', 'contains'), v: fc.constantFrom('x', 'y', '') }).map((o) => ({ [o.op]: o.v })),
});

const { postFilter } = fc.letrec<{ postFilter: F }>((tie) => ({
  postFilter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    postLeaf,
    fc.array(tie('postFilter'), { maxLength: 3 }).map((fs) => ({ or: fs })),
    fc.array(tie('postFilter'), { maxLength: 2 }).map((fs) => ({ and: fs })),
    tie('postFilter').map((f) => ({ not: f })),
    fc.record({ op: fc.constantFrom('is', 'isNot'), f: fc.oneof(personLeaf, fc.constant(null)) }).map((o) => ({ author: { [o.op]: o.f } })),
    fc.record({ op: fc.constantFrom('some', 'none', 'every'), f: commentLeaf }).map((o) => ({ comments: { [o.op]: o.f } })),
    fc.tuple(postLeaf, postLeaf).map(([a, b]) => ({ ...a, ...b })),
  ),
}));

interface Loaded {
  readonly post: Post;
  readonly author: Person;
  readonly comments: readonly Comment[];
}

/** What a leaf condition means in JavaScript over the values read (docs/design.md "Filters mean what JavaScript means"). */
function evalOp(v: unknown, op: string, operand: unknown, row: Record<string, unknown>): boolean {
  const ref = typeof operand === 'object' && operand !== null && 'column' in operand && !(operand instanceof Date);
  const w = ref ? row[(operand as { column: string }).column] : operand;
  const norm = (x: unknown) => (x instanceof Date ? x.getTime() : x);
  const a = norm(v);
  const b = norm(w);
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a !== null && b !== null && (a as number) < (b as number);
    case 'lte':
      return a !== null && b !== null && (a as number) <= (b as number);
    case 'gt':
      return a !== null && b !== null && (a as number) > (b as number);
    case 'gte':
      return a !== null && b !== null && (a as number) >= (b as number);
    case 'in':
      return (w as unknown[]).includes(a);
    case 'isNull':
      return (a === null) === w;
    case 'startsWith':
      return typeof a === 'string' && a.startsWith(w as string);
    case 'contains':
      return typeof a === 'string' && a.includes(w as string);
  }
  throw new Error(`no JS meaning for ${op}`);
}

function evalColumns(obj: Record<string, unknown>, f: F): boolean {
  return Object.entries(f).every(([k, cond]) => {
    if (cond === null) return obj[k] === null;
    if (typeof cond !== 'object' || cond instanceof Date) return evalOp(obj[k], 'eq', cond, obj);
    if ('column' in (cond as object)) return evalOp(obj[k], 'eq', cond, obj);
    return Object.entries(cond as object).every(([op, operand]) => evalOp(obj[k], op, operand, obj));
  });
}

function evalPost(x: Loaded, f: F): boolean {
  const cols: F = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === 'or') {
      if (!(v as F[]).some((g) => evalPost(x, g))) return false;
    } else if (k === 'and') {
      if (!(v as F[]).every((g) => evalPost(x, g))) return false;
    } else if (k === 'not') {
      if (evalPost(x, v as F)) return false;
    } else if (k === 'author') {
      const [[op, g]] = Object.entries(v as F) as [[string, F | null]];
      const match = g === null ? x.author === null : evalColumns(x.author as unknown as F, g);
      if (op === 'is' ? !match : g === null ? x.author === null : match) return false;
    } else if (k === 'comments') {
      const [[op, g]] = Object.entries(v as F) as [[string, F]];
      const hit = (c: Comment) => evalColumns(c as unknown as F, g);
      const ok = op === 'some' ? x.comments.some(hit) : op === 'none' ? !x.comments.some(hit) : x.comments.every(hit);
      if (!ok) return false;
    } else cols[k] = v;
  }
  return evalColumns(x.post as unknown as F, cols);
}

export function queryTests(target: ConformanceTarget): void {
  describe('filters: or, and, not, relationships, columns compared (generated, against JavaScript)', () => {
    it('every generated filter returns the posts the same filter selects in JavaScript', async () => {
      const { Session } = await relSetup(target);
      await fc.assert(
        fc.asyncProperty(
          fc.array(personRow, { minLength: 4, maxLength: 4 }),
          fc.array(postRow, { maxLength: 14 }),
          fc.array(fc.record({ post: fc.nat(13), body: fc.constantFrom('x', 'y', 'xy', '') }), { maxLength: 12 }),
          fc.array(postFilter, { minLength: 1, maxLength: 6 }),
          async (people, posts, comments, filters) => {
            const w = Session();
            w.deleteWhere(Person, {}, { all: true });
            await w.commit();
            const ps = people.map((p) => new Person(p));
            w.addAll(ps);
            await w.commit();
            const pos = posts.map(
              (p) => new Post({ author_id: (ps[p.author] as Person).id, title: p.title, score: p.score, published_at: p.published }),
            );
            w.addAll(pos);
            await w.commit();
            w.addAll(
              comments.filter((c) => c.post < pos.length).map((c) => new Comment({ post_id: (pos[c.post] as Post).id, body: c.body })),
            );
            await w.commit();
            await w.close();
            const s = Session();
            const all = await s.select(Post).with({ author: true, comments: true }).orderBy({ id: 'asc' }).all();
            const loaded = all.map((post) => ({ post, author: post.author, comments: post.comments }));
            for (const f of filters) {
              const got = (
                await s
                  .select(Post)
                  .where(f as Filters<typeof Post>)
                  .orderBy({ id: 'asc' })
                  .all()
              ).map((p) => p.id);
              const want = loaded.filter((x) => evalPost(x, f)).map((x) => x.post.id);
              expect(got, JSON.stringify(f)).toEqual(want);
              expect(
                await s
                  .select(Post)
                  .where(f as Filters<typeof Post>)
                  .count(),
              ).toBe(want.length);
            }
            await s.close();
          },
        ),
        { numRuns: 25 },
      );
    });

    it('refuses unknown keys and misplaced operators from JSON anywhere in the tree (nothing sent)', async () => {
      const { Session, calls, reset } = await relSetup(target);
      const s = Session();
      reset();
      const bad = [
        '{"or": [{"nope": 1}]}',
        '{"not": {"__proto__": {"x": 1}}}',
        '{"and": {"title": "x"}}',
        '{"author": {"some": {}}}',
        '{"comments": {"is": {}}}',
        '{"comments": {"some": {"constructor": 1}}}',
        '{"comments": {}}',
        '{"title": {"gt": 1}}',
        '{"or": [{"author": {"is": {"name": {"between": [1, 2]}}}}]}',
      ];
      for (const b of bad) await rejectsWith(() => s.select(Post).where(JSON.parse(b)).all(), ValidationError);
      await rejectsWith(
        () =>
          s
            .select(Post)
            .where({ score: { gt: col('title') } } as never)
            .all(),
        ValidationError,
      );
      await rejectsWith(
        () =>
          s
            .select(Post)
            .where({ score: { in: col('author_id') } } as never)
            .all(),
        ValidationError,
      );
      expect(() => s.deleteWhere(Post, { and: [] })).toThrow(ValidationError); // no condition left: refused as empty
      expect(calls.execute + calls.batch).toBe(0);
      // Composed filters work in writes too.
      s.updateWhere(Post, { or: [{ score: { gt: 100 } }, { author: { is: { name: 'nobody' } } }] }, { title: 'x' });
      await s.commit();
      await s.close();
    });
  });

  describe('filters: nesting is bounded', () => {
    it(`filters nested ${MAX_FILTER_NESTING} levels deep work; deeper ones (a JSON body thousands deep) are ValidationError, nothing sent`, async () => {
      const { Session, driver } = await relSetup(target);
      await Session.begin(async (s) => {
        s.addAll([new Person({ name: 'ada', age: 36 }), new Person({ name: 'bob', age: null })]);
      });
      const nest = (levels: number, wrap: (f: object) => object): object => {
        let f: object = { name: 'ada' };
        for (let i = 0; i < levels; i++) f = wrap(f);
        return f;
      };
      // Each wrap nests one filter object (a relationship two, each counted as RELATION_NESTING levels).
      // The same wraps as JSON text, for bodies too deep to build and stringify recursively.
      const kinds: [string, (f: object) => object, number, string[], [string, string]][] = [
        ['not', (f) => ({ not: f }), 1, ['ada'], ['{"not":', '}']],
        ['and', (f) => ({ and: [f] }), 1, ['ada'], ['{"and":[', ']}']],
        ['or', (f) => ({ or: [f, { name: 'nobody' }] }), 1, ['ada'], ['{"or":[', ',{"name":"nobody"}]}']],
        // Nobody has posts, so `none` matches everyone whatever is inside.
        [
          'relationship',
          (f) => ({ posts: { none: { author: { is: f } } } }),
          2 * RELATION_NESTING,
          ['ada', 'bob'],
          ['{"posts":{"none":{"author":{"is":', '}}}}'],
        ],
      ];
      const s = Session();
      // Within the bound, SQLite's own expression depth may still be lower (D1, Durable Objects: 100): then the
      // statement is LimitExceededError. With SQLite's default depth (1,000) every filter within the bound runs.
      const fullDepth = (driver.limits?.maxExpressionDepth ?? 1000) >= 1000;
      for (const [kind, wrap, per, want, [open, close]] of kinds) {
        const bound = MAX_FILTER_NESTING / per;
        for (const levels of [2, 4, bound]) {
          const ok = nest(levels, wrap) as Filters<typeof Person>;
          const got = await s
            .select(Person)
            .where(ok)
            .orderBy({ id: 'asc' })
            .all()
            .then(
              (rows) => rows.map((p) => p.name),
              (e: unknown) => e,
            );
          // Shallow filters run everywhere; deep ones may reach a lower depth, which must be the typed error.
          if (got instanceof LimitExceededError && !fullDepth && (levels > 4 || per > 1)) {
            expect(got.allowed).toBe(driver.limits?.maxExpressionDepth);
            continue;
          }
          expect(got, `${kind} × ${levels}`).toEqual(want);
        }
        for (const levels of [bound + 1, 20_000]) {
          const deep = (
            levels > 1000 ? JSON.parse(`${open.repeat(levels)}{"name":"ada"}${close.repeat(levels)}`) : nest(levels, wrap)
          ) as Filters<typeof Person>;
          const e = await rejectsWith(s.select(Person).where(deep).count(), ValidationError);
          expect(e.issues[0]?.message, kind).toContain(`${MAX_FILTER_NESTING} levels`);
          expect(() => s.deleteWhere(Person, deep), kind).toThrow(ValidationError);
        }
      }
      await s.commit();
      expect(await s.select(Person).count()).toBe(2);
      await s.close();
    });

    it('any mix of or/and/not/relationship nesting within the bound runs in SQLite (or reaches its depth: LimitExceededError); past it, ValidationError', async () => {
      const { Session, driver } = await relSetup(target);
      const fullDepth = (driver.limits?.maxExpressionDepth ?? 1000) >= 1000;
      const R = RELATION_NESTING;
      // Each wrap and the nesting units it adds.
      const wraps: [(f: object) => object, number][] = [
        [(f) => ({ not: f }), 1],
        [(f) => ({ and: [f, { age: { gt: 1 } }] }), 1],
        [(f) => ({ or: [{ name: { startsWith: 'z' } }, f] }), 1],
        [(f) => ({ posts: { none: { author: { is: f } } } }), 2 * R],
        [(f) => ({ posts: { some: { not: { author: { isNot: f } } } } }), 2 * R + 1],
        [(f) => ({ posts: { every: { or: [{ title: 'x' }, { author: { is: f } }] } } }), 2 * R + 1],
      ];
      const s = Session();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(wraps.length - 1), { minLength: 1, maxLength: 70 }), async (picks) => {
          let f: object = { name: 'ada', age: { lt: 99 } };
          let units = 0;
          for (const k of picks) {
            const [wrap, n] = wraps[k] as [(f: object) => object, number];
            f = wrap(f);
            units += n;
          }
          const q = s
            .select(Person)
            .where(f as Filters<typeof Person>)
            .count();
          if (units > MAX_FILTER_NESTING) await rejectsWith(q, ValidationError);
          else if (fullDepth) expect(typeof (await q)).toBe('number');
          else {
            // A lower depth (D1, Durable Objects): the count, or LimitExceededError naming SQLite's depth.
            const got = await q.catch((e: unknown) => e);
            if (got instanceof LimitExceededError) expect(got.allowed).toBe(driver.limits?.maxExpressionDepth);
            else expect(typeof got).toBe('number');
          }
        }),
        { numRuns: 60 },
      );
      await s.close();
    });
  });

  describe("SQLite's own limits are LimitExceededError", () => {
    it('a LIKE pattern past the adapter limit is refused before sending; a flat or/and longer than the expression depth runs (balanced)', async () => {
      const { Session, driver } = await relSetup(target);
      await Session.begin(async (s) => {
        s.add(new Person({ name: 'ada', age: 1 }));
      });
      const s = Session();
      const likeMax = driver.limits?.maxLikePatternBytes;
      expect(likeMax, 'every adapter declares its LIKE pattern limit').toBeGreaterThan(0);
      expect(
        await s
          .select(Person)
          .where({ name: { like: `${'_'.repeat((likeMax as number) - 1)}%` } })
          .count(),
      ).toBe(0);
      expect(
        await s
          .select(Person)
          .where({ name: { like: `a${'%'.repeat((likeMax as number) - 1)}` } })
          .count(),
      ).toBe(1);
      const e = await rejectsWith(
        s
          .select(Person)
          .where({ name: { like: '%'.repeat((likeMax as number) + 1) } })
          .count(),
        LimitExceededError,
      );
      expect(e.allowed).toBe(likeMax);
      // A flat `or`/`and` of more conditions than SQLite's expression depth (a left-deep tree, one level per
      // condition, if sent as written) is sent as a balanced tree: it runs, with the right answer, on every adapter.
      const depth = driver.limits?.maxExpressionDepth ?? 1000;
      const maxParams = driver.limits?.maxParameters ?? 32766;
      for (const n of [depth - 1, depth + 5, 3 * depth]) {
        // Conditions without bound values (IS NULL / IS NOT NULL): only the depth matters.
        const noneNull = { or: [...Array.from({ length: n }, () => ({ name: { isNull: true } })), { name: 'ada' }] } as Filters<
          typeof Person
        >;
        expect(await s.select(Person).where(noneNull).count(), `or × ${n}`).toBe(1);
        const allSet = { and: [...Array.from({ length: n }, () => ({ name: { isNull: false } })), { name: 'ada' }] } as Filters<
          typeof Person
        >;
        expect(await s.select(Person).where(allSet).count(), `and × ${n}`).toBe(1);
        // With a value each, within the adapter's parameter limit (D1: 100), else that typed limit.
        const ages = Array.from({ length: n }, (_, i) => i + 100);
        const anyAge = s
          .select(Person)
          .where({ or: [...ages.map((age) => ({ age })), { age: 1 }] } as Filters<typeof Person>)
          .count();
        if (n + 1 <= maxParams) expect(await anyAge, `or of values × ${n}`).toBe(1);
        else expect((await rejectsWith(anyAge, LimitExceededError)).allowed).toBe(maxParams);
      }
      await s.close();
    });
  });

  describe("first(), oneOrNull() and one() within the query's own limit()", () => {
    it('they read at most limit() rows, as the SQL with that LIMIT would: objects, projections and groups', async () => {
      const { Session } = await relSetup(target);
      await Session.begin(async (s) => {
        s.addAll(['ada', 'bob', 'cy'].map((name, i) => new Person({ name, age: i })));
      });
      const s = Session();
      const q = () => s.select(Person).orderBy({ id: 'asc' });
      expect(await q().limit(0).first()).toBeNull();
      expect(await q().limit(0).oneOrNull()).toBeNull();
      await rejectsWith(q().limit(0).one(), NotFoundError);
      expect((await q().limit(1).oneOrNull())?.name).toBe('ada');
      expect((await q().limit(1).offset(1).one()).name).toBe('bob');
      await rejectsWith(q().limit(2).oneOrNull(), MultipleResultsError);
      expect((await q().limit(5).first())?.name).toBe('ada');
      const p = () => s.select(Person, ['name']).orderBy({ id: 'asc' });
      expect(await p().limit(0).first()).toBeNull();
      expect(await p().limit(1).oneOrNull()).toEqual({ name: 'ada' });
      await rejectsWith(p().limit(3).oneOrNull(), MultipleResultsError);
      const g = () => s.select(Person).groupBy(['name']).aggregate({ n: count() }).orderBy({ name: 'asc' });
      expect(await g().limit(0).first()).toBeNull();
      expect(await g().limit(1).one()).toEqual({ name: 'ada', n: 1 });
      await rejectsWith(g().limit(0).one(), NotFoundError);
      await s.close();
    });
  });

  describe('projections and aggregates', () => {
    it('select(M, columns) returns plain typed rows, not tracked; distinct and its count', async () => {
      const { Session } = await relSetup(target);
      const s = Session();
      s.addAll([new Person({ name: 'a', age: 1 }), new Person({ name: 'a', age: 1 }), new Person({ name: 'b', age: null })]);
      await s.commit();
      const rows = await s.select(Person, ['name', 'age']).orderBy({ id: 'asc' }).all();
      expect(rows).toEqual([
        { name: 'a', age: 1 },
        { name: 'a', age: 1 },
        { name: 'b', age: null },
      ]);
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      const distinct = s.select(Person, ['name', 'age']).distinct();
      expect(await distinct.count()).toBe(2);
      expect((await distinct.orderBy({ name: 'desc' }).all()).map((r) => r.name)).toEqual(['b', 'a']);
      expect(await s.select(Person, ['id']).where({ name: 'b' }).one()).toEqual({ id: expect.any(Number) });
      await rejectsWith(() => s.select(Person, ['nope' as never]).all(), ValidationError);
      await s.close();
    });

    it('groupBy + count/countDistinct/sum/avg/min/max + having + orderBy agree with JavaScript (generated)', async () => {
      const { Session } = await relSetup(target);
      await fc.assert(
        fc.asyncProperty(fc.array(postRow, { maxLength: 20 }), fc.nat(3), async (posts, atLeast) => {
          const w = Session();
          w.deleteWhere(Person, {}, { all: true });
          await w.commit();
          const ps = Array.from({ length: 4 }, (_, i) => new Person({ name: `p${i}` }));
          w.addAll(ps);
          await w.commit();
          w.addAll(
            posts.map(
              (p) => new Post({ author_id: (ps[p.author] as Person).id, title: p.title, score: p.score, published_at: p.published }),
            ),
          );
          await w.commit();
          const rows = await w
            .select(Post)
            .groupBy(['author_id'])
            .aggregate({
              n: count(),
              scores: countDistinct('score'),
              total: sum('score'),
              mean: avg('score'),
              first: min('title'),
              last: max('published_at'),
            })
            .having({ n: { gte: atLeast } })
            .orderBy([{ n: 'desc' }, { author_id: 'asc' }])
            .all();
          const groups = new Map<number, typeof posts>();
          for (const p of posts) {
            const id = (ps[p.author] as Person).id;
            groups.set(id, [...(groups.get(id) ?? []), p]);
          }
          const want = [...groups.entries()]
            .map(([author_id, g]) => {
              const dates = g.map((p) => p.published).filter((d): d is Date => d !== null);
              const titles = g.map((p) => p.title).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
              return {
                author_id,
                n: g.length,
                scores: new Set(g.map((p) => p.score)).size,
                total: g.reduce((acc, p) => acc + p.score, 0),
                mean: g.reduce((acc, p) => acc + p.score, 0) / g.length,
                first: titles[0] ?? null,
                last: dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : null,
              };
            })
            .filter((r) => r.n >= atLeast)
            .sort((a, b) => b.n - a.n || a.author_id - b.author_id);
          expect(rows.map((r) => ({ ...r, mean: Math.round((r.mean ?? 0) * 1e9) / 1e9 }))).toEqual(
            want.map((r) => ({ ...r, mean: Math.round(r.mean * 1e9) / 1e9 })),
          );
          const overall = await w
            .select(Post)
            .aggregate({ n: count(), total: sum('score'), top: max('title') })
            .one();
          expect(overall).toEqual({
            n: posts.length,
            total: posts.length ? posts.reduce((a, p) => a + p.score, 0) : null,
            top: posts.length ? [...posts.map((p) => p.title)].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[0] : null,
          });
          await w.close();
        }),
        { numRuns: 20 },
      );
    });

    it('refuses bad aggregates before sending: unknown columns, sum of text, result names that clash', async () => {
      const { Session, calls, reset } = await relSetup(target);
      const s = Session();
      reset();
      await rejectsWith(
        () =>
          s
            .select(Post)
            .aggregate({ x: sum('title' as never) })
            .all(),
        ValidationError,
      );
      await rejectsWith(
        () =>
          s
            .select(Post)
            .aggregate({ x: max('nope' as never) })
            .all(),
        ValidationError,
      );
      await rejectsWith(
        () =>
          s
            .select(Post)
            .groupBy(['title'])
            .aggregate({ title: count() } as never)
            .all(),
        ValidationError,
      );
      await rejectsWith(() => s.select(Post).aggregate({ 'a b': count() }).all(), ValidationError);
      await rejectsWith(
        () =>
          s
            .select(Post)
            .aggregate({ n: count() })
            .having({ nope: 1 } as never)
            .all(),
        ValidationError,
      );
      await rejectsWith(
        () =>
          s
            .select(Post)
            .aggregate({ n: 'count' } as never)
            .all(),
        ValidationError,
      );
      expect(calls.execute).toBe(0);
      await s.close();
    });

    it('aggregate result names differing only in ASCII case from each other or from a groupBy column are refused; others read their own column (generated)', async () => {
      const { Session } = await relSetup(target);
      const w = Session();
      const ada = new Person({ name: 'ada' });
      w.add(ada);
      await w.commit();
      const posts = [
        { title: 'a', score: 1 },
        { title: 'a', score: 2 },
        { title: 'b', score: 5 },
      ];
      w.addAll(posts.map((p) => new Post({ author_id: ada.id, ...p })));
      await w.commit();
      const names = fc.constantFrom(
        'n',
        'N',
        'total',
        'Total',
        'TOTAL',
        'Title',
        'TITLE',
        'AUTHOR_ID',
        'Author_Id',
        'score',
        'Score',
        'c',
        'C',
      );
      const spec = fc.uniqueArray(fc.tuple(names, fc.constantFrom('count', 'sum', 'max')), {
        minLength: 1,
        maxLength: 5,
        selector: ([n]) => n,
      });
      const groupBy = fc.subarray(['author_id', 'title'] as const);
      await fc.assert(
        fc.asyncProperty(spec, groupBy, async (entries, groups) => {
          const aggs = Object.fromEntries(
            entries.map(([n, f]) => [n, f === 'count' ? count() : f === 'sum' ? sum('score') : max('score')]),
          );
          const folded = entries.map(([n]) => n.toLowerCase());
          const clash = new Set(folded).size < folded.length || folded.some((n) => (groups as readonly string[]).includes(n));
          // A generated spec has no static type: the query is typed loosely (inferring it exhausts tsc's memory).
          type Loose = { aggregate(spec: unknown): { all(): Promise<unknown> } };
          const base = (groups.length ? w.select(Post).groupBy([...groups]) : w.select(Post)) as unknown as Loose;
          const q = () => base.aggregate(aggs).all();
          if (clash) {
            await rejectsWith(q, ValidationError);
            return;
          }
          const rows = (await q()) as Record<string, unknown>[];
          const keyOf = (r: Record<string, unknown>) => groups.map((g) => String(r[g])).join('|');
          const want = new Map<string, Record<string, unknown>>();
          for (const p of posts.map((p) => ({ ...p, author_id: ada.id }))) {
            const k = keyOf(p);
            const g =
              want.get(k) ?? Object.fromEntries([...groups.map((c) => [c, p[c]]), ...entries.map(([n, f]) => [n, f === 'max' ? null : 0])]);
            for (const [n, f] of entries) {
              g[n] =
                f === 'count'
                  ? (g[n] as number) + 1
                  : f === 'sum'
                    ? (g[n] as number) + p.score
                    : Math.max((g[n] as number | null) ?? -Infinity, p.score);
            }
            want.set(k, g);
          }
          const sorted = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
          expect(sorted(rows)).toEqual(sorted([...want.values()]));
        }),
        { numRuns: 100 },
      );
      await w.close();
    });
  });

  describe('raw SQL with a row schema, toSQL() and the logger', () => {
    it('execute(sql, { schema }) converts as litedao reads (timestamps as instants, booleans, JSON) and validates', async () => {
      const { Session } = await setup(target, { create: false });
      const s = Session();
      const { rows } = await s.execute(sql`SELECT 1 AS n, '2026-01-02 03:04:05' AS at, 1 AS ok, '{"a":[1]}' AS meta, NULL AS maybe`, {
        schema: z.object({
          n: z.number(),
          at: z.date(),
          ok: z.boolean(),
          meta: z.object({ a: z.array(z.number()) }),
          maybe: z.string().nullable(),
        }),
      });
      expect(rows).toEqual([{ n: 1, at: new Date('2026-01-02T03:04:05Z'), ok: true, meta: { a: [1] }, maybe: null }]);
      const typed = await s.execute<{ n: number }>(sql`SELECT 2 AS n`);
      expect(typed.rows[0]?.n).toBe(2);
      await rejectsWith(s.execute(sql`SELECT 'x' AS n`, { schema: z.object({ n: z.number() }) }), DataIntegrityError);
      await rejectsWith(s.execute(sql`SELECT 'not a date' AS at`, { schema: z.object({ at: z.date() }) }), DataIntegrityError);
      await s.close();
    });

    it('numbers interpolated into raw SQL bind the same on every adapter: as REAL (a JS number); bigints as INTEGER where the adapter binds them', async () => {
      const { Session, engine } = await setup(target, { create: false });
      const s = Session();
      const { rows } = await s.execute(
        sql`SELECT typeof(${7}) AS ti, ${7} / ${2} AS q, ${5} || '' AS txt, typeof(${1.5}) AS tr, ${-0} AS z, typeof(${7n}) AS tb, ${7n} / ${2n} AS qb`,
      );
      // D1 and Durable Objects have no BigInt binding: a bigint within ±(2^53 − 1) goes as the number.
      const big = engine.capabilities.bigint ? { tb: 'integer', qb: 3 } : { tb: 'real', qb: 3.5 };
      expect(rows).toEqual([{ ti: 'real', q: 3.5, txt: '5.0', tr: 'real', z: 0, ...big }]);
      await s.close();
    });

    it('execute() hands out integers exactly (a number when safe, a bigint beyond, where the adapter reads int64) and blobs as Uint8Array', async () => {
      const { Session, engine } = await setup(target, { create: false });
      const s = Session();
      const { rows } = await s.execute(sql`SELECT 5 AS small, -9007199254740991 AS edge, x'0102' AS b, 1.5 AS r`);
      expect(rows).toEqual([{ small: 5, edge: -9007199254740991, b: new Uint8Array([1, 2]), r: 1.5 }]);
      expect((rows[0] as { b: Uint8Array }).b.constructor).toBe(Uint8Array);
      if (engine.capabilities.bigint) {
        const big = await s.execute(sql`SELECT 9007199254740993 AS v, 7 AS w`);
        expect(big.rows).toEqual([{ v: 9007199254740993n, w: 7 }]);
        await rejectsWith(s.execute(sql`SELECT 9007199254740993 AS v`, { schema: z.object({ v: z.number() }) }), DataIntegrityError);
        const typed = await s.execute(sql`SELECT 9007199254740993 AS v, 7 AS w`, { schema: z.object({ v: z.bigint(), w: z.number() }) });
        expect(typed.rows).toEqual([{ v: 9007199254740993n, w: 7 }]);
      }
      await s.close();
    });

    it('toSQL() shows the statement the query sends, and the logger sees every statement once, values redacted', async () => {
      const events: QueryLogEvent[] = [];
      let driver!: Driver;
      const ctx = await setup(target, { create: false, wrap: (d) => (driver = d) });
      await RelBase.metadata.createAll(ctx.engine);
      const engine = createEngine(driver, { logger: (e) => events.push(e) });
      const Session = createSessionMaker(engine);
      const s = Session();
      const q = s
        .select(Person)
        .where({ name: { startsWith: 'secret-name' } })
        .orderBy({ id: 'desc' })
        .limit(3);
      const shown = q.toSQL();
      await q.with({ posts: true }).all();
      expect(events[0]?.sql).toBe(shown.sql);
      expect(events[0]?.params).toBeUndefined();
      expect(events[0]?.paramCount).toBe(shown.params.length);
      expect(JSON.stringify(events)).not.toContain('secret-name');
      expect(events).toHaveLength(1); // no person: the posts level has no key and sends nothing
      events.length = 0;
      s.add(new Person({ name: 'ada', posts: [new Post({ title: 't' })] }));
      await s.commit();
      expect(events.length).toBeGreaterThanOrEqual(2);
      for (const [i, e] of events.entries()) {
        expect(e.batch).toEqual({ index: i, size: events.length });
        expect(e.durationMs).toBeGreaterThanOrEqual(0);
        expect(e.error).toBeUndefined();
      }
      events.length = 0;
      await rejectsWith(s.execute(sql`SELECT * FROM no_such_table`), Error);
      expect(events[0]?.error?.code).toBeDefined();
      await engine.close();
      // With values, and the debug switch to console.debug.
      const lines: string[] = [];
      const con = (globalThis as unknown as { console: { debug: (...args: unknown[]) => void } }).console;
      const original = con.debug;
      con.debug = (...args: unknown[]) => void lines.push(args.join(' '));
      try {
        const dbg = createEngine(await target.createDriver(), { debug: true, logParameters: true });
        await createSessionMaker(dbg)().execute(sql`SELECT ${'visible'} AS v`);
        await dbg.close();
      } finally {
        con.debug = original;
      }
      expect(lines.some((l) => l.includes('[litedao]') && l.includes('visible') && l.includes('1 rows'))).toBe(true);
    });
  });

  describe('BaseDAO with relationships', () => {
    class PersonDAO extends BaseDAO(Person) {}
    it('findAll, findOneOrNone, findOneOrNoneById, findByIds and paginate take { with } and the new filters', async () => {
      const { Session, calls, reset } = await relSetup(target);
      const s = Session();
      s.addAll([
        new Person({ name: 'ada', posts: [new Post({ title: 'a1' }), new Post({ title: 'a2' })] }),
        new Person({ name: 'bob', posts: [new Post({ title: 'b1' })] }),
        new Person({ name: 'cy' }),
      ]);
      await s.commit();
      await s.close();
      const r = Session();
      const dao = new PersonDAO(r);
      reset();
      const writers = await dao.findAll({ posts: { some: {} } }, { with: { posts: { orderBy: { title: 'desc' } } } });
      expect(writers.map((p) => [p.name, p.posts.map((x) => x.title)])).toEqual([
        ['ada', ['a2', 'a1']],
        ['bob', ['b1']],
      ]);
      expect(calls.execute).toBe(2);
      const none = await dao.findOneOrNone({ or: [{ name: 'cy' }, { name: 'nobody' }] }, { with: { posts: true } });
      expect(none?.posts).toEqual([]);
      const again = await new PersonDAO(Session()).findOneOrNoneById(writers[0]?.id ?? 0, { with: { posts: true } });
      expect(again?.posts).toHaveLength(2);
      const byIds = await dao.findByIds([writers[1]?.id ?? 0], { with: { posts: true } });
      expect(byIds[0]?.posts.map((p) => p.title)).toEqual(['b1']);
      const page = await dao.paginate({ page: 1, pageSize: 2, filters: { not: { name: 'bob' } }, with: { posts: true } });
      expect(page.items.map((p) => [p.name, p.posts.length])).toEqual([
        ['ada', 2],
        ['cy', 0],
      ]);
      expect(page.total).toBe(2);
      await r.close();
    });
  });
}

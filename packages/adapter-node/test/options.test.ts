import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseDAO,
  ConfigurationError,
  ConnectionError,
  createEngine,
  createSessionMaker,
  declarativeBase,
  sql,
  t,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver, createNodeEngine, parseDatabaseUrl } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'litedao-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RUNS = Number(process.env.LITEDAO_FC_RUNS ?? 300);

const Base = declarativeBase();
class Note extends Base('Note', { text: t.text() }) {}

describe('database URL parameters: applied, or refused, never dropped', () => {
  it.each([
    ['sqlite:///a.db?mode=ro', { readonly: true }],
    ['sqlite:///a.db?mode=rw', { fileMustExist: true }],
    ['sqlite:///a.db?mode=rwc', {}],
    ['sqlite:///a.db?timeout=2.5', { busyTimeoutMs: 2500 }],
    ['sqlite+aiosqlite:///a.db?check_same_thread=false&uri=true', {}],
    ['sqlite:///a.db?', {}],
  ])('%s → %o', (url, options) => {
    expect(parseDatabaseUrl(url)).toEqual({ filename: 'a.db', options });
  });

  it.each([
    'sqlite:///a.db?mode=readonly',
    'sqlite:///a.db?mode=ro&mode=ro',
    'sqlite:///a.db?cache=shared',
    'sqlite:///a.db?readonly=1',
    'sqlite:///a.db?timeout=',
    'sqlite:///a.db?timeout=-1',
    'sqlite:///a.db?timeout=abc',
    'sqlite:///a.db?uri=maybe',
    'sqlite:///a.db#x',
    'sqlite:///a%ZZ.db',
    'sqlite:///a.db?mode=%E0%A4%A',
    'sqlite:///a%00.db',
    'sqlite:///a.db?mode=memory',
    'sqlite://?mode=ro',
    'sqlite:///:memory:?mode=rw',
  ])('refuses %s with ConfigurationError', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(ConfigurationError);
  });

  it('any text is a parsed URL or a ConfigurationError, never another error', () => {
    const part = fc.constantFrom(
      'sqlite:',
      '//',
      '/',
      '?',
      '&',
      '=',
      '#',
      '%',
      '%2',
      '%41',
      '+',
      'mode',
      'ro',
      'rw',
      'timeout',
      '1',
      'a.db',
      ':memory:',
      '\0',
      ' ',
      'é',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(part, { maxLength: 10 }).map((p) => p.join('')),
          fc.string(),
          fc.anything(),
        ),
        (url) => {
          try {
            const parsed = parseDatabaseUrl(url as string);
            expect(typeof parsed.filename).toBe('string');
            expect(parsed.filename.includes('\0')).toBe(false);
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigurationError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a percent-encoded path comes back as written', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0') && s !== ':memory:' && s !== '/:memory:'),
        (name) => {
          expect(parseDatabaseUrl(`sqlite:///${encodeURIComponent(name)}`).filename).toBe(name);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('mode=ro opens read-only: a write is a typed error and the file is unchanged', async () => {
    const file = join(dir, 'ro.db');
    const rw = createNodeEngine(`sqlite:///${file}`);
    await rw.createAll([Note]);
    await createSessionMaker(rw).begin(async (s) => {
      s.add(new Note({ text: 'kept' }));
    });
    await rw.close();
    const ro = createNodeEngine(`sqlite:///${file}?mode=ro`);
    const err = await createSessionMaker(ro)
      .begin(async (s) => {
        s.add(new Note({ text: 'refused' }));
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/SQLITE_READONLY/);
    const s = createSessionMaker(ro)();
    expect((await s.execute(sql`SELECT text FROM notes`)).rows).toEqual([{ text: 'kept' }]);
    await s.close();
    await ro.close();
  });

  it('mode=rw needs the file: ConnectionError, and no file is created', () => {
    const file = join(dir, 'missing.db');
    expect(() => createNodeEngine(`sqlite:///${file}?mode=rw`)).toThrow(ConnectionError);
    expect(existsSync(file)).toBe(false);
  });

  it('timeout=<seconds> is the busy timeout', () => {
    const engine = createNodeEngine('sqlite://?timeout=0.25');
    expect(engine.limits.busyTimeoutMs).toBe(250);
    return engine.close();
  });

  it('options agree with the URL or are refused; unknown and ill-typed options are refused', () => {
    expect(() => createNodeEngine('sqlite:///a.db?mode=ro', { readonly: false })).toThrow(ConfigurationError);
    expect(() => createNodeEngine('sqlite://?timeout=1', { busyTimeoutMs: 2000 })).toThrow(/busyTimeoutMs/);
    for (const bad of [
      { readOnly: true },
      { busyTimeoutMs: Number.NaN },
      { busyTimeoutMs: -1 },
      { busyTimeoutMs: '5' },
      { statementCacheSize: 0 },
      { statementCacheSize: 1.5 },
      { readonly: 'yes' },
      5,
      [1],
    ]) {
      expect(() => createNodeDriver(':memory:', bad as never), JSON.stringify(bad)).toThrow(ConfigurationError);
    }
    expect(() => createNodeDriver('a\0b.db')).toThrow(ConfigurationError);
    const ok = createNodeEngine('sqlite://?timeout=1', { busyTimeoutMs: 1000, statementCacheSize: 10 });
    expect(ok.limits.busyTimeoutMs).toBe(1000);
    return ok.close();
  });
});

describe('createEngine options: checked before use', () => {
  const Base2 = declarativeBase();
  class Thing extends Base2('Thing', { n: t.integer() }) {}

  it.each([
    [{ unitLog: 'yes' }, /unitLog/],
    [{ transactionWaitMs: -1 }, /transactionWaitMs/],
    [{ transactionWaitMs: Number.NaN }, /transactionWaitMs/],
    [{ verifyModels: Thing }, /verifyModels/],
    [{ verifyModels: [Thing, {}] }, /index 1/],
    [{ logger: 'console' }, /logger/],
    [{ debug: 1 }, /debug/],
    [{ verifymodels: [Thing] }, /unknown option "verifymodels"/],
    ['fast', /must be an object/],
  ])('%o is a ConfigurationError naming it', (options, message) => {
    const driver = createNodeDriver(':memory:');
    expect(() => createEngine(driver, options as never)).toThrow(ConfigurationError);
    expect(() => createEngine(driver, options as never)).toThrow(message);
  });

  it('valid options, undefined values and null options are accepted', async () => {
    for (const options of [undefined, null, {}, { unitLog: 'auto', debug: undefined }, { verifyModels: [Thing], transactionWaitMs: 0 }]) {
      const engine = createEngine(createNodeDriver(':memory:'), options as never);
      await engine.close();
    }
  });
});

describe('begin options: checked before the function runs', () => {
  it.each([
    [{ retries: 3 }, /unknown option "retries"/],
    [{ retry: { attempts: 3, backof: 10 } }, /backof/],
    [{ retry: { attempts: 3, on: ['BusyError'] } }, /error classes/],
    [{ retry: { attempts: 3, backoffMs: Number.NaN } }, /backoffMs/],
    [{ retry: '3' }, /retry/],
    [{ retry: 0 }, /attempts/],
  ])('%o is a ConfigurationError, and the function never runs', async (options, message) => {
    const engine = createNodeEngine('sqlite://');
    let ran = false;
    await expect(
      createSessionMaker(engine).begin(async () => {
        ran = true;
      }, options as never),
    ).rejects.toThrow(message);
    expect(ran).toBe(false);
    await engine.close();
  });

  it('a non-function is a ConfigurationError', async () => {
    const engine = createNodeEngine('sqlite://');
    await expect(createSessionMaker(engine).begin('commit' as never)).rejects.toBeInstanceOf(ConfigurationError);
    await engine.close();
  });
});

describe('DAO call options: a key the call does not take is a ValidationError at that key, before any read', () => {
  const Base3 = declarativeBase();
  class Item extends Base3('Item', { name: t.text() }) {}
  class ItemDAO extends BaseDAO(Item) {}

  it.each([
    ['findAll', (d: ItemDAO) => d.findAll({}, { limt: 1 } as never), 'limt'],
    ['findAll', (d: ItemDAO) => d.findAll({}, 5 as never), undefined],
    ['findOneOrNone', (d: ItemDAO) => d.findOneOrNone({ name: 'a' }, { wiht: {} } as never), 'wiht'],
    ['findOneOrNoneById', (d: ItemDAO) => d.findOneOrNoneById(1, { width: {} } as never), 'width'],
    ['paginate', (d: ItemDAO) => d.paginate({ page: 1, pagesize: 1 } as never), 'pagesize'],
    ['findByIds', (d: ItemDAO) => d.findByIds([1, 99], { mising: 'error' } as never), 'mising'],
    ['update', (d: ItemDAO) => d.update({ name: 'a' }, { name: 'b' }, { al: true } as never), 'al'],
    ['delete', (d: ItemDAO) => d.delete({ name: 'a' }, { force: true } as never), 'force'],
  ])('%s', async (_call, run, key) => {
    const sent: string[] = [];
    const engine = createEngine(createNodeDriver(':memory:'), { logger: (e) => sent.push(e.sql) });
    await engine.createAll([Item]);
    sent.length = 0;
    const session = createSessionMaker(engine)();
    const err = await run(new ItemDAO(session)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]?.path).toEqual(key === undefined ? [] : [key]);
    expect(sent).toEqual([]); // nothing read or written
    session.rollback();
    await session.close();
    await engine.close();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIdentifier, declarativeBase, IdentifierError, quoteIdent, t, tableNameFor } from '../src/index.ts';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const RUNS = Number(env?.LITEDAO_FC_RUNS ?? 300);

describe('table naming', () => {
  it.each([
    ['User', 'users'],
    ['Category', 'categories'],
    ['Person', 'people'],
    ['UserProfile', 'user_profiles'],
    ['Status', 'statuses'],
    ['Message', 'messages'],
    ['Address', 'addresses'],
    ['HTTPRequest', 'http_requests'],
    ['Datum', 'data'],
    ['Пользователь', 'пользователь'],
    ['ЛичныйКабинет', 'личный_кабинет'],
  ])('%s → %s', (model, table) => {
    expect(tableNameFor(model, 'plural')).toBe(table);
  });

  // English plurals of model names: regular, -es, -ies, -ves, -oes, classical, irregular, uncountable and
  // already-plural words. Each pair is the dictionary plural (modern form where two exist, e.g. schemas, viruses).
  const plurals = Object.entries({
    hero: 'heroes',
    leaf: 'leaves',
    cafe: 'cafes',
    safe: 'safes',
    slice: 'slices',
    quota: 'quotas',
    beta: 'betas',
    thief: 'thieves',
    blouse: 'blouses',
    gas: 'gases',
    lens: 'lenses',
    chassis: 'chassis',
    cactus: 'cacti',
    moose: 'moose',
    echo: 'echoes',
    bus: 'buses',
    status: 'statuses',
    matrix: 'matrices',
    vertex: 'vertices',
    appendix: 'appendices',
    child: 'children',
    mouse: 'mice',
    sheep: 'sheep',
    fish: 'fish',
    datum: 'data',
    data: 'data',
    metadata: 'metadata',
    address: 'addresses',
    analysis: 'analyses',
    crisis: 'crises',
    thesis: 'theses',
    axis: 'axes',
    quiz: 'quizzes',
    wife: 'wives',
    knife: 'knives',
    life: 'lives',
    half: 'halves',
    shelf: 'shelves',
    wolf: 'wolves',
    roof: 'roofs',
    chief: 'chiefs',
    belief: 'beliefs',
    proof: 'proofs',
    chef: 'chefs',
    golf: 'golfs',
    cliff: 'cliffs',
    news: 'news',
    series: 'series',
    species: 'species',
    criterion: 'criteria',
    phenomenon: 'phenomena',
    curriculum: 'curricula',
    syllabus: 'syllabi',
    alumnus: 'alumni',
    octopus: 'octopuses',
    virus: 'viruses',
    bonus: 'bonuses',
    campus: 'campuses',
    census: 'censuses',
    corpus: 'corpora',
    genus: 'genera',
    alias: 'aliases',
    bias: 'biases',
    atlas: 'atlases',
    canvas: 'canvases',
    iris: 'irises',
    ox: 'oxen',
    box: 'boxes',
    tax: 'taxes',
    fox: 'foxes',
    match: 'matches',
    batch: 'batches',
    wish: 'wishes',
    class: 'classes',
    process: 'processes',
    access: 'accesses',
    day: 'days',
    key: 'keys',
    toy: 'toys',
    journey: 'journeys',
    entry: 'entries',
    category: 'categories',
    query: 'queries',
    reply: 'replies',
    policy: 'policies',
    photo: 'photos',
    zoo: 'zoos',
    video: 'videos',
    potato: 'potatoes',
    tomato: 'tomatoes',
    veto: 'vetoes',
    volcano: 'volcanoes',
    movie: 'movies',
    cookie: 'cookies',
    tooth: 'teeth',
    foot: 'feet',
    goose: 'geese',
    man: 'men',
    woman: 'women',
    salesman: 'salesmen',
    human: 'humans',
    german: 'germans',
    person: 'people',
    equipment: 'equipment',
    information: 'information',
    software: 'software',
    staff: 'staff',
    schema: 'schemas',
    agenda: 'agendas',
    menu: 'menus',
    sieve: 'sieves',
    move: 'moves',
    wave: 'waves',
    spouse: 'spouses',
    cheese: 'cheeses',
    update: 'updates',
    user: 'users',
    order: 'orders',
    message: 'messages',
    payment: 'payments',
    subscription: 'subscriptions',
    setting: 'settings',
    // Already plural: unchanged.
    users: 'users',
    people: 'people',
    children: 'children',
    settings: 'settings',
    stats: 'stats',
    heroes: 'heroes',
    categories: 'categories',
    statuses: 'statuses',
    leaves: 'leaves',
    criteria: 'criteria',
    cacti: 'cacti',
    oxen: 'oxen',
    geese: 'geese',
    mice: 'mice',
    men: 'men',
    indices: 'indices',
    analyses: 'analyses',
  });

  it.each(plurals)('plural of %s is %s, alone and as the last word', (word, plural) => {
    expect(tableNameFor(word[0]?.toUpperCase() + word.slice(1), 'plural')).toBe(plural);
    expect(tableNameFor(`Old${word[0]?.toUpperCase()}${word.slice(1)}`, 'plural')).toBe(`old_${plural}`);
  });

  it("'plural-0.1' keeps litedao 0.1.0's names for databases it made", () => {
    expect(tableNameFor('Hero', 'plural-0.1')).toBe('heros');
    expect(tableNameFor('Cafe', 'plural-0.1')).toBe('caves');
    expect(tableNameFor('UserProfile', 'plural-0.1')).toBe('user_profiles');
    expect(declarativeBase({ naming: 'plural-0.1' })('Blouse', { x: t.integer() }).tableName).toBe('blice');
    expect(() => declarativeBase({ naming: 'plural-v1' as never })).toThrow(/plural-0\.1/);
  });

  it('any ASCII model name gives a valid identifier, and only the last word changes', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcdefghilmnorstuvxyz'), minLength: 2, maxLength: 10 }); // `AB` is one acronym word
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), (words) => {
        const model = words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
        const table = tableNameFor(model, 'plural');
        expect(checkIdentifier(table, 'table')).toBe(table);
        const head = words
          .slice(0, -1)
          .map((w) => `${w}_`)
          .join('');
        expect(table.startsWith(head)).toBe(true);
        expect(table.length).toBeGreaterThan(head.length);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['User', 'users'],
    ['UserProfile', 'userprofiles'],
    ['Category', 'categorys'],
    ['Пользователь', 'пользовательs'],
  ])('legacy %s → %s (the template: lower + "s")', (model, table) => {
    expect(tableNameFor(model, 'legacy')).toBe(table);
  });
});

describe('identifiers', () => {
  it('accepts letters, digits and underscores in NFC; refuses a name NFC would change instead of renaming it', () => {
    expect(checkIdentifier('user_2', 'x')).toBe('user_2');
    expect(checkIdentifier('caf\u00e9', 'x')).toBe('café');
    expect(() => checkIdentifier('cafe\u0301', 'x')).toThrow(IdentifierError);
  });

  it.each(['', '2fa', 'a b', 'a"b', 'a`b', 'a\0b', 'a\u200bb', 'a\u202eb', 'sqlite_x', 'SQLITE_y', 'x'.repeat(129), 'a;b', 'a-b'])(
    'refuses %j',
    (name) => {
      expect(() => checkIdentifier(name, 'name')).toThrow(IdentifierError);
    },
  );

  it('never renames: any string is refused with IdentifierError or returned unchanged (and then in NFC)', () => {
    const letters = fc.constantFrom('a', 'Z', '_', '1', 'é', 'e\u0301', '\u0301', 'Å', 'A\u030a', 'ﬁ', 'ж', '한', '\u1100\u1161', ' ', '"');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: letters, maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })), (name) => {
        let out: string;
        try {
          out = checkIdentifier(name, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(IdentifierError);
          return;
        }
        expect(out).toBe(name);
        expect(name.normalize('NFC')).toBe(name);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses model, table and column names NFC would change, at declaration', () => {
    const B = declarativeBase();
    expect(() => B('Cafe\u0301', {})).toThrow(IdentifierError);
    expect(() => B('Cafe', {}, { tableName: 'cafe\u0301s' })).toThrow(IdentifierError);
    expect(() => B('Menu', { 'entre\u0301e': t.text() })).toThrow(IdentifierError);
    expect(B('Menu2', { entrée: t.text() }).tableName).toBe('menu2s');
  });

  it('refuses the owned names id, created_at, updated_at in any ASCII case, as SQLite compares them', () => {
    const variants = fc
      .tuple(fc.constantFrom('id', 'created_at', 'updated_at'), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }))
      .map(([n, up]) => [...n].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
    let k = 0;
    fc.assert(
      fc.property(variants, (name) => {
        const B = declarativeBase();
        expect(() => B(`M${k++}`, { [name]: t.text() }), name).toThrow(IdentifierError);
      }),
      { numRuns: RUNS },
    );
    // Non-ASCII look-alikes are different names to SQLite, so they are ordinary columns.
    expect(declarativeBase()('Ok', { ıd: t.text() }).tableName).toBe('oks');
  });

  it('quotes by doubling quotes', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});

/**
 * English plurals of model names (the last word of a snake_case table name).
 *
 * The rules, irregular words and uncountable words are those of `pluralize` 8.0.0 (MIT, © 2013 Blake Embrey,
 * https://github.com/plurals/pluralize), kept in its order: the last matching rule wins. Changed for table names:
 * pronouns and verbs (`I`, `this`, `is`) are gone; modern plurals are used where the library keeps a classical
 * or a wrong one (`schemas`, `viruses`, `agendas`, `lenses`, `canvases`, `biases`, `germans`, `golfs`, `vetoes`).
 * A word that is already plural stays as it is (`users`, `people`, `settings`).
 */

/** Irregular singular → plural. */
const IRREGULAR: Readonly<Record<string, string>> = {
  echo: 'echoes',
  dingo: 'dingoes',
  volcano: 'volcanoes',
  tornado: 'tornadoes',
  torpedo: 'torpedoes',
  veto: 'vetoes',
  embargo: 'embargoes',
  domino: 'dominoes',
  mosquito: 'mosquitoes',
  genus: 'genera',
  viscus: 'viscera',
  corpus: 'corpora',
  ox: 'oxen',
  axe: 'axes',
  die: 'dice',
  foot: 'feet',
  eave: 'eaves',
  goose: 'geese',
  tooth: 'teeth',
  quiz: 'quizzes',
  human: 'humans',
  german: 'germans',
  roman: 'romans',
  shaman: 'shamans',
  talisman: 'talismans',
  caiman: 'caimans',
  ottoman: 'ottomans',
  proof: 'proofs',
  golf: 'golfs',
  gulf: 'gulfs',
  carve: 'carves',
  valve: 'valves',
  looey: 'looies',
  thief: 'thieves',
  groove: 'grooves',
  pickaxe: 'pickaxes',
  passerby: 'passersby',
  lens: 'lenses',
  canvas: 'canvases',
  bias: 'biases',
};
const IRREGULAR_PLURALS = new Set(Object.values(IRREGULAR));

/** Suffix rules, `$n` = the n-th group (`$0` the match); tried from the last to the first. */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/s?$/, 's'],
  [/\P{ASCII}$/u, '$0'],
  [/([^aeiou]ese)$/, '$1'],
  [/(ax|test)is$/, '$1es'],
  [/(alias|[^aou]us|t[lm]as|gas|ris)$/, '$1es'],
  [/(e[mn]u)s?$/, '$1s'],
  [/([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$/, '$1'],
  [/(alumn|syllab|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$/, '$1i'],
  [/(alumn|alg|vertebr)(?:a|ae)$/, '$1ae'],
  [/(seraph|cherub)(?:im)?$/, '$1im'],
  [/(her|at|gr)o$/, '$1oes'],
  [/(addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)(?:a|um)$/, '$1a'],
  [/(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$/, '$1a'],
  [/sis$/, 'ses'],
  [/(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$/, '$1$2ves'],
  [/([^aeiouy]|qu)y$/, '$1ies'],
  [/([^ch][ieo][ln])ey$/, '$1ies'],
  [/(x|ch|ss|sh|zz)$/, '$1es'],
  [/(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$/, '$1ices'],
  [/\b((?:tit)?m|l)(?:ice|ouse)$/, '$1ice'],
  [/(pe)(?:rson|ople)$/, '$1ople'],
  [/(child)(?:ren)?$/, '$1ren'],
  [/eaux$/, '$0'],
  [/m[ae]n$/, 'men'],
  // Uncountable by pattern (after the rules: they win).
  [/pok[eé]mon$/, '$0'],
  [/[^aeiou]ese$/, '$0'],
  [/deer$/, '$0'],
  [/fish$/, '$0'],
  [/measles$/, '$0'],
  [/o[iu]s$/, '$0'],
  [/pox$/, '$0'],
  [/sheep$/, '$0'],
];

/** Words with no plural of their own. */
const UNCOUNTABLE = new Set(
  (
    'adulthood advice aid aircraft alcohol ammo analytics anime athletics audio bison blood bream buffalo butter carp ' +
    'cash chassis chess clothing cod commerce cooperation corps debris diabetes digestion elk energy equipment ' +
    'excretion expertise firmware flounder fun gallows garbage graffiti hardware headquarters health herpes highjinks ' +
    'homework housework information jeans justice kudos labour literature machinery mackerel media mews moose ' +
    'music mud manga news personnel pike plankton pliers police pollution premises rain research rice salmon ' +
    'scissors series sewage shambles shrimp software species staff swine tennis traffic transportation trout tuna ' +
    'wealth welfare whiting wildebeest wildlife'
  ).split(' '),
);

/** The plural of one lower-case English word (`hero` → `heroes`, `leaf` → `leaves`, `sheep` → `sheep`). */
export function pluralWord(word: string): string {
  if (word.length === 0 || UNCOUNTABLE.has(word) || IRREGULAR_PLURALS.has(word)) return word;
  const irregular = IRREGULAR[word];
  if (irregular !== undefined) return irregular;
  for (let i = RULES.length - 1; i >= 0; i--) {
    const [re, to] = RULES[i] as readonly [RegExp, string];
    if (!re.test(word)) continue;
    return word.replace(re, (...m: unknown[]) =>
      to.replace(/\$(\d)/g, (_, n: string) => (typeof m[Number(n)] === 'string' ? (m[Number(n)] as string) : '')),
    );
  }
  return word;
}

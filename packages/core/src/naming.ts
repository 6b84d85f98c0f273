/**
 * Table naming and identifier policy.
 *
 * Default (`'plural'`): snake_case + English plural of the last word (plural.ts): `User`→`users`,
 * `Category`→`categories`, `Person`→`people`, `UserProfile`→`user_profiles`, `Status`→`statuses`, `Hero`→`heroes`,
 * `Leaf`→`leaves`, `Cafe`→`cafes`. Words in other scripts are not pluralized (English rules would give a mixed-script
 * `пользовательs`): `Пользователь`→`пользователь`; give `tableName` for a proper plural in your language.
 * `'legacy'` reproduces the Python template exactly (`cls.__name__.lower() + "s"`: `UserProfile`→`userprofiles`)
 * so litedao can open databases it created. `'plural-0.1'` gives litedao 0.1.0's plurals (the `inflection` library:
 * `Hero`→`heros`, `Cafe`→`caves`, `Blouse`→`blice`), for databases made by 0.1.0.
 */
import { pluralize } from 'inflection';
import { IdentifierError } from './errors.ts';
import { pluralWord } from './plural.ts';

/** How table names are derived from model names. */
export type NamingMode = 'plural' | 'legacy' | 'plural-0.1';

/** Every naming mode, for validation. */
export const NAMING_MODES: readonly NamingMode[] = ['plural', 'legacy', 'plural-0.1'];

const IDENT_RE = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const MAX_IDENT = 128;

/**
 * Validates an identifier and returns it. Letters, digits and `_` only (no quotes, spaces, NUL, bidi or
 * zero-width characters), not starting with a digit, not `sqlite_…` (reserved by SQLite), and already in
 * Unicode NFC: SQLite treats NFC and NFD spellings as different names, so a name that NFC would change is
 * refused rather than silently renamed (the caller's key would then no longer match the column).
 */
export function checkIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new IdentifierError(`${what} must be a non-empty string`);
  const nfc = name.normalize('NFC');
  if (nfc !== name) {
    throw new IdentifierError(
      `${what} ${JSON.stringify(nfc)} is not in Unicode NFC form (e.g. a letter and a separate combining accent); write it composed, as name.normalize('NFC')`,
    );
  }
  if (nfc.length > MAX_IDENT) throw new IdentifierError(`${what} is longer than ${MAX_IDENT} characters`);
  if (!IDENT_RE.test(nfc)) {
    throw new IdentifierError(`${what} ${JSON.stringify(nfc)} may hold only letters, digits and _ and must not start with a digit`);
  }
  if (/^sqlite_/i.test(nfc)) throw new IdentifierError(`${what} ${JSON.stringify(nfc)} uses the prefix sqlite_, reserved by SQLite`);
  return nfc;
}

/** Double-quotes an identifier for SQL, doubling embedded quotes (identifiers are validated first anyway). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** How SQLite compares identifiers: case-insensitive for ASCII letters only. */
export function foldIdentifier(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range test
const ASCII_RE = /^[\x00-\x7f]*$/;

/** `UserProfile` → `user_profile`, `HTTPRequest` → `http_request`, `ЛичныйКабинет` → `личный_кабинет`. */
function snakeCase(name: string): string {
  return name
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1_$2')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase();
}

/** Derives a model's table name. See the module comment for the rules. */
export function tableNameFor(modelName: string, mode: NamingMode): string {
  if (mode === 'legacy') return `${modelName.toLowerCase()}s`;
  const snake = snakeCase(modelName);
  if (!ASCII_RE.test(modelName)) return snake;
  const cut = snake.lastIndexOf('_');
  const head = cut === -1 ? '' : snake.slice(0, cut + 1);
  const last = snake.slice(cut + 1);
  return head + (mode === 'plural-0.1' ? pluralize(last) : pluralWord(last));
}

/**
 * Checking an options object before anything reads it: an unknown key (a typo such as `readOnly` or
 * `verifymodels`) or a value of the wrong kind is a `ConfigurationError` naming it, instead of an option silently
 * ignored or a `TypeError` later. `undefined` values count as absent; `null` or `undefined` options as none.
 */
import { ConfigurationError } from './errors.ts';

/** What one option may hold: a `typeof` name, or a check returning a problem (`undefined` when the value is fine). */
export type OptionRule = 'boolean' | 'number' | 'string' | 'function' | 'object' | ((value: unknown) => string | undefined);

/** A non-negative finite number (milliseconds, sizes). */
export const nonNegativeNumber: OptionRule = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : `must be a finite number ≥ 0, got ${describe(v)}`;

/** A non-negative safe integer (counts). */
export const nonNegativeInteger: OptionRule = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : `must be an integer ≥ 0, got ${describe(v)}`;

/** One of the listed values. */
export function oneOf(...values: readonly unknown[]): OptionRule {
  return (v) => (values.includes(v) ? undefined : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
}

/** A nested options object checked by its own rules. */
export function optionsOf<T extends object>(rules: { readonly [K in keyof T]-?: OptionRule }): (value: unknown) => string | undefined {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `must be an object, got ${describe(v)}`;
    try {
      checkOptions<T>('', v, rules);
      return undefined;
    } catch (e) {
      return `has ${(e as Error).message.replace(/^: /, '')}`;
    }
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * Throws `ConfigurationError` unless `options` is absent or a plain object whose keys are all in `rules` and whose
 * values follow them; returns the options (or `{}`).
 *
 * @example
 * checkOptions('createEngine', { unitLog: 'yes' }, { unitLog: oneOf(true, false, 'auto') });
 * // ConfigurationError: createEngine option unitLog must be one of true, false, "auto", got "yes"
 */
export function checkOptions<T extends object>(what: string, options: unknown, rules: { readonly [K in keyof T]-?: OptionRule }): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError(`${what} options must be an object, got ${describe(options)}`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    const rule = Object.hasOwn(rules, key) ? (rules as Record<string, OptionRule>)[key] : undefined;
    if (rule === undefined) {
      problems.push(`unknown option ${JSON.stringify(key)} (known: ${Object.keys(rules).join(', ')})`);
      continue;
    }
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const problem =
      typeof rule === 'function'
        ? rule(value)
        : typeof value === rule && value !== null
          ? undefined
          : `must be a ${rule}, got ${describe(value)}`;
    if (problem !== undefined) problems.push(`option ${key} ${problem}`);
  }
  if (problems.length > 0) throw new ConfigurationError(`${what}: ${problems.join('; ')}`);
  return options as T;
}

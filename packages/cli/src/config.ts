/**
 * `litedao.config.ts`: where the models live, where migrations go, which database `migrate` opens. Loaded with
 * jiti, so the config and the models may be TypeScript with extensionless imports, as in any Vite or
 * wrangler project.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type AnyModel, ConfigurationError, metaOf } from '@litedao/core';
import { createJiti } from 'jiti';

/** What `litedao.config.ts` exports (`export default defineConfig({ … })`). */
export interface LitedaoConfig {
  /** The module that exports the models (model classes, a `models` array, or a declarative base), relative to the config. */
  readonly models: string;
  /** The migrations folder, wrangler's `migrations_dir`. Default `migrations`. */
  readonly migrationsDir?: string;
  /** The database `migrate` and `status` open on Node, e.g. `sqlite:///bot.db`. Default `$DATABASE_URL`. */
  readonly databaseUrl?: string;
  /** wrangler's `migrations_table`. Default `d1_migrations`. */
  readonly migrationsTable?: string;
}

/** Types a config object (`export default defineConfig({ models: './src/models.ts' })`). */
export function defineConfig(config: LitedaoConfig): LitedaoConfig {
  return config;
}

/** A loaded config with every path absolute. */
export interface ResolvedConfig {
  readonly root: string;
  readonly modelsPath: string;
  readonly migrationsDir: string;
  readonly databaseUrl: string | undefined;
  readonly migrationsTable: string;
}

const CONFIG_NAMES = ['litedao.config.ts', 'litedao.config.mts', 'litedao.config.js', 'litedao.config.mjs'];

function loader(from: string) {
  return createJiti(from, { interopDefault: true, moduleCache: false });
}

/** `path` as the user would write it: relative to the working directory when inside it, else absolute. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
const shown = shownPath;

/** A thrown value as `Name: first line of the message`. */
function oneLine(e: unknown): string {
  const message = String((e as Error)?.message ?? e)
    .split('\n')
    .find((l) => l.trim() !== '');
  return `${(e as Error)?.name ?? 'Error'}: ${message ?? '(no message)'}`;
}

/**
 * Imports a config or models module. Whatever it throws (a syntax error, a failing import, an exception at top
 * level) becomes one ConfigurationError naming the module, with the cause attached.
 */
async function importModule(file: string, what: string): Promise<unknown> {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (e) {
    const code = (e as { code?: unknown })?.code;
    throw new ConfigurationError(
      `the ${what} ${shown(file)} ${code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'does not exist (a part of the path is a file)' : `cannot be read (${String(code ?? e)})`}`,
      { cause: e },
    );
  }
  if (!stat.isFile()) throw new ConfigurationError(`the ${what} ${shown(file)} is a folder, not a file`);
  try {
    return await loader(file).import(file);
  } catch (e) {
    throw new ConfigurationError(`loading the ${what} ${shown(file)} failed: ${oneLine(e)}`, { cause: e });
  }
}

const OPTIONS: Record<keyof LitedaoConfig, string> = {
  models: 'models (--models)',
  migrationsDir: 'migrationsDir (--dir)',
  databaseUrl: 'databaseUrl (--url)',
  migrationsTable: 'migrationsTable',
};

/** Finds and loads the config: `--config` if given, else the first `litedao.config.*` in `cwd`. */
export async function loadConfig(cwd: string, configPath?: string, overrides: Partial<LitedaoConfig> = {}): Promise<ResolvedConfig> {
  let file: string | undefined;
  if (configPath !== undefined) {
    if (configPath.trim() === '') throw new ConfigurationError('--config is empty: name the config file, e.g. --config litedao.config.ts');
    file = resolve(cwd, configPath);
  } else {
    file = CONFIG_NAMES.map((n) => join(cwd, n)).find((p) => existsSync(p));
  }
  let config: Partial<LitedaoConfig> = {};
  if (file) {
    const loaded = (await importModule(file, 'config file')) as { default?: unknown } | null;
    const value = loaded !== null && typeof loaded === 'object' && 'default' in loaded ? loaded.default : loaded;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ConfigurationError(`${shown(file)} must export default defineConfig({ models: './src/models.ts' })`);
    config = value as Partial<LitedaoConfig>;
  }
  const merged = {
    ...config,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  } as Partial<LitedaoConfig>;
  for (const [key, label] of Object.entries(OPTIONS) as [keyof LitedaoConfig, string][]) {
    const v = merged[key];
    if (v === undefined || (key === 'databaseUrl' && v === null)) continue;
    if (typeof v !== 'string' || v.trim() === '')
      throw new ConfigurationError(
        `${label} must be a non-empty string, not ${v === '' ? 'an empty one' : (JSON.stringify(v) ?? typeof v)}`,
      );
  }
  const root = file ? dirname(file) : cwd;
  if (!merged.models) {
    throw new ConfigurationError(
      file
        ? `${shown(file)} names no models module (models: './src/models.ts')`
        : 'no litedao.config.ts here and no --models: say where the models are',
    );
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  return {
    root,
    modelsPath: abs(merged.models),
    migrationsDir: abs(merged.migrationsDir ?? 'migrations'),
    databaseUrl: merged.databaseUrl ?? process.env.DATABASE_URL,
    migrationsTable: merged.migrationsTable ?? 'd1_migrations',
  };
}

function isModel(v: unknown): v is AnyModel {
  if (typeof v !== 'function') return false;
  try {
    metaOf(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * The models a module exports: every exported model class, every model of an exported declarative base
 * (`Base.metadata.models`), and the members of an exported `models` array; each once, in that order.
 */
export async function loadModels(modelsPath: string): Promise<AnyModel[]> {
  const loaded = await importModule(modelsPath, 'models module');
  const mod = (typeof loaded === 'object' && loaded !== null ? loaded : {}) as Record<string, unknown>;
  const found: AnyModel[] = [];
  const seen = new Set<unknown>();
  // `class User extends Base('User', …)` and `Base.metadata.models` hold different classes of one model: one meta.
  const add = (m: unknown) => {
    if (!isModel(m) || seen.has(metaOf(m))) return;
    seen.add(metaOf(m));
    found.push(m);
  };
  try {
    for (const v of Object.values(mod)) {
      if (isModel(v)) add(v);
      else if (Array.isArray(v)) v.forEach(add);
      else if (typeof v === 'function' && 'metadata' in v) {
        const models = (v as { metadata?: { models?: unknown } }).metadata?.models;
        if (Array.isArray(models)) models.forEach(add);
      }
    }
  } catch (e) {
    // An export whose getter (or a Base's metadata) throws.
    throw new ConfigurationError(`reading the exports of the models module ${shown(modelsPath)} failed: ${oneLine(e)}`, { cause: e });
  }
  if (found.length === 0)
    throw new ConfigurationError(`${shown(modelsPath)} exports no litedao models (export the model classes, a Base, or a models array)`);
  return found;
}

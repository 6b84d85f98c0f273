/**
 * `litedao.config.ts`: where the models live, where migrations go, which database `migrate` opens. Loaded with
 * jiti, so the config and the models may be TypeScript with extensionless imports, as in any Vite or
 * wrangler project.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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

/** Finds and loads the config: `--config` if given, else the first `litedao.config.*` in `cwd`. */
export async function loadConfig(cwd: string, configPath?: string, overrides: Partial<LitedaoConfig> = {}): Promise<ResolvedConfig> {
  let file: string | undefined;
  if (configPath) {
    file = resolve(cwd, configPath);
    if (!existsSync(file)) throw new ConfigurationError(`config file ${configPath} does not exist`);
  } else {
    file = CONFIG_NAMES.map((n) => join(cwd, n)).find((p) => existsSync(p));
  }
  let config: Partial<LitedaoConfig> = {};
  if (file) {
    const loaded = await loader(file).import<{ default?: LitedaoConfig } | LitedaoConfig>(file);
    config = ((loaded as { default?: LitedaoConfig }).default ?? loaded) as LitedaoConfig;
    if (typeof config !== 'object' || config === null) throw new ConfigurationError(`${file} must export default defineConfig({ … })`);
  }
  const merged = {
    ...config,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  } as Partial<LitedaoConfig>;
  const root = file ? dirname(file) : cwd;
  if (!merged.models) {
    throw new ConfigurationError(
      file
        ? `${file} names no models module (models: './src/models.ts')`
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
  if (!existsSync(modelsPath)) throw new ConfigurationError(`the models module ${modelsPath} does not exist`);
  const mod = (await loader(modelsPath).import(modelsPath)) as Record<string, unknown>;
  const found: AnyModel[] = [];
  const seen = new Set<unknown>();
  // `class User extends Base('User', …)` and `Base.metadata.models` hold different classes of one model: one meta.
  const add = (m: unknown) => {
    if (!isModel(m) || seen.has(metaOf(m))) return;
    seen.add(metaOf(m));
    found.push(m);
  };
  for (const v of Object.values(mod)) {
    if (isModel(v)) add(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (typeof v === 'function' && 'metadata' in v) {
      const models = (v as { metadata?: { models?: unknown } }).metadata?.models;
      if (Array.isArray(models)) models.forEach(add);
    }
  }
  if (found.length === 0) throw new ConfigurationError(`${modelsPath} exports no litedao models`);
  return found;
}

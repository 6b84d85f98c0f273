/**
 * litedao (the CLI package): `defineConfig` for `litedao.config.ts`, and the commands as functions for
 * scripts. The runner itself (`migrate(engine, files)`) lives in `@litedao/core` and runs everywhere.
 */
export type { GenerateOptions, Output } from './commands.ts';
export {
  baselineCommand,
  checkCommand,
  generateCommand,
  latestSnapshot,
  migrateCommand,
  parseRenameFlags,
  readMigrations,
  statusCommand,
} from './commands.ts';
export type { LitedaoConfig, ResolvedConfig } from './config.ts';
export { defineConfig, loadConfig, loadModels } from './config.ts';

#!/usr/bin/env node
/**
 * The `litedao` command: generate, check and apply migrations for litedao models.
 * Run `litedao --help` (or `litedao <command> --help`) for every option.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { baselineCommand, checkCommand, generateCommand, migrateCommand, processOutput, statusCommand } from './commands.ts';
import { loadConfig } from './config.ts';

/** The package's own version: `../package.json` from src/bin.ts in the repository and from dist/bin.js when installed. */
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
// A reader that goes away (`litedao status | head -1`) closes the pipe: later writes are dropped, not an EPIPE crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
const out = processOutput();
let exitCode = 0;
/** A command action whose result is the exit code. */
const act =
  <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
  async (...args: A): Promise<void> => {
    exitCode = await fn(...args);
  };

interface Common {
  config?: string;
  models?: string;
  dir?: string;
}

const common = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'config file (default: ./litedao.config.ts, .mts, .js or .mjs)')
    .option('--models <module>', 'module exporting the models (overrides the config)')
    .option('--dir <folder>', 'migrations folder, wrangler\'s migrations_dir (overrides the config; default "migrations")');

const configOf = (o: Common & { url?: string }) =>
  loadConfig(process.cwd(), o.config, { models: o.models, migrationsDir: o.dir, databaseUrl: o.url });

const program = new Command('litedao')
  .description(
    'Migrations for litedao models: flat NNNN_name.sql files that `litedao migrate`, `wrangler d1 migrations apply` and migrate(engine, files) in the browser all apply, recorded in the same d1_migrations table.',
  )
  .version(version)
  .showHelpAfterError('(run `litedao --help` or `litedao <command> --help` for the commands and options)')
  .addHelpText(
    'after',
    `
Config (litedao.config.ts, next to package.json):
  import { defineConfig } from 'litedao';
  export default defineConfig({
    models: './src/models.ts',      // exports the model classes (or a Base, or a models array)
    migrationsDir: './migrations',  // wrangler's migrations_dir
    databaseUrl: process.env.DATABASE_URL, // for migrate/status on Node, e.g. sqlite:///bot.db
  });

Examples:
  litedao generate --name add_language     write migrations/0002_add_language.sql from the model changes
  litedao generate --allow-drop            also drop tables/columns the models no longer have
  litedao generate --rename users.name=full_name   a rename without a renamedFrom hint in the model
  litedao generate --from-db sqlite:///bot.db      adopt an existing database (e.g. the Python template's)
  litedao check                             exit 1 when the models changed without a migration (CI)
  litedao migrate --url sqlite:///bot.db    apply pending files on Node
  litedao status                            list applied and pending files
  wrangler d1 migrations apply DB --remote  the same files on D1`,
  );

common(program.command('generate'))
  .description('diff the models against the last snapshot and write the next NNNN_name.sql (and meta/NNNN_snapshot.json)')
  .option('-n, --name <name>', 'name part of the file, e.g. add_language')
  .option('--allow-drop', 'allow dropping tables and columns (their data is lost); refused otherwise', false)
  .option(
    '--allow-constraint-loss',
    "allow a rebuild to drop a COLLATE, CHECK or generated column the adopted table's CREATE TABLE has; refused otherwise",
    false,
  )
  .option(
    '--rename <old=new>',
    'declare a rename: old_table=new_table, or table.old_column=new_column (repeatable; or use renamedFrom in the model)',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  )
  .addOption(
    new Option('--from-db <url>', 'write a baseline (0000_baseline.sql + snapshot) from an existing database and mark it applied there'),
  )
  .option('--no-interactive', 'never ask about renames (the default when not on a terminal)')
  .action(
    act(
      async (
        o: Common & {
          name?: string;
          allowDrop: boolean;
          allowConstraintLoss: boolean;
          rename: string[];
          fromDb?: string;
          interactive: boolean;
        },
      ) => {
        const config = await configOf(o);
        if (o.fromDb) return baselineCommand(config, o.fromDb, out);
        const interactive = o.interactive && Boolean(process.stdin.isTTY && process.stdout.isTTY);
        return generateCommand(
          config,
          { name: o.name, allowDrop: o.allowDrop, allowConstraintLoss: o.allowConstraintLoss, renames: o.rename, interactive },
          out,
        );
      },
    ),
  );

common(program.command('check'))
  .description('exit 1 when the models and the migrations disagree, naming each difference (for CI)')
  .action(act(async (o: Common) => checkCommand(await configOf(o), out)));

common(program.command('migrate'))
  .description('apply pending migrations to a Node database (better-sqlite3), each file in one transaction')
  .option('--url <url>', 'database URL, e.g. sqlite:///bot.db (default: the config, then $DATABASE_URL)')
  .action(act(async (o: Common & { url?: string }) => migrateCommand(await configOf(o), o.url, out)));

common(program.command('status'))
  .description('list applied and pending migrations of a Node database')
  .option('--url <url>', 'database URL, e.g. sqlite:///bot.db (default: the config, then $DATABASE_URL)')
  .action(act(async (o: Common & { url?: string }) => statusCommand(await configOf(o), o.url, out)));

/**
 * An error as the one line the CLI prints: litedao's errors by name and message, anything else by its message
 * (a stack trace only with LITEDAO_DEBUG=1). Newlines in a message (a failing statement's SQL) are folded.
 */
function errorLine(e: unknown): string {
  const err = e as { name?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const folded =
    message
      .replace(/:\s*\n\s*-\s+/g, ': ')
      .replace(/\s*\n\s*-\s+/g, '; ')
      .replace(/\s*\n\s*/g, ' ')
      .trim() || '(no message)';
  const name = typeof err?.name === 'string' && err.name !== 'Error' ? `${err.name}: ` : '';
  return `litedao: ${name}${folded}`;
}

for (const cmd of [program, ...program.commands]) {
  cmd.exitOverride();
  // commander's own messages (unknown option, missing argument) go to stderr as one line and the hint.
  cmd.configureOutput({ outputError: (text, write) => write(text.replace(/\s*\n\s*(?=\S)/g, ' ').replace(/\s*$/, '\n')) });
}
try {
  if (process.argv.length <= 2) {
    // No command: one line and the hint, as for any other usage error (the full help is `litedao --help`).
    out.error(`litedao: no command given: one of ${program.commands.map((c) => c.name()).join(', ')}`);
    out.error('(run `litedao --help` or `litedao <command> --help` for the commands and options)');
    process.exitCode = 1;
  } else {
    await program.parseAsync(process.argv);
    process.exitCode = exitCode;
  }
} catch (e) {
  const err = e as { code?: string; exitCode?: number };
  if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
    process.exitCode = err.exitCode ?? 2;
  } else {
    out.error(errorLine(e));
    if (process.env.LITEDAO_DEBUG && e instanceof Error && e.stack) out.error(e.stack);
    process.exitCode = 1;
  }
}

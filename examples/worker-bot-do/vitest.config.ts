import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const chatDir = fileURLToPath(new URL('./chat-migrations/', import.meta.url));

/** The bot's own getMe answer, so grammY never calls getMe during tests. */
export const TEST_BOT_INFO = {
  id: 7000000002,
  is_bot: true,
  first_name: 'Litedao DO Test Bot',
  username: 'litedao_do_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: true,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
};

// The worker-bot-do lane: the Worker from wrangler.jsonc runs inside workerd with a real local D1 and its
// SQLite-backed ChatObject class (wrangler's `new_sqlite_classes`); the tests post Telegram updates to it and
// intercept the Bot API calls it makes.
export default defineConfig(async () => ({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: fileURLToPath(new URL('./wrangler.jsonc', import.meta.url)) },
      miniflare: {
        bindings: {
          BOT_TOKEN: '123456:TEST-TOKEN',
          WEBHOOK_SECRET: 'test-webhook-secret',
          BOT_INFO: JSON.stringify(TEST_BOT_INFO),
          // Read in Node, applied inside workerd by test/apply-migrations.ts (the plugin's documented pattern).
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          // The chat migrations as files on disk, to check src/chat-migrations.ts (what the Worker embeds) against.
          CHAT_MIGRATION_FILES: readdirSync(chatDir)
            .filter((f) => f.endsWith('.sql'))
            .sort()
            .map((name) => ({ name, sql: readFileSync(`${chatDir}${name}`, 'utf8') })),
        },
      },
    }),
  ],
  test: {
    name: 'worker-bot-do',
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/apply-migrations.ts'],
    // Hang guards sized for a loaded 2-core CI machine, never a speed verdict (vitest's default is 5 s).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
}));

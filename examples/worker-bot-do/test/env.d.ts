// Types for the test lane: the Worker's bindings (wrangler.jsonc) plus the test-only ones vitest.config.ts
// adds, and the main module, so `exports.default.fetch()` from `cloudflare:workers` is typed.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    CHATS: DurableObjectNamespace<import('../src/chat-object.ts').ChatObject>;
    BOT_TOKEN: string;
    WEBHOOK_SECRET: string;
    BOT_INFO: string;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    CHAT_MIGRATION_FILES: { name: string; sql: string }[];
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index.ts');
  }
}

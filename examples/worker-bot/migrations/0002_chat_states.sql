-- Generated from src/models.ts with createAllSql(models) from @litedao/core; test/migration.test.ts fails when
-- the two drift apart. Apply with: wrangler d1 migrations apply worker-bot [--local | --remote]

CREATE TABLE IF NOT EXISTS "chat_states" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "key" TEXT NOT NULL,
  "value" TEXT NOT NULL,
  "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')),
  "updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')),
  UNIQUE ("key")
);

CREATE TRIGGER IF NOT EXISTS "chat_states_touch_updated_at" AFTER UPDATE ON "chat_states" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "chat_states" SET "updated_at" = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE "id" = NEW."id"; END;

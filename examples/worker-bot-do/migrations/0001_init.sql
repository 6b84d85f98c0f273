-- Generated from src/models.ts (globalModels) with createAllSql from @litedao/core; test/migration.test.ts fails
-- when the two drift apart. Apply with: wrangler d1 migrations apply worker-bot-do [--local | --remote]

CREATE TABLE IF NOT EXISTS "users" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "telegram_id" INTEGER NOT NULL,
  "username" TEXT,
  "first_name" TEXT NOT NULL,
  "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')),
  "updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')),
  UNIQUE ("telegram_id")
);

CREATE TRIGGER IF NOT EXISTS "users_touch_updated_at" AFTER UPDATE ON "users" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "users" SET "updated_at" = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE "id" = NEW."id"; END;

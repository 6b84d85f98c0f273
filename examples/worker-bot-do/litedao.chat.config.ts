// Each chat's database (inside its Durable Object): `litedao generate --config litedao.chat.config.ts` writes the
// next migration into chat-migrations/ from src/chat-models.ts, then `node scripts/embed-chat-migrations.ts`
// makes them part of the Worker (src/chat-migrations.ts); every ChatObject applies pending files when it starts.
import { defineConfig } from 'litedao';

export default defineConfig({ models: './src/chat-models.ts', migrationsDir: './chat-migrations' });

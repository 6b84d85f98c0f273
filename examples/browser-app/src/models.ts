/**
 * The app's one model: a note that can be ticked off and pinned to the top. Table `notes`, with id, created_at,
 * updated_at. `migrations/` is generated from it with `litedao generate`; the app applies it at startup.
 */
import { declarativeBase, t } from '@litedao/core';

export const Base = declarativeBase();

export class Note extends Base('Note', {
  text: t.text(),
  done: t.boolean().default(false),
  /** Pinned notes are listed first (added by migrations/0002_add_pinned.sql). */
  pinned: t.boolean().default(false),
}) {}

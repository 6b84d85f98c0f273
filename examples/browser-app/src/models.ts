/** The app's one model: a note that can be ticked off. Table `notes`, with id, created_at, updated_at. */
import { declarativeBase, t } from '@litedao/core';

export const Base = declarativeBase();

export class Note extends Base('Note', {
  text: t.text(),
  done: t.boolean().default(false),
}) {}

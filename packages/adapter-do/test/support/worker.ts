// The test lane's main Worker: the SQLite-backed Durable Object classes the tests run against (declared in
// vitest.config.ts with `useSQLite: true`, as `new_sqlite_classes` would in wrangler). Nothing here mocks
// the database: every statement runs on the object's own SQLite storage inside workerd.
import { DurableObject } from 'cloudflare:workers';
import { type AnyModel, BaseDAO, declarativeBase, type Insert, type Migration, t, type WriteResult } from '@litedao/core';
import { openDurableObjectDatabase } from '../../src/index.ts';
import { DatabaseObject } from '../../src/object.ts';

/** A bare SQLite-backed object: the tests reach its storage with `runInDurableObject`. */
export class ConformanceObject extends DurableObject {}

export const NotesBase = declarativeBase();

export class Note extends NotesBase('Note', {
  author: t.integer().index(),
  body: t.text(),
  stars: t.integer().default(0),
}) {}

export class NoteDAO extends BaseDAO(Note) {
  byAuthor(author: number): Promise<Note[]> {
    return this.findAll({ author });
  }

  /** A custom result holding objects and a write result: each arrives converted. */
  async summary(author: number): Promise<{ latest: Note | null; all: Note[]; starred: WriteResult; when: Date }> {
    const all = await this.findAll({ author });
    return { latest: all.at(-1) ?? null, all, starred: await this.update({ author }, { stars: 1 }), when: new Date(0) };
  }
}

/** An object built on the adapter's base class, with its DAOs served over RPC and one custom method. */
export class NotesObject extends DatabaseObject({ notes: NoteDAO }) {
  /**
   * One unit of work in one round trip: add a note and answer how many the author has now. Read-then-write, so
   * it runs in engine.transaction(): concurrent calls interleave at every await otherwise.
   */
  async addAndCount(input: Insert<typeof Note>): Promise<number> {
    return this.engine.transaction(async (s) => {
      const notes = new NoteDAO(s);
      const before = await notes.count({ author: input.author });
      await notes.add(input);
      return before + 1;
    });
  }

  /** The object's own name, read from `this.ctx`: a subclass reaches DurableObject's ctx through the base class. */
  whoAmI(): string | undefined {
    return this.ctx.id.name;
  }

  /** The same without the transaction: atomic writes, but the count it reads may be stale. */
  async addAndCountLoosely(input: Insert<typeof Note>): Promise<number> {
    return this.Session.begin(async (s) => {
      const notes = new NoteDAO(s);
      const before = await notes.count({ author: input.author });
      await notes.add(input);
      return before + 1;
    });
  }
}

/** What the next MigratedObject to start applies (tests set it; objects read it in their constructor). */
export const nextSchema: { files: Migration[]; models: AnyModel[] } = { files: [], models: [] };

/** An object whose schema comes from migration files, applied at every start. */
export class MigratedObject extends DurableObject {
  readonly db = openDurableObjectDatabase(this.ctx, {
    migrations: nextSchema.files.length ? nextSchema.files.slice() : undefined,
    models: nextSchema.models.slice(),
  });
}

export default {
  async fetch(): Promise<Response> {
    return new Response('litedao adapter-do test worker');
  },
} satisfies ExportedHandler;

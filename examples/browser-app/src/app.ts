/**
 * A small notes app on litedao in the browser: the database lives in a dedicated Worker on OPFS, so notes
 * survive reloads. Plain DOM, no framework, so the litedao part stays in view.
 */
import type { SahPoolSettings, WorkerDriver } from '@litedao/adapter-wasm';
import { createWorkerDriver } from '@litedao/adapter-wasm';
import {
  createEngine,
  createSessionMaker,
  type Engine,
  isDaoError,
  type MigrationSource,
  migrate,
  type SessionMaker,
  StorageUnavailableError,
} from '@litedao/core';
import { Note } from './models.ts';

/**
 * The migrations folder (`litedao generate` writes it from the models; wrangler's flat layout), bundled by Vite
 * as text. Applied at startup: files this database already has are skipped.
 */
const MIGRATIONS = import.meta.glob('../migrations/*.sql', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Options of {@link mountApp}; the defaults are what the real page uses. */
export interface AppOptions {
  /** Database file in the OPFS pool. Default `/notes.db`. */
  readonly filename?: string;
  /** SAH-pool VFS settings (tests give each run its own pool). */
  readonly vfs?: SahPoolSettings;
  /** The migrations to apply at startup. Default: `migrations/*.sql`. */
  readonly migrations?: MigrationSource;
}

/** A mounted app. `close()` closes the database (handing OPFS to the next page) and stops the Worker. */
export interface MountedApp {
  readonly engine: Engine | undefined;
  close(): Promise<void>;
}

const STYLE = `
  .notes { font: 16px/1.4 system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; color: #1d2433; }
  .notes h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  .notes .status { color: #5b6478; font-size: .85rem; margin: 0 0 1rem; }
  .notes form { display: flex; gap: .5rem; margin-bottom: 1rem; }
  .notes input[type=text] { flex: 1; padding: .5rem .6rem; border: 1px solid #c6ccd8; border-radius: 6px; font: inherit; }
  .notes button { padding: .45rem .8rem; border: 1px solid #3b6fd8; background: #3b6fd8; color: #fff; border-radius: 6px; font: inherit; cursor: pointer; }
  .notes button.secondary { background: #fff; color: #3b6fd8; }
  .notes ul { list-style: none; padding: 0; margin: 0; }
  .notes li { display: flex; align-items: center; gap: .5rem; padding: .5rem 0; border-bottom: 1px solid #e6e9ef; }
  .notes li span { flex: 1; }
  .notes li.done span { text-decoration: line-through; color: #8a93a6; }
  .notes .error { color: #b42318; background: #fef3f2; padding: .5rem .75rem; border-radius: 6px; }
  .notes .count { color: #5b6478; font-size: .85rem; }
`;

/**
 * Renders the app into `root` and opens the database. Never throws: a storage problem (another tab holds
 * the database, no OPFS) is shown in the page.
 */
export async function mountApp(root: HTMLElement, options: AppOptions = {}): Promise<MountedApp> {
  root.innerHTML = `
    <style>${STYLE}</style>
    <main class="notes">
      <h1>Notes</h1>
      <p class="status" data-testid="status">Opening the database…</p>
      <p class="status" data-testid="schema"></p>
      <form data-testid="add-form">
        <input type="text" name="text" data-testid="new-note" placeholder="What needs doing?" autocomplete="off" disabled />
        <button type="submit" data-testid="add" disabled>Add</button>
      </form>
      <p class="error" role="alert" data-testid="error" hidden></p>
      <ul data-testid="notes"></ul>
      <p class="count" data-testid="count"></p>
    </main>`;
  const $ = <E extends Element>(testId: string): E => root.querySelector<E>(`[data-testid="${testId}"]`) as E;
  const status = $<HTMLParagraphElement>('status');
  const schema = $<HTMLParagraphElement>('schema');
  const errorBox = $<HTMLParagraphElement>('error');
  const list = $<HTMLUListElement>('notes');
  const count = $<HTMLParagraphElement>('count');
  const form = $<HTMLFormElement>('add-form');
  const input = $<HTMLInputElement>('new-note');
  const addButton = $<HTMLButtonElement>('add');

  const showError = (error: unknown): void => {
    errorBox.hidden = false;
    errorBox.textContent =
      error instanceof StorageUnavailableError
        ? `Storage unavailable: ${error.message}`
        : isDaoError(error)
          ? `${error.name}: ${error.message}`
          : String(error);
  };

  const worker = new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' });
  let driver: WorkerDriver;
  try {
    driver = await createWorkerDriver(worker, { filename: options.filename ?? '/notes.db', vfs: options.vfs });
  } catch (error) {
    worker.terminate();
    status.textContent = 'No database.';
    showError(error);
    return { engine: undefined, close: async () => {} };
  }
  const engine = createEngine(driver);
  const Session: SessionMaker = createSessionMaker(engine);

  /** Runs one unit of work and re-renders; errors are shown, not thrown. */
  const unitOfWork = async (work: (session: ReturnType<SessionMaker>) => Promise<void>): Promise<void> => {
    const session = Session();
    try {
      await work(session);
      await session.commit();
      errorBox.hidden = true;
    } catch (error) {
      showError(error);
    } finally {
      await session.close();
    }
    await render();
  };

  const render = async (): Promise<void> => {
    const session = Session();
    try {
      const notes = await session
        .select(Note)
        .orderBy([{ pinned: 'desc' }, { id: 'asc' }])
        .all();
      list.replaceChildren(...notes.map(renderNote));
      const open = notes.filter((n) => !n.done).length;
      count.textContent = `${notes.length} note${notes.length === 1 ? '' : 's'}, ${open} open`;
    } finally {
      await session.close();
    }
  };

  const renderNote = (note: Note): HTMLLIElement => {
    const li = document.createElement('li');
    li.dataset.testid = 'note';
    li.dataset.id = String(note.id);
    li.classList.toggle('done', note.done);
    const toggle = Object.assign(document.createElement('input'), { type: 'checkbox', checked: note.done });
    toggle.dataset.testid = 'toggle';
    toggle.setAttribute('aria-label', `Done: ${note.text}`);
    toggle.addEventListener('change', () =>
      unitOfWork(async (s) => {
        const n = await s.getOrThrow(Note, note.id);
        n.done = toggle.checked;
      }),
    );
    const text = Object.assign(document.createElement('span'), { textContent: note.text });
    text.dataset.testid = 'note-text';
    const edit = button('Edit', 'edit', () => {
      const field = Object.assign(document.createElement('input'), { type: 'text', value: note.text });
      field.dataset.testid = 'edit-input';
      const save = button('Save', 'save', () =>
        unitOfWork(async (s) => {
          const n = await s.getOrThrow(Note, note.id);
          n.text = field.value.trim() || n.text;
        }),
      );
      field.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') save.click();
      });
      li.replaceChildren(toggle, field, save);
      field.focus();
    });
    li.classList.toggle('pinned', note.pinned);
    const pin = button(note.pinned ? 'Unpin' : 'Pin', 'pin', () =>
      unitOfWork(async (s) => {
        const n = await s.getOrThrow(Note, note.id);
        n.pinned = !n.pinned;
      }),
    );
    const remove = button('Delete', 'delete', () =>
      unitOfWork(async (s) => {
        s.delete(await s.getOrThrow(Note, note.id));
      }),
    );
    li.append(toggle, text, edit, pin, remove);
    return li;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void unitOfWork(async (s) => {
      s.add(new Note({ text }));
    });
  });

  try {
    const migrated = await migrate(engine, options.migrations ?? MIGRATIONS);
    schema.textContent = migrated.applied.length
      ? `Migrated: ${migrated.applied.join(', ')}`
      : `Schema up to date (${migrated.alreadyApplied.at(-1) ?? 'no migrations'})`;
    await render();
    status.textContent = `Saved in OPFS (${driver.storage}, ${driver.filename}) · SQLite ${driver.sqliteVersion}`;
    input.disabled = false;
    addButton.disabled = false;
  } catch (error) {
    showError(error);
  }

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    window.removeEventListener('pagehide', onPageHide);
    await engine.close().catch(() => {});
    worker.terminate();
  };
  // Hand the OPFS pool over to the next page (reload, another tab) as early as possible.
  const onPageHide = (): void => void close();
  window.addEventListener('pagehide', onPageHide);
  return { engine, close };
}

function button(label: string, testId: string, onClick: () => unknown): HTMLButtonElement {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: label, className: 'secondary' });
  b.dataset.testid = testId;
  b.addEventListener('click', () => void onClick());
  return b;
}

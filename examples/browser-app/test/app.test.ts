import { createWorkerDriver } from '@litedao/adapter-wasm';
import { createEngine, createSessionMaker, migrate, sql } from '@litedao/core';
import { expect, it } from 'vitest';
import { page } from 'vitest/browser';
import first from '../migrations/0001_init.sql?raw';

/** Loads the real app page in an iframe and resolves once it has (re)loaded. */
function loaded(frame: HTMLIFrameElement): Promise<void> {
  return new Promise((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
}

function noteTexts(frame: HTMLIFrameElement): string[] {
  const doc = frame.contentDocument;
  return [...(doc?.querySelectorAll('[data-testid="note"]') ?? [])].map(
    (li) => li.querySelector('[data-testid="note-text"]')?.textContent ?? '',
  );
}

function doneFlags(frame: HTMLIFrameElement): boolean[] {
  const doc = frame.contentDocument;
  return [...(doc?.querySelectorAll<HTMLInputElement>('[data-testid="toggle"]') ?? [])].map((box) => box.checked);
}

it('adds, edits, ticks off and deletes notes, and they survive a reload (OPFS in a Worker)', async () => {
  const iframe = document.createElement('iframe');
  iframe.style.cssText = 'width: 860px; height: 640px; border: 0;';
  const firstLoad = loaded(iframe);
  iframe.src = '/index.html';
  document.body.append(iframe);
  await firstLoad;

  const app = page.frameLocator(page.elementLocator(iframe));
  await expect
    .element(
      app.getByTestId('status'),
      { timeout: 120_000 }, // a hang guard for a loaded CI machine, never a speed verdict
    )
    .toHaveTextContent(/Saved in OPFS \(opfs-sahpool/);
  expect(noteTexts(iframe)).toEqual([]);

  // Add three notes (the last one to delete later).
  await app.getByTestId('new-note').fill('Buy milk');
  await app.getByTestId('add').click();
  await expect.poll(() => noteTexts(iframe)).toEqual(['Buy milk']);
  await app.getByTestId('new-note').fill('Write the report');
  await app.getByTestId('add').click();
  await app.getByTestId('new-note').fill('Temporary');
  await app.getByTestId('add').click();
  await expect.poll(() => noteTexts(iframe)).toEqual(['Buy milk', 'Write the report', 'Temporary']);

  // Edit the first note.
  await app.getByTestId('edit').first().click();
  await app.getByTestId('edit-input').fill('Buy oat milk');
  await app.getByTestId('save').click();
  await expect.poll(() => noteTexts(iframe)).toEqual(['Buy oat milk', 'Write the report', 'Temporary']);

  // Tick off the second, delete the third.
  await app.getByTestId('toggle').nth(1).click();
  await expect.poll(() => doneFlags(iframe)).toEqual([false, true, false]);
  await app.getByTestId('delete').nth(2).click();
  await expect.poll(() => noteTexts(iframe)).toEqual(['Buy oat milk', 'Write the report']);
  await expect.element(app.getByTestId('count')).toHaveTextContent('2 notes, 1 open');

  // Reload the page: its Worker dies, a new page starts a new Worker that reopens the OPFS file.
  const reloaded = loaded(iframe);
  iframe.contentWindow?.location.reload();
  await reloaded;
  await expect
    .element(
      app.getByTestId('status'),
      { timeout: 120_000 }, // a hang guard for a loaded CI machine, never a speed verdict
    )
    .toHaveTextContent(/Saved in OPFS/);
  await expect.poll(() => noteTexts(iframe)).toEqual(['Buy oat milk', 'Write the report']);
  expect(doneFlags(iframe)).toEqual([false, true]);
  expect(iframe.contentDocument?.querySelector('[data-testid="error"]')?.hasAttribute('hidden')).toBe(true);

  const path = await page.elementLocator(iframe).screenshot({ path: '__screenshots__/notes-after-reload.png' });
  expect(path).toMatch(/notes-after-reload\.png$/);
});

it('migrates at startup: a database at 0001 with notes gets 0002 and 0003 when the new app opens it, and keeps its data across a reload', async () => {
  // The previous test's page still holds the OPFS pool: unload it (its pagehide closes the database).
  for (const f of document.querySelectorAll('iframe')) f.remove();

  // An older version of the app: only 0001 applied, two notes written.
  const worker = new Worker(new URL('../src/db.worker.ts', import.meta.url), { type: 'module' });
  const engine = createEngine(await createWorkerDriver(worker, { filename: '/migrate-story.db' }));
  expect((await migrate(engine, { '../migrations/0001_init.sql': first })).applied).toEqual(['0001_init.sql']);
  await createSessionMaker(engine).begin(async (s) => {
    await s.execute(sql`INSERT INTO notes (text, done) VALUES (${'Old note'}, 1), (${'Another old note'}, 0)`);
  });
  await engine.close();
  worker.terminate();

  // The current app opens the same file: it applies 0002, 0003 and 0004 at startup; the notes are all there.
  const iframe = document.createElement('iframe');
  iframe.style.cssText = 'width: 860px; height: 640px; border: 0;';
  const firstLoad = loaded(iframe);
  iframe.src = '/index.html?db=/migrate-story.db';
  document.body.append(iframe);
  await firstLoad;
  const app = page.frameLocator(page.elementLocator(iframe));
  await expect
    .element(app.getByTestId('schema'), { timeout: 20_000 })
    .toHaveTextContent('Migrated: 0002_add_pinned.sql, 0003_touch_trigger_shortcut.sql, 0004_touch_trigger_cheap_now.sql');
  await expect.poll(() => noteTexts(iframe)).toEqual(['Old note', 'Another old note']);
  expect(doneFlags(iframe)).toEqual([true, false]);

  // The new column works: pin the second note, it moves to the top.
  await app.getByTestId('pin').nth(1).click();
  await expect.poll(() => noteTexts(iframe)).toEqual(['Another old note', 'Old note']);

  // Reload: nothing left to apply, everything kept.
  const reloaded = loaded(iframe);
  iframe.contentWindow?.location.reload();
  await reloaded;
  await expect
    .element(app.getByTestId('schema'), { timeout: 20_000 })
    .toHaveTextContent('Schema up to date (0004_touch_trigger_cheap_now.sql)');
  await expect.poll(() => noteTexts(iframe)).toEqual(['Another old note', 'Old note']);
  expect(doneFlags(iframe)).toEqual([false, true]);
  expect(iframe.contentDocument?.querySelector('[data-testid="error"]')?.hasAttribute('hidden')).toBe(true);
});

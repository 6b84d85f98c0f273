import { expect, it } from 'vitest';
import { page } from 'vitest/browser';

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

// Nothing stored can break the editor for good: a stored graph that can't be opened (an id with
// a quote, which used to blank the page at every load; text that is not a graph) is set aside
// and offered for download until discarded, with the example open meanwhile; a storage upgraded
// by a newer seqgraph is said, with how to keep the work; a graph that fails to draw gets a page
// that offers it for download and a way out. Screenshots: docs/screenshots/recovery-*.png.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { node, openEditor, shot } from './helpers';

/** Writes `text` as the stored graph (as autosave would), then reloads. */
async function storeAndReload(page: Page, text: string): Promise<void> {
  await page.evaluate(
    (text) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('seqgraph', 1);
        req.onsuccess = () => {
          const tx = req.result.transaction('autosave', 'readwrite');
          tx.objectStore('autosave').put({ text, savedAt: Date.UTC(2026, 0, 2, 3, 4) }, 'current');
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        req.onerror = () => reject(req.error);
      }),
    text,
  );
  await page.goto('/');
}

function quoteIdGraph(): string {
  const g = JSON.parse(readFileSync('tests/fixtures/graphs/pos-tagger.json', 'utf8'));
  const old = g.nodes[2].id;
  g.nodes[2].id = 'lstm"1';
  for (const e of g.edges) for (const end of [e.source, e.target]) if (end.node === old) end.node = 'lstm"1';
  if (g.weights?.[old]) {
    g.weights['lstm"1'] = g.weights[old];
    delete g.weights[old];
  }
  return JSON.stringify(g);
}

test('a stored graph with a quote in an id: the editor opens, says why, keeps it for download until discarded', async ({ page }) => {
  await openEditor(page, '/?fresh');
  const text = quoteIdGraph();
  await storeAndReload(page, text);

  // the editor is up, with the example, and says what happened
  await expect(node(page, 'name')).toBeVisible();
  const notice = page.getByTestId('recovery-notice');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('could not be opened');
  await expect(page.getByTestId('recovery-problems')).toContainText('CSS selectors');
  await shot(page, 'recovery-unreadable');

  // the graph, exactly as it was stored
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('recovery-download').click()]);
  expect(download.suggestedFilename()).toMatch(/^pos-tagger-unreadable-2026-01-02-03-04\.json$/);
  expect(readFileSync(await download.path(), 'utf8')).toBe(text);

  // "Later": edits are saved as usual, and the set-aside graph is offered again at the next start
  await page.getByTestId('recovery-later').click();
  await expect(notice).toBeHidden();
  await page.getByTestId('graph-name').fill('after-recovery');
  await page.getByTestId('graph-name').press('Enter');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved');
  await page.reload();
  await expect(page.getByTestId('graph-name')).toHaveValue('after-recovery');
  await expect(page.getByTestId('recovery-notice')).toBeVisible();
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('recovery-download').click()]);
  expect(readFileSync(await again.path(), 'utf8')).toBe(text);

  // discarded for good (after a confirmation)
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('recovery-discard').click();
  await expect(page.getByTestId('recovery-notice')).toBeHidden();
  await page.reload();
  await expect(page.getByTestId('graph-name')).toHaveValue('after-recovery');
  await page.waitForTimeout(300);
  await expect(page.getByTestId('recovery-notice')).toBeHidden();
});

test('a stored record that is not a graph at all is set aside too, listed with why', async ({ page }) => {
  await openEditor(page, '/?fresh');
  await storeAndReload(page, '{"format": "seqgraph", "nodes": [');
  await expect(node(page, 'name')).toBeVisible();
  await expect(page.getByTestId('recovery-problems')).toContainText('not valid JSON');
});

test('a file with a quote in an id is refused, saying why', async ({ page }) => {
  await openEditor(page, '/?fresh');
  await page.getByTestId('file-input').setInputFiles({ name: 'quoted.json', mimeType: 'application/json', buffer: Buffer.from(quoteIdGraph()) });
  await expect(page.getByTestId('problems-list')).toContainText('CSS selectors');
  await page.keyboard.press('Escape');
  await expect(node(page, 'name')).toBeVisible();
});

test('storage upgraded by a newer seqgraph: a banner says why, how to keep the work and how to get autosave back', async ({ page }) => {
  await openEditor(page, '/?fresh');
  // a newer seqgraph upgrades the database (the open page lets it: it closes its connection)
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('seqgraph', 7);
        req.onupgradeneeded = () => req.result.createObjectStore('v7-things');
        req.onsuccess = () => (req.result.close(), resolve());
        req.onerror = () => reject(req.error);
      }),
  );
  await page.reload();
  await expect(node(page, 'name')).toBeVisible();
  const banner = page.getByTestId('storage-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('a newer seqgraph');
  await expect(banner).toContainText('storage version 7; this one reads 1');
  await expect(banner).toContainText('Save (Ctrl+S)');
  await expect(banner).toContainText('clear this site’s data');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'error');
  await shot(page, 'recovery-storage-newer');

  // an edit is not lost silently: leaving the page asks first
  await page.getByTestId('graph-name').fill('unsaved-work');
  await page.getByTestId('graph-name').press('Enter');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('title', /Not saved: .*newer seqgraph/);
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => (resolve(d.type()), void d.dismiss())));
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
});

test('storage full: the banner says so, edits wait for Save; once there is room, autosave resumes and nothing is lost', async ({ page }) => {
  // a full disk, as the browser says it: put() throws QuotaExceededError while window.__full is set
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if ((window as unknown as { __full?: boolean }).__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    };
  });
  await openEditor(page, '/?fresh');
  await page.evaluate(() => ((window as unknown as { __full: boolean }).__full = true));
  await page.getByTestId('graph-name').fill('work-on-a-full-disk');
  await page.getByTestId('graph-name').press('Enter');
  const banner = page.getByTestId('storage-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toHaveAttribute('data-kind', 'write-failed');
  await expect(banner).toContainText('storage is full');
  await expect(banner).toContainText('QuotaExceededError');
  await expect(banner).toContainText('Save (Ctrl+S)');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'error');
  await shot(page, 'recovery-storage-full');

  // room again: the next edit is stored, the banner goes, and a reload brings the work back
  await page.evaluate(() => ((window as unknown as { __full: boolean }).__full = false));
  await page.getByTestId('graph-name').fill('work-kept');
  await page.getByTestId('graph-name').press('Enter');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved');
  await expect(banner).toBeHidden();
  await page.goto('/');
  await expect(page.getByTestId('graph-name')).toHaveValue('work-kept');
});

test('no storage at all (blocked by the browser): the editor opens and says autosave is off and why', async ({ page }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    };
  });
  await openEditor(page, '/');
  await expect(node(page, 'name')).toBeVisible();
  const banner = page.getByTestId('storage-banner');
  await expect(banner).toHaveAttribute('data-kind', 'unavailable');
  await expect(banner).toContainText('no storage');
  await expect(banner).toContainText('denied permission');
  await expect(banner).toContainText('Save (Ctrl+S)');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'error');
});

/** Breaks drawing: a document the canvas can't draw (params that are not an object) stands for any drawing bug. */
async function breakDrawing(page: Page): Promise<void> {
  await page.evaluate(() => {
    const app = (window as unknown as { seqgraph: { graph: { doc: { nodes: { params: unknown }[] }; commit(d: unknown, o: unknown): void } } }).seqgraph;
    const d = structuredClone(app.graph.doc);
    d.nodes[1].params = null;
    app.graph.commit(d, { load: true });
  });
}

test('a graph that fails to draw: a page that offers it for download, and saves it and reloads without losing it', async ({ page }) => {
  await openEditor(page, '/?fresh');
  await breakDrawing(page);
  const crash = page.getByTestId('crash-screen');
  await expect(crash).toBeVisible();
  await expect(crash).toContainText('could not show “name-gender”');
  await shot(page, 'recovery-crash');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('crash-download').click()]);
  const saved = readFileSync(await download.path(), 'utf8');
  expect(JSON.parse(saved).nodes[1].params).toBeNull();

  // save and reload: the graph is stored as it was; this one can't be opened, so it is set aside
  // and offered for download (exactly what was downloaded above), with the example open meanwhile
  await page.getByTestId('crash-reload').click();
  await expect(page.getByTestId('recovery-notice')).toBeVisible();
  await expect(node(page, 'name')).toBeVisible();
  await expect(page.getByTestId('recovery-problems')).toContainText('params');
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('recovery-download').click()]);
  expect(readFileSync(await again.path(), 'utf8')).toBe(saved);
});

test('a graph that fails to draw: "open the example instead" keeps it for download', async ({ page }) => {
  await openEditor(page, '/?fresh');
  await breakDrawing(page);
  await expect(page.getByTestId('crash-screen')).toBeVisible();
  await page.getByTestId('crash-example').click();
  await expect(node(page, 'name')).toBeVisible();
  await expect(page.getByTestId('recovery-notice')).toBeVisible();
  await expect(page.getByTestId('recovery-problems')).toContainText('the editor failed to show it');
});

// Worker threads in the editor (issue 13): `vite preview` sends COOP/COEP, so the page is
// cross-origin isolated and the run worker starts a pool of kernel threads (the run panel says
// how many); served without those headers, runs still work on one thread and the panel says why.
import { expect, test } from '@playwright/test';
import { openEditor, openGalleryGraph, shot } from './helpers';

async function runName(page: import('@playwright/test').Page): Promise<void> {
  await openGalleryGraph(page, 'name-gender', false);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Sophia\nOliver\nMaria');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
}

test('cross-origin isolated: the run worker has a pool of kernel threads', async ({ page }) => {
  await openEditor(page);
  expect(await page.evaluate(() => crossOriginIsolated), 'vite preview sends COOP/COEP').toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await runName(page);
  const threads = page.getByTestId('run-threads');
  await expect(threads).toHaveText(cores > 1 ? ` · up to ${Math.min(cores, 8)} threads` : ' · 1 thread');
  await expect(threads).toHaveAttribute('title', /split their work/);
  await shot(page, 'run-threads');
});

test('without the headers: runs work on one thread and the panel says why', async ({ page }) => {
  // the same build, its responses stripped of COOP/COEP: the page is not isolated
  await page.route('**/*', async (route) => {
    const res = await route.fetch();
    const headers = { ...res.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response: res, headers });
  });
  await openEditor(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await runName(page);
  // the same probabilities are shown; the note names the reason
  await expect(page.getByTestId('output-probs')).toBeVisible();
  const threads = page.getByTestId('run-threads');
  await expect(threads).toHaveText(' · 1 thread (the page is not cross-origin isolated)');
  await expect(threads).toHaveAttribute('title', /Cross-Origin-Opener-Policy: same-origin/);
});

// The gallery (issue 11): the editor on a fresh machine opens on a trained example, name-gender,
// and the gallery lists exactly the trained examples in graphs/ — the test-only graphs in
// tests/fixtures/graphs/ are not offered there (they open with Open file).
import { readdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openEditor, shot } from './helpers';
import { GALLERY_IDS } from './first-use-helpers';

test('a fresh editor opens on name-gender; the gallery lists exactly graphs/, no test-only graph', async ({ page }) => {
  await openEditor(page, '/?fresh');
  await expect(page.getByTestId('graph-name')).toHaveValue('name-gender');

  await page.getByTestId('action-openGallery').click();
  const cards = page.getByTestId('gallery').locator('.sg-gallery-card');
  await expect(cards).toHaveCount(GALLERY_IDS.length);
  const ids = (await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).map((t) => t!.replace(/^gallery-/, ''));
  expect(ids.sort()).toEqual(GALLERY_IDS);
  for (const f of readdirSync('tests/fixtures/graphs').filter((f) => f.endsWith('.json'))) {
    await expect(page.getByTestId(`gallery-${f.replace(/\.json$/, '')}`)).toHaveCount(0);
  }
  await shot(page, 'gallery');
});

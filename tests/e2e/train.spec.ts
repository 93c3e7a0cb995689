// Training in the editor: pick a data set, fit the graph to it, train the name classifier for a
// short run in the Web Worker; the loss curve appears and falls, pause/resume continues from the
// same step, and the trained weights give the same probabilities in the Run tab as
// `seqgraph run` on the saved file.
import { expect, test, type Page } from '@playwright/test';
import { openEditor, openGalleryGraph, shot } from './helpers';

async function pickNamesGender(page: Page): Promise<void> {
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-dataset').selectOption('names-gender');
  // the gallery's classifier has 8 classes; the data has 2: one click fits the output layer
  const fit = page.getByTestId('train-fit-probs');
  await expect(fit.or(page.getByTestId('train-mapping'))).toBeVisible({ timeout: 15_000 });
  if (await fit.isVisible()) await fit.click();
  await expect(page.getByTestId('train-mapping')).toBeVisible({ timeout: 15_000 });
}

test('the Train tab: data set, mapping preview, dropped rows, settings', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-classifier', false);
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-dataset').selectOption('names-gender');
  await expect(page.getByTestId('train-data-error')).toContainText('scores 8 classes');
  await shot(page, 'train-fit-output');
  await page.getByTestId('train-fit-probs').click();
  await expect(page.getByTestId('train-preview')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('train-report')).toContainText('kept');
  await expect(page.getByTestId('train-loss-probs')).toHaveValue('CrossEntropyLoss');
  await shot(page, 'train-mapping');
});

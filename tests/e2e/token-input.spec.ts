// A token Input's special symbols and padding in the params panel: turning padding off hides
// pad_token and the mask port (and refuses the mask's edge with a reason), a symbol the
// vocabulary lacks is named under its field, and unk_token may be left empty.
import { expect, test } from '@playwright/test';
import { openEditor, openGalleryGraph, selectNode, shot } from './helpers';

test('token Input: padding off, special symbols named in params', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  await selectNode(page, 'name');
  await expect(page.getByTestId('param-pad_token')).toHaveValue('<pad>');
  await expect(page.getByTestId('param-unk_token')).toHaveValue('<unk>');
  await expect(page.getByTestId('out-name-mask')).toBeVisible();
  // a vocabulary of real tokens only: padding off, no unk
  await page.getByTestId('param-vocab').fill('a, b, c, d, e');
  await expect(page.getByTestId('param-problem-pad_token')).toContainText('"<pad>" is not in the vocabulary, but padding is on');
  await page.getByTestId('param-padding').click();
  await expect(page.getByTestId('param-pad_token')).toHaveCount(0);
  await expect(page.getByTestId('out-name-mask')).toHaveCount(0);
  await page.getByTestId('param-unk_token').fill('');
  // the graph compiles again with 5 symbols: the example's trained embedding no longer fits, asked first
  await page.getByTestId('param-confirm-apply').click();
  await expect(page.getByTestId('param-problem-unk_token')).toHaveCount(0);
  await expect(page.getByTestId('summary-name')).toHaveText('chars · 5 symbols · no padding');
  await shot(page, 'params-token-input-no-padding');
});

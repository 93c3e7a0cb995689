// The main screens, saved to docs/screenshots/ for the docs (and for a person to look at):
// the editor in light and dark, and the shortcuts overlay. The run panel, a refused connection
// and the params panel are saved by the tests that reach them (run, editor).
import { expect, test } from '@playwright/test';
import { node, openEditor, selectNode, shot } from './helpers';

test('editor, light and dark, and the help overlay', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openEditor(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await selectNode(page, 'encoder');
  await expect(node(page, 'encoder')).toHaveClass(/is-selected/);
  await shot(page, 'editor-light');

  await page.getByTestId('action-toggleTheme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shot(page, 'editor-dark');

  // the theme is remembered
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(node(page, 'encoder')).toBeVisible();
  await page.getByTestId('action-toggleTheme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('?');
  const help = page.getByTestId('help-overlay');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Undo');
  await expect(help).toContainText('Auto-layout');
  await shot(page, 'help-overlay');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});

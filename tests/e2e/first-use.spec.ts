// The first minutes in the editor (issue 15, "First use in the editor"): the graph fits the
// canvas at a readable zoom on every common screen, the right panel resizes and keeps the node
// being worked on in view, stale messages go when the problem goes, a stray node does not stop
// the rest of the graph, the default vocabulary reads ordinary text, and nothing the person made
// is replaced without a word.
import { expect, test, type Page } from '@playwright/test';
import { dragFromPalette, look, node, openEditor, openGalleryGraph, selectNode, shot } from './helpers';
import { GALLERY_IDS, canvasView, expectAllInView } from './first-use-helpers';

const READABLE = 0.65;

test('every example fits the canvas at a readable zoom at 1280×720, 1440×900 and 1920×1080 (load, open, reload)', async ({ page }) => {
  test.setTimeout(90_000); // a dozen graphs opened: slow on a busy machine
  await page.setViewportSize({ width: 1280, height: 720 });
  await openEditor(page);
  await expectAllInView(page, 'the example on load at 1280×720', READABLE);
  // a narrow window starts with the palette folded, so the canvas has room
  await expect(page.getByTestId('palette-toggle')).toHaveAttribute('aria-label', 'Show the node palette');
  for (const id of GALLERY_IDS) {
    await openGalleryGraph(page, id, false);
    await expectAllInView(page, `${id} at 1280×720`, READABLE);
  }
  await look(page, 'fit-1280');
  await openGalleryGraph(page, 'name-gender', false);
  await shot(page, 'fit-name-gender-1280');

  for (const [width, height] of [
    [1920, 1080],
    [1440, 900],
  ]) {
    await page.setViewportSize({ width, height });
    await openGalleryGraph(page, 'name-gender', false);
    await expectAllInView(page, `name-gender at ${width}×${height}`, READABLE);
    await openGalleryGraph(page, 'g2p-cmudict', false);
    await expectAllInView(page, `g2p-cmudict at ${width}×${height}`, READABLE);
  }
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved');
  await page.reload();
  await expect(node(page, 'decoder')).toBeVisible();
  await expectAllInView(page, 'g2p-cmudict after a reload at 1440×900', READABLE);
});

test('the right panel resizes by its edge and remembers its width', async ({ page }) => {
  await openEditor(page);
  const panel = page.locator('.sg-right');
  const before = (await panel.boundingBox())!;
  const edge = (await page.getByTestId('panel-resize').boundingBox())!;
  await page.mouse.move(edge.x + edge.width / 2, edge.y + 300);
  await page.mouse.down();
  await page.mouse.move(edge.x + edge.width / 2 - 120, edge.y + 300, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => Math.round((await panel.boundingBox())!.width)).toBe(Math.round(before.width + 120));
  await page.reload();
  await expect(node(page, 'encoder')).toBeVisible();
  await expect.poll(async () => Math.round((await panel.boundingBox())!.width)).toBe(Math.round(before.width + 120));
});

test('the selected node stays in view when the inspector opens wide, and when its panel is dragged wider', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
  await selectNode(page, 'encoder');
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-panel')).toHaveClass(/is-wide/);
  await expect.poll(async () => (await canvasView(page)).outside, { message: 'the inspected node is on screen' }).not.toContain('encoder');
  // drag the panel wider still: the node stays in view
  const e2 = (await page.getByTestId('panel-resize').boundingBox())!;
  await page.mouse.move(e2.x + e2.width / 2, e2.y + 300);
  await page.mouse.down();
  await page.mouse.move(e2.x + e2.width / 2 - 200, e2.y + 300, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await canvasView(page)).outside).not.toContain('encoder');
  await look(page, 'inspector-resized');
});

test('the "does not compile" box leaves the Run panel once the graph is fixed; Output port types follow upstream fixes', async ({ page }) => {
  await openEditor(page);
  await selectNode(page, 'embed');
  await page.getByTestId('param-padding_idx').fill('99');
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-error')).toContainText('The graph does not compile');
  await expect(page.getByTestId('run-error')).toContainText('padding_idx');
  await look(page, 'run-does-not-compile');
  // fixed: the box goes (the next run would compile)
  await page.getByTestId('tab-params').click();
  await page.getByTestId('param-padding_idx').fill('0');
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-error')).toHaveCount(0);

  // an Output's port type follows an upstream error and its fix, without the Output selected
  await page.getByTestId('tab-params').click();
  await page.getByTestId('param-padding_idx').fill('99');
  await expect(page.getByTestId('node-error-embed')).toBeVisible();
  await expect(page.getByTestId('in-probs-value')).toHaveAttribute('data-port-type', 'Sequence|Vector|Tokens|State');
  await look(page, 'output-port-upstream-error');
  await page.getByTestId('param-padding_idx').fill('0');
  await expect(page.getByTestId('node-error-embed')).toHaveCount(0);
  await expect(page.getByTestId('in-probs-value')).toHaveAttribute('data-port-type', 'Vector');
});

test('one stray node does not stop Run, the ONNX check or Export; it shows as a warning', async ({ page }) => {
  await openEditor(page);
  await dragFromPalette(page, 'LSTM', { x: 120, y: 650 });
  await expect(node(page, 'LSTM')).toBeVisible();
  await expect(page.getByTestId('node-warning-LSTM')).toContainText('LSTM does not lead to any Output, so it does not run');
  await expect(page.getByTestId('node-warning-LSTM')).toHaveAttribute('title', /LSTM.input is not connected/);
  await expect(node(page, 'LSTM')).toHaveClass(/has-warning/);
  await expect(page.getByTestId('status-summary')).toHaveText('compiles');
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('onnx-check-button')).toBeEnabled();
  await expect(page.getByTestId('onnx-export-button')).toBeEnabled();
  await page.getByTestId('run-input-name').fill('Rossi');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('output-probs').getByTestId('class-row')).toHaveCount(2);
  await look(page, 'stray-node');
});

test('a new graph reads printable ASCII; the run panel shows what the vocabulary lacks; "1 node", "1 error"', async ({ page }) => {
  await openEditor(page);
  // the name-gender classifier's vocabulary is lower-case letters and a few marks
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Núñez 2');
  await expect(page.getByTestId('run-unknown-name')).toHaveAttribute('data-symbols', 'úñ2');
  await expect(page.getByTestId('run-unknown-name')).toContainText('read as <unk>');
  await look(page, 'run-unknown-symbols');

  await page.getByTestId('action-newGraph').click();
  await expect(page.getByTestId('summary-text')).toHaveText('chars · 99 symbols');
  await page.getByTestId('run-input-text').fill('Hello, World 42!');
  await expect(page.getByTestId('run-unknown-text')).toHaveCount(0);
  await page.getByTestId('run-input-text').fill('naïve');
  await expect(page.getByTestId('run-unknown-text')).toHaveAttribute('data-symbols', 'ï');

  // counts are singular when they are one: "1 node", "1 error"
  await selectNode(page, 'output');
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('status-bar')).toContainText('1 node · 0 edges');
  await expect(page.getByTestId('status-summary')).toHaveText('1 error');
  await page.getByTestId('tab-params').click();
  await expect(page.getByTestId('graph-overview')).toContainText('1 error · 0 warnings');
});

test('new graph, opening an example or a file never replace unsaved work without a word: Undo brings it back', async ({ page }) => {
  await openEditor(page);
  const name = page.getByTestId('graph-name');
  await name.fill('my-names');
  await name.press('Enter');
  await openGalleryGraph(page, 'stress-tagger', false);
  const toast = page.getByTestId('toast').filter({ hasText: 'Undo brings it back' });
  await expect(toast).toContainText('“my-names”');
  await look(page, 'open-undo-message');
  await toast.getByTestId('toast-action').click();
  await expect(name).toHaveValue('my-names');
  await expect(node(page, 'encoder')).toBeVisible();

  // a new graph: the same, and Ctrl+Z works as the message says
  await page.getByTestId('action-newGraph').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Undo brings it back' })).toBeVisible();
  await expect(node(page, 'encoder')).toHaveCount(0);
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('ControlOrMeta+z');
  await expect(name).toHaveValue('my-names');
  await expect(node(page, 'encoder')).toBeVisible();

  // an untouched example is replaced quietly (nothing is lost)
  await openGalleryGraph(page, 'stress-tagger', false);
  await openGalleryGraph(page, 'co2-forecaster', false);
  await expect(page.getByTestId('toast').filter({ hasText: 'unsaved work on “stress-tagger”' })).toHaveCount(0);
});

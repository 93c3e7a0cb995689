import { chromium } from '@playwright/test';
import { writeFileSync, readFileSync } from 'node:fs';
const n = process.argv[2] ?? '2000';
const prof = process.argv[3] === 'prof';
const profEdit = process.argv[3] === 'profedit';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('console:', m.text().slice(0, 200)); });
await page.goto('http://127.0.0.1:4286/?fresh');
await page.waitForSelector('.react-flow__node');
await page.waitForTimeout(500);
const cdp = await page.context().newCDPSession(page);
if (prof) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
const t0 = Date.now();
await page.getByTestId('file-input').setInputFiles(`/tmp/rel/editor-${n}.json`);
await page.waitForFunction((n) => window.seqgraph?.graph.doc.nodes.length === Number(n), n, { timeout: 600000, polling: 100 });
const t1 = Date.now();
// until the main thread is free again: a frame renders
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
const t2 = Date.now();
console.log('renders', JSON.stringify(await page.evaluate(() => window.__r)));
console.log('opened (doc)', t1 - t0, 'ms; first frame after', t2 - t0, 'ms; DOM nodes', await page.locator('.react-flow__node').count());
if (profEdit) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
// an edit: change a Dense's units through the action
const editMs = await page.evaluate(async () => {
  const app = window.seqgraph;
  const id = app.graph.doc.nodes.find((x) => x.type === 'Dense').id;
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    app.perform('setParam', { id, key: 'units', value: 17 + i });
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t);
  }
  return times;
});
console.log('renders after edits', JSON.stringify(await page.evaluate(() => window.__r)));
console.log('edit ms', editMs.map((x) => x.toFixed(0)).join(' '));
if (prof || profEdit) { const { profile } = await cdp.send('Profiler.stop'); writeFileSync('/tmp/rel/chrome.cpuprofile', JSON.stringify(profile)); }
await browser.close();

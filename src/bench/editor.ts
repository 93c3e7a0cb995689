// The editor's size bench: the built app (dist/, built first when missing) served by Vite's
// preview server and driven in Chromium by Playwright; a 2,000-node graph opened, edited and
// moved (editor-measure.ts says what is timed). Targets on this project's 2-core VM: open in
// under 3 s, an edit under 100 ms.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { editorGraph } from './editor-graph';
import { timeEditor, type EditorTimes } from './editor-measure';

export const EDITOR_NODES = [1000, 2000];

export async function editorBench(root: string, log: (s: string) => void): Promise<EditorTimes[] | string> {
  let pw: typeof import('@playwright/test');
  try {
    pw = await import('@playwright/test');
  } catch {
    return 'Playwright is not installed';
  }
  const dist = path.join(root, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    log('  building the app (vite build) ...');
    execFileSync('npx', ['vite', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const { preview } = await import('vite');
  const server = await preview({ root, logLevel: 'silent', preview: { port: 0, host: '127.0.0.1', strictPort: false }, build: { outDir: dist } });
  const url = server.resolvedUrls?.local[0];
  if (!url) return 'the preview server did not start';
  const chromiumPath = '/usr/bin/chromium';
  const browser = await pw.chromium.launch({ ...(existsSync(chromiumPath) ? { executablePath: chromiumPath } : {}), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const out: EditorTimes[] = [];
    for (const n of EDITOR_NODES) {
      log(`  editor: ${n} nodes ...`);
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${url}?fresh`);
      await page.waitForSelector('.react-flow__node');
      out.push(await timeEditor(page, JSON.stringify(editorGraph(n))));
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

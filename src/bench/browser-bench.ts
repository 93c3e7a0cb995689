// `npm run bench -- --browser`: the layer cases in Chromium, against onnxruntime-web in the same
// page. The page (browser-page.ts) and ort's 2-thread worker (browser-ort-worker.ts) are bundled
// with esbuild (what Vite ships) into a temporary folder and served on 127.0.0.1 with the COOP/COEP
// headers the app's own server sends (vite.config.ts), so the page is crossOriginIsolated and
// can use SharedArrayBuffer (threads). ort's .mjs/.wasm come from node_modules/onnxruntime-web/dist
// under /ort/ (never a CDN). Chromium is the system one (/usr/bin/chromium) through Playwright; the
// rows are computed in the page and printed here with the Node bench's table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { summaryLines, table } from './measure';
import type { PageOptions, PageResult } from './browser-page';

const CHROMIUM = '/usr/bin/chromium';
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

async function bundle(root: string, out: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { 'browser-page': path.join(root, 'src/bench/browser-page.ts'), 'browser-ort-worker': path.join(root, 'src/bench/browser-ort-worker.ts') },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: out, logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(path.join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>seqgraph bench</title><script type="module" src="/browser-page.js"></script>\n');
}

function serve(root: string, out: string): Promise<http.Server> {
  const ortDist = path.join(root, 'node_modules/onnxruntime-web/dist');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    if (url === '/favicon.ico') {
      res.writeHead(204, ISOLATION_HEADERS).end(); // no console 404 in the page's log
      return;
    }
    const file = url.startsWith('/ort/') ? path.join(ortDist, path.basename(url)) : path.join(out, url === '/' ? 'index.html' : path.basename(url));
    if (!existsSync(file)) {
      res.writeHead(404, ISOLATION_HEADERS).end();
      return;
    }
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

export async function browserBench(root: string, o: { quick: boolean; only?: string; json?: string }, log: (s: string) => void): Promise<void> {
  const t0 = performance.now();
  const load0 = os.loadavg();
  if (!existsSync(CHROMIUM)) throw new Error(`--browser needs ${CHROMIUM} (system Chromium); nothing is downloaded`);
  const out = mkdtempSync(path.join(os.tmpdir(), 'seqgraph-bench-page-'));
  const { chromium } = await import('@playwright/test');
  let server: http.Server | null = null;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
  try {
    await bundle(root, out);
    server = await serve(root, out);
    const port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('bench: ')) log(`  ${m.text().slice(7)} ...`);
      else if (m.type() === 'error') log(`  page: ${m.text()}`);
    });
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.title === 'seqgraph bench: ready', null, { timeout: 30_000 });
    const opts: PageOptions = { quick: o.quick, only: o.only, ortThreads: 2 };
    const r: PageResult = await page.evaluate((opt) => (window as unknown as { seqgraphBench: (x: PageOptions) => Promise<PageResult> }).seqgraphBench(opt), opts);
    const lines = [
      `seqgraph bench in Chromium (${r.info.userAgent}); hardwareConcurrency ${r.info.hardwareConcurrency}`,
      `crossOriginIsolated: ${r.info.crossOriginIsolated}; kernels: ${r.info.kernels} (SIMD ${r.info.simd}); FMA (relaxed SIMD): ${r.info.fma}; seqgraph threads: ${r.info.seqgraphThreads}`,
      '',
      table(r.rows),
      '',
    ];
    lines.push(...summaryLines(r.rows));
    for (const n of r.notes) lines.push(`note: ${n}`);
    lines.push(`load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
    lines.push(`total browser bench time ${((performance.now() - t0) / 1000).toFixed(0)} s; ratio to ort = ort_ms / engine_ms with ort on the row's thread count, same page, interleaved rounds (ort-wasm x2 runs in a Web Worker of the page)`);
    process.stdout.write(lines.join('\n') + '\n');
    if (o.json) {
      writeFileSync(o.json, JSON.stringify({ browser: r.info, cases: r.rows, notes: r.notes, load_average: { start: load0, end: os.loadavg() } }, null, 2) + '\n');
      log(`wrote ${o.json}`);
    }
  } finally {
    await browser?.close();
    server?.close();
    rmSync(out, { recursive: true, force: true });
  }
}

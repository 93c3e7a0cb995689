// End-to-end tests against the BUILT app (run `npx vite build` first), served by `vite preview`.
// They drive the system's Chromium (/usr/bin/chromium) when it exists; nothing is downloaded.
import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// SEQGRAPH_E2E_PORT lets several checkouts run their e2e tests side by side
const PORT = Number(process.env.SEQGRAPH_E2E_PORT ?? 4179);
const chromium = '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 45_000,
  expect: { timeout: 8_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(existsSync(chromium) ? { executablePath: chromium } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 } }],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}`,
    // never reuse: a server already on the port may be another checkout's build
    reuseExistingServer: false,
    timeout: 60_000,
  },
});

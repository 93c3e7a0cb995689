// The editor's build: React, the workers as ES modules, and a fixed port for the e2e tests.
// onnxruntime-web is kept out of dependency pre-bundling: its loader finds its .wasm next to
// itself (import.meta.url), which pre-bundling would move; Vite then serves the .wasm from
// node_modules in dev and emits it as an asset of the build, so it never comes from a CDN.
// COOP/COEP make the page cross-origin isolated: SharedArrayBuffer (and so the kernels' worker
// threads and ort's numThreads > 1) exists only there. Everything the app loads is same-origin,
// so require-corp blocks nothing; a host without these headers gets the one-thread fallback.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { seqgraphData } from './src/data/builtin/vite-plugin';
import { seqgraphGallery } from './src/app/build/gallery-plugin';

/** the headers that make the page crossOriginIsolated (docs/performance.md, "Hosting") */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), seqgraphData(), seqgraphGallery()],
  worker: { format: 'es', plugins: () => [seqgraphData()] },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { port: 5173, headers: isolationHeaders },
  preview: { port: 4173, strictPort: true, headers: isolationHeaders },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2500,
  },
});

// The editor's build: React, the workers as ES modules, and a fixed port for the e2e tests.
// onnxruntime-web is kept out of dependency pre-bundling: its loader finds its .wasm next to
// itself (import.meta.url), which pre-bundling would move; Vite then serves the .wasm from
// node_modules in dev and emits it as an asset of the build, so it never comes from a CDN.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { seqgraphData } from './src/data/builtin/vite-plugin';
import { seqgraphGallery } from './src/app/build/gallery-plugin';

export default defineConfig({
  plugins: [react(), seqgraphData(), seqgraphGallery()],
  worker: { format: 'es', plugins: () => [seqgraphData()] },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { port: 5173 },
  preview: { port: 4173, strictPort: true },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2500,
  },
});

/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// SharedArrayBuffer (the engine's shared memory) exists only in a cross-origin isolated page,
// so every server of this app sends these headers: Vite's dev and preview servers here, our C++
// server in production.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        app: resolve(import.meta.dirname, 'index.html'),
        // The engine harness: offline renders through the real worklet, for the browser tests and
        // the benchmarks. It has no UI of its own.
        harness: resolve(import.meta.dirname, 'harness.html'),
        // The benchmark page of `make bench` (bench/run.mjs): every browser-side candidate.
        bench: resolve(import.meta.dirname, 'bench.html'),
      },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});

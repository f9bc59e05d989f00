// Builds the web console into dist/console (served by Argus at /console/); everything bundled, no CDN.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: here('../dist/console'), emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  logLevel: 'warn',
});

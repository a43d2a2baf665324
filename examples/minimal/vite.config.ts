import { defineConfig } from 'vite';

// Builds the browser client into ./dist, which server.ts serves; `tickwave/*` resolves to the sources here.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['tickwave-source'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});

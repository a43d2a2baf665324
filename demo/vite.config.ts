/**
 * Vite configuration of the arena's browser client (demo/client). `npm run build:demo` writes the
 * bundle to dist/demo, which `npm start` serves; `npm run dev` serves the sources with hot reload and
 * proxies the game's WebSocket (path /ws) to a running demo server: DEMO_SERVER, default
 * http://localhost:8080.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The dev server's proxy target when DEMO_SERVER is not set. */
const DEFAULT_DEMO_SERVER = 'http://localhost:8080';

const clientDir = fileURLToPath(new URL('./client/', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/demo/', import.meta.url));

export default defineConfig({
  root: clientDir,
  base: './',
  clearScreen: false,
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Pixi alone is about 1 MB minified; one chunk is fine for a demo served from the same host.
    chunkSizeWarningLimit: 2048,
    // The game, and the replay page that plays recordings (RECORD=dir npm start) with the same views.
    rollupOptions: { input: { index: `${clientDir}index.html`, replay: `${clientDir}replay.html` } },
  },
  server: {
    proxy: {
      // Keep the Host header (no changeOrigin): the game server accepts same-origin pages only.
      '/ws': { target: process.env['DEMO_SERVER'] ?? DEFAULT_DEMO_SERVER, ws: true },
      '/matchmake': { target: process.env['DEMO_SERVER'] ?? DEFAULT_DEMO_SERVER },
    },
  },
});

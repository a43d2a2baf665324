// Vite serves the browser client with hot reload (`npm run dev`) and builds it into dist/ (`npm run build`),
// which the game server serves in production (`npm start`). In dev, the game's WebSocket (/ws) is proxied to
// the game server on PORT (default 8080), so the page talks to one origin either way.
import { defineConfig } from 'vite';

const gameServer = `http://127.0.0.1:${process.env.PORT ?? 8080}`;

export default defineConfig({
  root: import.meta.dirname,
  clearScreen: false,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
  // Keep the Host header (no changeOrigin): the game server accepts pages of its own origin only.
  server: { proxy: { '/ws': { target: gameServer, ws: true } } },
});

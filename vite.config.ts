import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url));

/**
 * The console, player and watch pages: built into dist/web by `npm run build` (and so by `npm ci`),
 * served by the LiveTape process under /ui/ (assets) with each page at its own route.
 */
export default defineConfig({
  root: web(''),
  base: '/ui/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // No CDN and no inline data URLs for media players: everything is a file the server serves.
    assetsInlineLimit: 0,
    target: 'es2022',
    // hls.js alone is ~580 kB; it is loaded only by a page that plays HLS.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      input: { console: web('console.html'), play: web('play.html'), watch: web('watch.html') },
    },
  },
});

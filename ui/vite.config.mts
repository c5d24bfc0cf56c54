import { fileURLToPath } from 'node:url';
import { defineConfig, ProxyOptions } from 'vite';

// The API the dev server (`npm run dev:ui`) forwards to: `npm start` in another terminal.
const api = process.env.API_URL ?? 'http://localhost:3000';
const apiPaths = ['/auth', '/tickets', '/visits', '/experts', '/customers', '/catalog', '/kb', '/helpdesk', '/users', '/reports', '/survey', '/billing', '/notifications', '/projections', '/health', '/ready', '/metrics', '/openapi.json', '/docs'];

// A page load (the browser asks for HTML) is the app's, as the API server's fallback does it.
const toApi: ProxyOptions = {
  target: api,
  bypass: (req) => (req.method === 'GET' && req.headers.accept?.includes('text/html') ? '/index.html' : undefined),
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // Libraries mark their React client components "use client" (for server rendering): meaningless in a SPA bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    proxy: {
      ...Object.fromEntries(apiPaths.map((path) => [path, toApi])),
      '/socket.io': { target: api, ws: true },
    },
  },
});

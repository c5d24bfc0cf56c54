import { fileURLToPath } from 'node:url';
import { defineConfig, ProxyOptions } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The API the dev server (`npm run dev:ui`) forwards to: `npm start` in another terminal.
const api = process.env.API_URL ?? 'http://localhost:3000';
const apiPaths = ['/web-app', '/auth', '/tickets', '/visits', '/experts', '/customers', '/catalog', '/kb', '/helpdesk', '/users', '/reports', '/survey', '/billing', '/notifications', '/projections', '/health', '/ready', '/metrics', '/openapi.json', '/docs'];

// A page load (the browser asks for HTML) is the app's, as the API server's fallback does it.
const toApi: ProxyOptions = {
  target: api,
  bypass: (req) => (req.method === 'GET' && req.headers.accept?.includes('text/html') ? '/index.html' : undefined),
};

/** Page loads the server answers itself, never with the app: the service worker leaves them to it. */
const notTheApp = [/^\/docs$/];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [
    // The installable app: a web app manifest, and a service worker precaching the app shell (the
    // page, scripts, styles, icons) so it opens without a connection. API answers are never
    // cached by it (they are per user and no-store): the expert's schedule is kept offline by the
    // app itself (ui/src/offline). The server serves sw.js and the manifest (api/web-app.ts).
    VitePWA({
      // A new build waits until the user reloads (a banner offers it): never in the middle of a visit.
      registerType: 'prompt',
      injectRegister: false,
      strategies: 'generateSW',
      filename: 'sw.js',
      manifestFilename: 'manifest.webmanifest',
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Sysops Squad',
        short_name: 'Sysops',
        description: 'Field visits, tickets and the knowledge base of Sysops Squad: works without a connection for experts in the field.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#4c6ef5',
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The page, scripts and styles; the manifest, its icons and includeAssets are added by the plugin.
        globPatterns: ['**/*.{js,css,html}'],
        // A page load of any of the app's paths is answered with the cached page, offline too.
        navigateFallback: '/index.html',
        navigateFallbackDenylist: notTheApp,
        // One file (no workbox-<hash>.js beside it): the server serves exactly sw.js.
        inlineWorkboxRuntime: true,
        cleanupOutdatedCaches: true,
        sourcemap: false,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
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

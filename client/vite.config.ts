import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

// MHC_CLIENT_OUT_DIR lets tests build somewhere else than the dist/ a running gateway serves.
const outDir = process.env.MHC_CLIENT_OUT_DIR ?? here('./dist')

export default defineConfig({
  root: here('.'),
  plugins: [preact({ prerender: { enabled: false } })],
  // tus-js-client's one CommonJS dependency, replaced by the browser's URL (src/lib/url-parse.ts says why).
  resolve: { alias: { 'url-parse': here('./src/lib/url-parse.ts') } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    manifest: true,
    sourcemap: false,
    // Every browser that runs this app knows <link rel=modulepreload>.
    // A lazy chunk's own imports are not preloaded (only its CSS is listed):
    // each preload list is written into the importing chunk, and the entry,
    // which the watch page's budget counts, would grow with every lazy page.
    modulePreload: { polyfill: false, resolveDependencies: (_file, deps) => deps.filter(d => d.endsWith('.css')) },
    // hls.js alone is ~118 KB gzip, by design: the budget script checks the real limit.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      treeshake: {
        // multiformats builds every codec of a base module at load time
        // (base32 has nine, base64 four); these factories only build objects,
        // so the ones the verifier never uses can go (~0.2 KB gzip).
        manualPureFunctions: ['rfc4648', 'baseX']
      },
      // Imported constants (codes, limits) are written where they are used.
      optimization: { inlineConst: true }
    }
  },
  server: {
    // `npm run dev` against a gateway on its default port.
    proxy: {
      '/api': process.env.MHC_GATEWAY ?? 'http://127.0.0.1:8080',
      '/ipfs': process.env.MHC_GATEWAY ?? 'http://127.0.0.1:8080'
    }
  }
})

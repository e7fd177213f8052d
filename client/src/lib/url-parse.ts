/**
 * What tus-js-client wants of the `url-parse` package (one call:
 * `new URL(location, endpoint).toString()`), from the browser's own URL.
 * url-parse is CommonJS: bundling it made Vite split its CommonJS helpers
 * into a chunk the watch page's hls.js then loaded too (its JS budget).
 * vite.config.ts aliases `url-parse` here; the page passes an absolute endpoint.
 */
export default globalThis.URL

/**
 * hls.js's UMD "light" build has no .d.ts of its own; it is the same Hls
 * class as the package's main entry, so reuse those types.
 */
declare module 'hls.js/dist/hls.light.min.js' {
  import Hls from 'hls.js'
  export default Hls
}

import { LazyPage } from './LazyPage.js'

/** Loads the upload page's code (tus, the signer) on first use: the home and watch pages never carry it. */
export function UploadRoute () {
  return <LazyPage load={async () => (await import('./Upload.js')).Upload} what='upload' props={{}} />
}

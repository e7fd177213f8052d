import { LazyPage } from './LazyPage.js'

/** Loads the watch page's code on first use, so the home page stays small. */
export function WatchRoute ({ cid }: { cid: string }) {
  return <LazyPage load={async () => (await import('./Watch.js')).Watch} what='watch' props={{ cid }} />
}

import { Lazy } from '../components/Lazy.js'

const load = async () => (await import('./Watch.js')).Watch

/** Loads the watch page's code on first use, so the home page stays small. */
export function WatchRoute ({ cid }: { cid: string }) {
  return <Lazy load={load} props={{ cid }} what='The watch page' />
}

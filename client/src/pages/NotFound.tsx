import { useEffect } from 'preact/hooks'

/** Any path the app does not know. */
export function NotFound ({ path }: { path: string }) {
  useEffect(() => { document.title = 'Not found · MHC' }, [])
  return (
    <section aria-labelledby='nf-title'>
      <h1 id='nf-title'>Page not found</h1>
      <p>Nothing lives at <code>{path}</code>. <a href='/'>See all videos</a>.</p>
    </section>
  )
}

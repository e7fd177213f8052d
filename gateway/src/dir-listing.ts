/** A plain HTML listing for a UnixFS directory without index.html. */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'

export interface ListingEntry { name: string, cid: string, size: bigint, directory: boolean }

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

export function dirListing (path: string, entries: ListingEntry[]): string {
  const base = path.endsWith('/') ? path : `${path}/`
  const rows = entries.map(e => {
    const href = escapeHtml(base + encodeURIComponent(e.name) + (e.directory ? '/' : ''))
    return `<tr><td><a href="${href}">${escapeHtml(e.name)}${e.directory ? '/' : ''}</a></td><td>${e.directory ? '' : e.size.toString()}</td><td><code>${escapeHtml(e.cid)}</code></td></tr>`
  }).join('\n')
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(path)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}td{padding:.2rem .8rem}code{color:#666}</style></head>
<body><h1>Index of ${escapeHtml(path)}</h1><table><thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`
}

/**
 * Path gateway § Cache-Control for generated listings: the HTML changes with
 * the gateway's version, so not `immutable` (the value gateway-conformance's
 * TestGatewayCache accepts).
 */
export const DIR_LISTING_CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=2678400'

/** Names this listing generator: a hash of its own code, so a new template is a new ETag. */
const GENERATOR = createHash('sha256').update(dirListing.toString()).digest('hex').slice(0, 16)

/** `"DirIndex-<generator>_CID-<cid>"`: names the directory and the generator (path gateway § Etag). */
export function dirListingEtag (cid: CID): string {
  return `"DirIndex-${GENERATOR}_CID-${cid.toString()}"`
}

/** A plain HTML listing for a UnixFS directory without index.html. */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'

export interface ListingEntry { name: string, cid: string, size: bigint, directory: boolean }

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/**
 * `path` is the listing's percent-encoded `/ipfs/…` path. With `crumbs` (the
 * root CID and the decoded segments) the heading links each step of the path
 * and a non-root listing gets a `..` row, as gateway-conformance's
 * TestUnixFSDirectoryListing expects; each CID links to its content with
 * `?filename=` set to the entry's name.
 */
export function dirListing (path: string, entries: ListingEntry[], crumbs?: { cid: string, segments: string[] }): string {
  const base = path.endsWith('/') ? path : `${path}/`
  const up = crumbs !== undefined && crumbs.segments.length > 0 ? `<tr><td><a href="${escapeHtml(`${base}..`)}">..</a></td><td></td><td></td></tr>\n` : ''
  const rows = entries.map(e => {
    const href = escapeHtml(base + encodeURIComponent(e.name) + (e.directory ? '/' : ''))
    const hash = escapeHtml(`/ipfs/${e.cid}?filename=${encodeURIComponent(e.name)}`)
    return `<tr><td><a href="${href}">${escapeHtml(e.name)}${e.directory ? '/' : ''}</a></td><td>${e.directory ? '' : e.size.toString()}</td><td><a class="ipfs-hash" translate="no" href="${hash}"><code>${escapeHtml(e.cid)}</code></a></td></tr>`
  }).join('\n')
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(path)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}td{padding:.2rem .8rem}code{color:#666}</style></head>
<body><h1>Index of</h1><p>${crumbs === undefined ? escapeHtml(path) : breadcrumbs(crumbs.cid, crumbs.segments)}</p><table><thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead><tbody>
${up}${rows}
</tbody></table></body></html>
`
}

/** `/ipfs/<a href="/ipfs/cid">cid</a>/<a href="/ipfs/cid/a">a</a>/…` */
function breadcrumbs (cid: string, segments: string[]): string {
  let href = `/ipfs/${cid}`
  const links = [`<a href="${escapeHtml(href)}">${escapeHtml(cid)}</a>`]
  for (const s of segments) {
    href += `/${encodeURIComponent(s)}`
    links.push(`<a href="${escapeHtml(href)}">${escapeHtml(s)}</a>`)
  }
  return `/ipfs/${links.join('/')}`
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

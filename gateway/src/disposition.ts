/**
 * `Content-Disposition` (RFC 6266) for the path gateway's `?filename=` and
 * `?download=true` (path gateway § filename, § download) and for the
 * attachment names of raw blocks and CARs. The quoted `filename` is a safe
 * ASCII fallback; a name that needed changing also goes out exactly in
 * `filename*` (RFC 8187, UTF-8).
 */

export type DispositionType = 'inline' | 'attachment'

/** RFC 8187 attr-char: unreserved characters and a few symbols; everything else %-encoded. */
function encodeExtValue (name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** `inline; filename="…"` or `attachment; …`, with `filename*` when the name is not plain printable ASCII. */
export function contentDisposition (type: DispositionType, filename: string): string {
  // Printable ASCII only, no quote or backslash: no header injection, no escaping rules to get wrong.
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return fallback === filename
    ? `${type}; filename="${filename}"`
    : `${type}; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(filename)}`
}

/** The path gateway's choice: `?download=true` makes it an attachment, otherwise inline. */
export function requestedDisposition (query: { filename?: string, download?: string }): string | undefined {
  if (query.filename === undefined || query.filename === '') return undefined
  return contentDisposition(query.download === 'true' ? 'attachment' : 'inline', query.filename)
}

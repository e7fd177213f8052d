/**
 * Where two JSON values first differ, as a JSON Pointer (`/renditions/0/height`),
 * or undefined when they are equal. Object key order does not matter; a key
 * present on one side only is a difference.
 */
export function firstDifference (a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return path === '' ? '/' : path
  }
  if (Array.isArray(a) !== Array.isArray(b)) return path === '' ? '/' : path
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}/length`
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}/${i}`)
      if (d !== undefined) return d
    }
    return undefined
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)])
  for (const k of [...keys].sort()) {
    const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (!Object.hasOwn(ao, k) || !Object.hasOwn(bo, k)) return p
    const d = firstDifference(ao[k], bo[k], p)
    if (d !== undefined) return d
  }
  return undefined
}

/** True when two JSON values are equal (see firstDifference). */
export function deepEqual (a: unknown, b: unknown): boolean {
  return firstDifference(a, b) === undefined
}

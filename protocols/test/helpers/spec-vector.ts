import { readFile } from 'node:fs/promises'

/** The JSON block after `<!-- test-vector:NAME -->` in docs/specs/SPEC.md: specs carry vectors that tests read back. */
export async function specVector<T> (spec: string, name: string): Promise<T> {
  const doc = await readFile(new URL(`../../../docs/specs/${spec}`, import.meta.url), 'utf8')
  const m = new RegExp(`<!-- test-vector:${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(doc)
  if (m?.[1] === undefined) throw new Error(`docs/specs/${spec} has no test vector ${name}`)
  return JSON.parse(m[1]) as T
}

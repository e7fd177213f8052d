#!/usr/bin/env node
// Writes protocols/src/wire/generated/*.ts: standalone validators for the
// wire schemas that are checked whenever a signed object is opened (the video
// manifest, the announcement, the social messages, the profile record, entitlements and revocations, live stream records and updates, the forensic log entry), generated from their TypeBox schemas.
//
// Why: openManifest runs in the browser too, and TypeBox's checker (Value or
// Compile) is ~15 KB gzip of the watch page's 150 KB. A generated validator is
// plain code: no TypeBox at run time, no eval or new Function (the app's CSP
// is `script-src 'self'`), and the same validator on the node and in the
// browser. The generated files are committed; protocols/test/validators.test.ts
// regenerates them in memory and fails on drift, and checks that they give
// TypeBox's verdicts.
//
// The generator understands the JSON Schema keywords these schemas use and
// throws on any other one, so a schema that needs more fails here, loudly:
//   type object   properties, required, additionalProperties (false)
//   type array    items, minItems, maxItems
//   type string   minLength, maxLength (in code points), pattern (u flag), const
//   type number / integer   minimum, maximum, exclusiveMinimum, exclusiveMaximum, const
//   type boolean / null
// plus the annotations $id, title and description, which do not validate.
// Error messages use TypeBox's wording, with a JSON-pointer path.
//
// Usage (from the repository root):
//   npm run build:validators -w @mhc/protocols           write the files
//   npm run build:validators -w @mhc/protocols -- --check   exit 1 if they are stale
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
// Run under tsx (the npm script does): these are the TypeScript sources.
import { KeyLinkPayload, KeyProofPayload } from '../src/wire/account-schema.js'
import { Announce } from '../src/wire/announce-schema.js'
import { EntitlementPayload, RevocationPayload } from '../src/wire/entitlement-schema.js'
import { ForensicEntryPayload } from '../src/wire/forensic-schema.js'
import { LiveStreamPayload, LiveUpdatePayload } from '../src/wire/live-schema.js'
import { VideoManifest } from '../src/wire/manifest-schema.js'
import { ProfilePayload } from '../src/wire/profile-schema.js'
import { ChatPayload, ReactionPayload, ViewPayload } from '../src/wire/social-schema.js'

const here = dirname(fileURLToPath(import.meta.url))
export const GENERATED_DIR = join(here, '..', 'src', 'wire', 'generated')

/** Each generated module: its file, the schema, and the exported validator's name and type. */
export const TARGETS = [
  { file: 'video-manifest.ts', schema: VideoManifest, schemaName: 'VideoManifest', from: '../manifest-schema.js', source: 'src/wire/manifest-schema.ts', exportName: 'videoManifestValidator' },
  { file: 'announce.ts', schema: Announce, schemaName: 'Announce', from: '../announce-schema.js', source: 'src/wire/announce-schema.ts', exportName: 'announceValidator' },
  { file: 'social-chat.ts', schema: ChatPayload, schemaName: 'ChatPayload', from: '../social-schema.js', source: 'src/wire/social-schema.ts', exportName: 'chatPayloadValidator' },
  { file: 'social-reaction.ts', schema: ReactionPayload, schemaName: 'ReactionPayload', from: '../social-schema.js', source: 'src/wire/social-schema.ts', exportName: 'reactionPayloadValidator' },
  { file: 'social-view.ts', schema: ViewPayload, schemaName: 'ViewPayload', from: '../social-schema.js', source: 'src/wire/social-schema.ts', exportName: 'viewPayloadValidator' },
  { file: 'account-key.ts', schema: KeyProofPayload, schemaName: 'KeyProofPayload', from: '../account-schema.js', source: 'src/wire/account-schema.ts', exportName: 'keyProofValidator' },
  { file: 'account-link.ts', schema: KeyLinkPayload, schemaName: 'KeyLinkPayload', from: '../account-schema.js', source: 'src/wire/account-schema.ts', exportName: 'keyLinkValidator' },
  { file: 'profile.ts', schema: ProfilePayload, schemaName: 'ProfilePayload', from: '../profile-schema.js', source: 'src/wire/profile-schema.ts', exportName: 'profilePayloadValidator' },
  { file: 'entitlement.ts', schema: EntitlementPayload, schemaName: 'EntitlementPayload', from: '../entitlement-schema.js', source: 'src/wire/entitlement-schema.ts', exportName: 'entitlementPayloadValidator' },
  { file: 'revocation.ts', schema: RevocationPayload, schemaName: 'RevocationPayload', from: '../entitlement-schema.js', source: 'src/wire/entitlement-schema.ts', exportName: 'revocationPayloadValidator' },
  { file: 'live-stream.ts', schema: LiveStreamPayload, schemaName: 'LiveStreamPayload', from: '../live-schema.js', source: 'src/wire/live-schema.ts', exportName: 'liveStreamValidator' },
  { file: 'live-update.ts', schema: LiveUpdatePayload, schemaName: 'LiveUpdatePayload', from: '../live-schema.js', source: 'src/wire/live-schema.ts', exportName: 'liveUpdateValidator' },
  { file: 'forensic-entry.ts', schema: ForensicEntryPayload, schemaName: 'ForensicEntryPayload', from: '../forensic-schema.js', source: 'src/wire/forensic-schema.ts', exportName: 'forensicEntryValidator' }
]

const ANNOTATIONS = new Set(['$id', 'title', 'description'])
const KEYWORDS = {
  object: new Set(['type', 'properties', 'required', 'additionalProperties']),
  array: new Set(['type', 'items', 'minItems', 'maxItems']),
  string: new Set(['type', 'minLength', 'maxLength', 'pattern', 'const']),
  number: new Set(['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'const']),
  integer: new Set(['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'const']),
  boolean: new Set(['type', 'const']),
  null: new Set(['type'])
}
const COMPARISONS = [['minimum', '>='], ['maximum', '<='], ['exclusiveMinimum', '>'], ['exclusiveMaximum', '<']]

/** JSON pointer escaping of one path segment (RFC 6901). */
const pointer = key => key.replaceAll('~', '~0').replaceAll('/', '~1')
const str = value => JSON.stringify(value)

/** The TypeScript source of one generated validator module. */
export function generateValidator ({ schema, schemaName, from, source, exportName }) {
  // The JSON form: exactly the JSON Schema keywords (TypeBox keeps its own markers non-enumerable).
  const root = JSON.parse(JSON.stringify(schema))
  const fns = []
  const constants = []
  const patterns = new Map()

  const regex = pattern => {
    if (!patterns.has(pattern)) {
      const name = `P${patterns.size}`
      patterns.set(pattern, name)
      constants.push(`const ${name} = new RegExp(${str(pattern)}, 'u')`)
    }
    return patterns.get(pattern)
  }
  const fail = (path, message) => { throw new Error(`build-validators: ${schemaName}${path === '' ? '' : ` at ${path}`}: ${message}`) }

  /** Emit a checker function for `node` and return its name. */
  function emit (node, path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) fail(path, 'a schema must be an object')
    const type = node.type
    if (typeof type !== 'string' || KEYWORDS[type] === undefined) fail(path, `unsupported type ${str(type)} (the generator knows ${Object.keys(KEYWORDS).join(', ')})`)
    for (const k of Object.keys(node)) {
      if (!KEYWORDS[type].has(k) && !ANNOTATIONS.has(k)) fail(path, `unsupported keyword ${str(k)} for type ${type}`)
    }
    const name = `c${fns.length}`
    const body = []
    fns.push(null) // reserve the slot: children get later numbers
    const problem = (message, at = 'p') => `e.push({ instancePath: ${at}, message: ${message} })`

    if (type === 'object') {
      body.push(`if (!isObject(v)) { ${problem(str('must be object'))}; return }`)
      const properties = node.properties ?? {}
      const required = node.required ?? []
      for (const k of required) if (!Object.hasOwn(properties, k)) fail(path, `required property ${str(k)} has no schema`)
      if (required.length > 0) {
        const c = `K${constants.length}`
        constants.push(`const ${c}: readonly string[] = ${str(required)}`)
        body.push(`const missing = ${c}.filter(k => !Object.hasOwn(v, k))`)
        body.push(`if (missing.length > 0) ${problem("'must have required properties ' + missing.join(', ')")}`)
      }
      if (node.additionalProperties === false) {
        const c = `K${constants.length}`
        constants.push(`const ${c}: ReadonlySet<string> = new Set(${str(Object.keys(properties))})`)
        body.push(`const extra = Object.keys(v).filter(k => !${c}.has(k))`)
        body.push(`if (extra.length > 0) ${problem("'must not have additional properties ' + extra.join(', ')")}`)
      } else if (node.additionalProperties !== undefined) {
        fail(path, 'additionalProperties must be false or absent')
      }
      for (const [k, sub] of Object.entries(properties)) {
        const fn = emit(sub, `${path}/${pointer(k)}`)
        const at = `p + ${str(`/${pointer(k)}`)}`
        // As TypeBox: a required property is checked whenever present, an optional one unless undefined.
        const when = required.includes(k) ? `Object.hasOwn(v, ${str(k)})` : `v[${str(k)}] !== undefined`
        body.push(`if (${when}) ${fn}(v[${str(k)}], ${at}, e)`)
      }
    } else if (type === 'array') {
      body.push(`if (!Array.isArray(v)) { ${problem(str('must be array'))}; return }`)
      if (node.minItems !== undefined) body.push(`if (v.length < ${node.minItems}) ${problem(str(`must not have fewer than ${node.minItems} items`))}`)
      if (node.maxItems !== undefined) body.push(`if (v.length > ${node.maxItems}) ${problem(str(`must not have more than ${node.maxItems} items`))}`)
      if (node.items !== undefined) {
        const fn = emit(node.items, `${path}/items`)
        body.push(`for (let i = 0; i < v.length; i++) ${fn}(v[i], \`\${p}/\${i}\`, e)`)
      }
    } else if (type === 'string') {
      body.push(`if (typeof v !== 'string') { ${problem(str('must be string'))}; return }`)
      if (node.minLength !== undefined || node.maxLength !== undefined) body.push('const n = codePoints(v)')
      if (node.minLength !== undefined) body.push(`if (n < ${node.minLength}) ${problem(str(`must not have fewer than ${node.minLength} characters`))}`)
      if (node.maxLength !== undefined) body.push(`if (n > ${node.maxLength}) ${problem(str(`must not have more than ${node.maxLength} characters`))}`)
      if (node.pattern !== undefined) body.push(`if (!${regex(node.pattern)}.test(v)) ${problem(str(`must match pattern "${node.pattern}"`))}`)
    } else if (type === 'number' || type === 'integer') {
      const test = type === 'number' ? '!Number.isFinite(v)' : '!Number.isInteger(v)'
      body.push(`if (typeof v !== 'number' || ${test}) { ${problem(str(`must be ${type}`))}; return }`)
      for (const [k, op] of COMPARISONS) {
        if (node[k] === undefined) continue
        if (typeof node[k] !== 'number' || !Number.isFinite(node[k])) fail(path, `${k} must be a finite number`)
        body.push(`if (!(v ${op} ${node[k]})) ${problem(str(`must be ${op} ${node[k]}`))}`)
      }
    } else if (type === 'boolean') {
      body.push(`if (typeof v !== 'boolean') { ${problem(str('must be boolean'))}; return }`)
    } else if (type === 'null') {
      body.push(`if (v !== null) ${problem(str('must be null'))}`)
    }
    if (node.const !== undefined) {
      if (typeof node.const !== (type === 'integer' ? 'number' : type)) fail(path, `const ${str(node.const)} is not a ${type}`)
      body.push(`if (v !== ${str(node.const)}) ${problem(str('must be equal to constant'))}`)
    }
    fns[Number(name.slice(1))] = [
      `function ${name} (v: unknown, p: string, e: Problem[]): void {`,
      ...body.map(line => `  ${line}`),
      '}'
    ].join('\n')
    return name
  }

  const entry = emit(root, '')
  const id = root.$id === undefined ? '' : ` (${root.$id})`
  return `// Generated by protocols/scripts/build-validators.mjs from ${schemaName}${id} in
// protocols/${source}. Do not edit: change the schema, then run
// \`npm run build:validators -w @mhc/protocols\` (a test fails until you do).
import type { ${schemaName} } from '${from}'
import type { WireValidator } from '../validate.js'

interface Problem { instancePath: string, message: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** String length as JSON Schema counts it: in code points. */
function codePoints (s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

${constants.join('\n')}

${fns.join('\n\n')}

function problems (value: unknown): Problem[] {
  const e: Problem[] = []
  ${entry}(value, '', e)
  return e
}

export const ${exportName}: WireValidator<${schemaName}> = {
  Check: (value: unknown): value is ${schemaName} => problems(value).length === 0,
  Errors: problems
}
`
}

/** Every generated module, file name -> source text. */
export function generateAll () {
  return new Map(TARGETS.map(t => [t.file, generateValidator(t)]))
}

async function main () {
  const check = process.argv.includes('--check')
  const stale = []
  await mkdir(GENERATED_DIR, { recursive: true })
  for (const [file, text] of generateAll()) {
    const path = join(GENERATED_DIR, file)
    const old = await readFile(path, 'utf8').catch(() => undefined)
    if (old === text) continue
    if (check) {
      stale.push(file)
    } else {
      await writeFile(path, text)
      process.stdout.write(`wrote ${path}\n`)
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`build-validators: stale: ${stale.join(', ')}; run npm run build:validators -w @mhc/protocols\n`)
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main()

/**
 * Fuzz `importCar` with CARs made wrong on purpose: truncated anywhere,
 * bytes flipped, blocks dropped, repeated, reordered, roots swapped, headers
 * and varints mangled, plain garbage. Every import must settle quickly,
 * either with a result whose pinned roots are whole DAGs or with
 * MHC_ERR_CAR_INVALID, and no rejection may go unhandled. One Helia for the
 * whole run, so imports also meet what earlier ones left behind. Seeded:
 * a failure names the seed and case to replay.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { seededRandom } from '@mhc/protocols/testing'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core/memory'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { importCar } from '../../src/content/car.js'
import { checkDag } from '../../src/content/dag-check.js'
import { type Block, buildCarFixtures, car, dagBlocks } from '../helpers/cars.js'

const SEED = Number(process.env.MHC_FUZZ_SEED ?? 0x5eed)
const CASES = Number(process.env.MHC_FUZZ_CASES ?? 160)
const PER_CASE_MS = 5000


const fx = await buildCarFixtures()
const work = await mkdtemp(join(tmpdir(), 'mhc-car-fuzz-'))
t.teardown(async () => rm(work, { recursive: true, force: true }))
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
process.on('unhandledRejection', onUnhandled)
t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

const rand = seededRandom(SEED)
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(xs: T[]): T => xs[int(xs.length)] as T
const shuffle = <T>(xs: T[]): T[] => {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

const roots = [fx.file, fx.dir, fx.doc, fx.linksJson]
const stranger = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')

/** One malformed or incomplete CAR, and what was done to it. */
async function mutant (): Promise<[string, Uint8Array]> {
  const root = pick(roots)
  const blocks: Block[] = dagBlocks(fx, root)
  const whole = await car([root], blocks)
  switch (int(10)) {
    case 0: { const at = int(whole.byteLength); return [`truncated at ${at}`, whole.subarray(0, at)] }
    case 1: {
      const copy = Uint8Array.from(whole)
      const at = int(copy.byteLength)
      copy[at] = (copy[at] ?? 0) ^ (1 + int(255))
      return [`byte ${at} flipped`, copy]
    }
    case 2: { const keep = blocks.filter(() => rand() < 0.6); return [`kept ${keep.length}/${blocks.length} blocks`, await car([root], keep)] }
    case 3: return ['blocks shuffled', await car([root], shuffle(blocks))]
    case 4: return ['blocks repeated and shuffled', await car([root], shuffle([...blocks, ...blocks.filter(() => rand() < 0.5)]))]
    case 5: return ['roots swapped for strangers', await car([stranger, pick(roots)], shuffle(blocks).slice(0, 1 + int(blocks.length)))]
    case 6: return ['garbage', Uint8Array.from({ length: int(2048) }, () => int(256))]
    case 7: return ['header only', await car([root], [])]
    case 8: {
      // A section length varint claiming far more bytes than the file has.
      const header = await car([root], [])
      return ['huge section length', Buffer.concat([header, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), blocks[0]?.cid.bytes ?? new Uint8Array()])]
    }
    default: {
      const a = await car([root], blocks.slice(0, 1 + int(blocks.length)))
      return ['two CARs glued together', Buffer.concat([a, await car([pick(roots)], shuffle(blocks))])]
    }
  }
}

t.test(`${CASES} mangled CARs into one node (seed ${SEED})`, async t => {
  const helia = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), codecs: [dagCbor] })
  const components = { blockstore: helia.blockstore, pins: helia.pins }
  const outcomes = new Map<string, number>()
  for (let i = 0; i < CASES; i++) {
    const [what, bytes] = await mutant()
    const path = join(work, `${i}.car`)
    await writeFile(path, bytes)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`case ${i} (${what}) did not settle in ${PER_CASE_MS} ms`)) }, PER_CASE_MS) })
    const outcome = await Promise.race([importCar(components, path), timeout]).catch((err: unknown) => err as Error & { code?: string })
    clearTimeout(timer)
    const label = `case ${i}: ${what}`
    if (outcome instanceof Error) {
      t.equal(outcome.code, 'MHC_ERR_CAR_INVALID', `${label}: ${outcome.message.slice(0, 120)}`)
      outcomes.set('refused', (outcomes.get('refused') ?? 0) + 1)
      continue
    }
    for (const r of outcome.pinned) {
      t.ok((await checkDag(helia.blockstore, CID.parse(r))).complete, `${label}: pinned ${r} is whole`)
      t.ok(await helia.pins.isPinned(CID.parse(r)), `${label}: ${r} is pinned`)
    }
    t.same(outcome.pinned.filter(r => outcome.partial.includes(r)), [], `${label}: never both pinned and partial`)
    t.same([...outcome.pinned, ...outcome.partial].filter(r => !outcome.roots.includes(r)), [], `${label}: only its own roots`)
    const kind = outcome.partial.length > 0 ? 'partial' : 'complete'
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1)
  }
  // Waiting for the absence of an event: a rejection nobody handles surfaces on a later turn, so give stragglers a moment.
  await new Promise(resolve => setTimeout(resolve, 100))
  t.same(unhandled.map(String), [], 'no rejection went unhandled')
  t.ok((outcomes.get('refused') ?? 0) > 0 && (outcomes.get('partial') ?? 0) > 0 && (outcomes.get('complete') ?? 0) > 0, `every outcome was reached: ${JSON.stringify(Object.fromEntries(outcomes))}`)
})

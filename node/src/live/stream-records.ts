/**
 * What the live service keeps in the datastore: a record per stream (its
 * public fields, state, the SHA-256 of its key, where its media sequence
 * goes on) under `/mhc/live/streams/{stream}`, and the log of every segment
 * a stream made, `/mhc/live/segments/{stream}/{rendition}/{seq, 12 digits}`,
 * which its VOD is made of and which goes once the VOD is published.
 */
import { createHash } from 'node:crypto'
import { type AbortOptions, assertWire } from '@mhc/protocols'
import { Key } from 'interface-datastore'
import type { Logger } from 'pino'
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'
import type { LiveComponents, LiveStream } from './index.js'
import type { SessionSegment } from './session.js'

type Store = LiveComponents['datastore']

const PREFIX = '/mhc/live/streams'
/** Every segment a stream made, `/{stream}/{rendition}/{seq, 12 digits}`: what its VOD is made of. */
const SEGMENTS = '/mhc/live/segments'

const LoggedSegment = Type.Object({
  rendition: Type.String(),
  seq: Type.Integer({ minimum: 0 }),
  cid: Type.String(),
  duration: Type.Number(),
  programDateTime: Type.Integer(),
  init: Type.String(),
  discontinuity: Type.Boolean(),
  bytes: Type.Integer({ minimum: 0 }),
  initBytes: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })
const loggedSegment = Compile(LoggedSegment)

/** A stream as stored: the public record, its state, and the hash of its key. */
const StoredStream = Type.Object({
  stream: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  title: Type.String(),
  owner: Type.String(),
  createdAt: Type.Integer(),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('live'), Type.Literal('ended')]),
  startedAt: Type.Optional(Type.Integer()),
  endedAt: Type.Optional(Type.Integer()),
  keyHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  account: Type.Optional(Type.String({ maxLength: 200 })),
  /** The rungs the ladder encoded (the latest session's, by name): the VOD's renditions. */
  ladder: Type.Optional(Type.Array(Type.Object({
    name: Type.String(),
    width: Type.Optional(Type.Integer()),
    height: Type.Optional(Type.Integer()),
    frameRate: Type.Optional(Type.Number())
  }, { additionalProperties: false }), { maxItems: 16 })),
  vod: Type.Optional(Type.Object({ manifest: Type.String(), root: Type.String() }, { additionalProperties: false })),
  /** Media sequence number the next session starts at. */
  nextSeq: Type.Integer({ minimum: 0 })
}, { additionalProperties: false })
export type StoredStream = Static<typeof StoredStream>
const storedStream = Compile(StoredStream)

/** What a stream's key is kept as: its SHA-256, hex. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex')

/** Every stream record kept; an unreadable one is logged and skipped. */
export async function * loadStreams (store: Store, log: Logger): AsyncGenerator<StoredStream> {
  for await (const { value } of store.query({ prefix: PREFIX })) {
    try {
      yield assertWire(storedStream, JSON.parse(new TextDecoder().decode(value)), 'stored live stream')
    } catch (err) {
      log.warn({ err }, 'unreadable live stream record skipped')
    }
  }
}

export async function saveStream (store: Store, record: StoredStream, options: AbortOptions = {}): Promise<void> {
  await store.put(new Key(`${PREFIX}/${record.stream}`), new TextEncoder().encode(JSON.stringify(record)), options)
}

const segmentPrefix = (stream: string): string => `${SEGMENTS}/${stream}/`

export async function logSegment (store: Store, stream: string, segment: SessionSegment): Promise<void> {
  const key = new Key(`${segmentPrefix(stream)}${segment.rendition}/${String(segment.seq).padStart(12, '0')}`)
  await store.put(key, new TextEncoder().encode(JSON.stringify(segment)))
}

/** The segments `stream` logged, in key order (rendition, then sequence). */
export async function loggedSegments (store: Store, stream: string, options: AbortOptions = {}): Promise<SessionSegment[]> {
  const segments: SessionSegment[] = []
  for await (const { value } of store.query({ prefix: segmentPrefix(stream) }, options)) {
    segments.push(assertWire(loggedSegment, JSON.parse(new TextDecoder().decode(value)), 'logged live segment'))
  }
  return segments
}

export async function deleteSegmentLog (store: Store, stream: string, options: AbortOptions = {}): Promise<void> {
  for await (const _ of store.deleteMany(store.queryKeys({ prefix: segmentPrefix(stream) }, options), options)) { /* consume */ }
}

export function publicView (r: StoredStream): LiveStream {
  return {
    stream: r.stream,
    title: r.title,
    owner: r.owner,
    createdAt: r.createdAt,
    state: r.state,
    ...(r.startedAt === undefined ? {} : { startedAt: r.startedAt }),
    ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }),
    ...(r.vod === undefined ? {} : { vod: r.vod }),
    ...(r.account === undefined ? {} : { account: r.account })
  }
}

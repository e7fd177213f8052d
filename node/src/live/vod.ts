/**
 * A live stream's segments as a video on demand, without re-encoding: a
 * UnixFS directory laid out like a published video (master.m3u8, one VOD
 * media playlist per rendition, init segments, poster.jpg) whose segment
 * and init links are the very CIDs the live ladder pinned. Only the
 * playlists, the poster and the directory nodes are new blocks
 * (docs/specs/live.md, "End of stream: the video").
 */
import { spawn } from 'node:child_process'
import type { UnixFS } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { type AbortOptions, LiveEmptyError, LiveIngestError, type Rendition } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { codecsFromInit } from '../media/codecs.js'
import { AUDIO_CODECS, MASTER_PLAYLIST, MEDIA_PLAYLIST, POSTER_FILE, POSTER_MAX_WIDTH } from '../media/constants.js'
import { measure, renderMaster } from '../media/master-playlist.js'
import { type Imported, writeDirectories } from '../publish/tree.js'
import type { SessionSegment } from './session.js'

/** One segment as the live service logged it: what the session reported. */
export type LoggedSegment = SessionSegment

/** A rung of the live ladder as the VOD's rendition needs it (absent sizes: audio only). */
export interface LoggedRung {
  name: string
  width?: number
  height?: number
  frameRate?: number
}

export interface VodTree {
  root: CID
  master: string
  duration: number
  renditions: Rendition[]
  poster?: string
}

export interface VodComponents {
  unixfs: Pick<UnixFS, 'addBytes' | 'cat'>
  blockstore: Pick<Blockstore, 'get' | 'put'>
}

/** Segments of one rendition above this go into folders of this many: a flat directory stays far below UnixFS's sharding size. */
export const VOD_SEGMENTS_PER_FOLDER = 2000

/** The VOD tree of a stream's logged segments; the playlists, poster and directories are added to the blockstore (not pinned). */
export async function buildVod (components: VodComponents, segments: readonly LoggedSegment[], rungs: readonly LoggedRung[], options: AbortOptions & { ffmpegPath?: string } = {}): Promise<VodTree> {
  const { signal } = options
  const byRendition = new Map<string, LoggedSegment[]>()
  for (const s of segments) {
    let list = byRendition.get(s.rendition)
    if (list === undefined) {
      list = []
      byRendition.set(s.rendition, list)
    }
    list.push(s)
  }
  if (byRendition.size === 0) throw new LiveEmptyError()
  const files = new Map<string, Imported>()
  const renditions: Rendition[] = []
  let duration = 0
  for (const [name, unsorted] of byRendition) {
    signal?.throwIfAborted()
    const list = unsorted.toSorted((a, b) => a.seq - b.seq)
    const inits = new Map<string, string>()
    const folders = list.length > VOD_SEGMENTS_PER_FOLDER
    const lines: string[] = []
    let lastInit: string | undefined
    for (const [i, s] of list.entries()) {
      let initName = inits.get(s.init)
      if (initName === undefined) {
        initName = inits.size === 0 ? 'init.mp4' : `init_${inits.size}.mp4`
        inits.set(s.init, initName)
        files.set(`${name}/${initName}`, { cid: CID.parse(s.init), size: await dagSize(components.blockstore, CID.parse(s.init), s.initBytes, options) })
      }
      // A reconnect (or a new init) is a discontinuity: the timestamps start again.
      if (i > 0 && (s.discontinuity || s.init !== lastInit)) lines.push('#EXT-X-DISCONTINUITY')
      if (s.init !== lastInit) lines.push(`#EXT-X-MAP:URI="${initName}"`)
      lastInit = s.init
      const file = `${folders ? `p${Math.floor(i / VOD_SEGMENTS_PER_FOLDER)}/` : ''}seg_${s.seq}.m4s`
      files.set(`${name}/${file}`, { cid: CID.parse(s.cid), size: await dagSize(components.blockstore, CID.parse(s.cid), s.bytes, options) })
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`, `#EXTINF:${s.duration.toFixed(6)},`, file)
    }
    const target = Math.max(1, Math.ceil(Math.max(...list.map(s => s.duration))))
    const playlist = [
      '#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${list[0]?.seq ?? 0}`,
      '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', ...lines, '#EXT-X-ENDLIST'
    ].join('\n') + '\n'
    files.set(`${name}/${MEDIA_PLAYLIST}`, await addFile(components, new TextEncoder().encode(playlist), options))
    const m = measure(list.map(s => ({ duration: s.duration, bytes: s.bytes })), target)
    duration = Math.max(duration, m.seconds)
    const rung = rungs.find(r => r.name === name)
    const firstInit = list[0]?.init
    const codecs = (firstInit === undefined ? undefined : codecsFromInit(await catAll(components, CID.parse(firstInit), options))) ??
      (rung?.width === undefined ? AUDIO_CODECS : undefined)
    if (codecs === undefined) throw new LiveIngestError(`Cannot tell the codecs of the live rendition ${name}`)
    renditions.push({
      name,
      ...(rung?.width !== undefined && rung.height !== undefined && { width: rung.width, height: rung.height }),
      ...(rung?.frameRate !== undefined && rung.width !== undefined && { frameRate: rung.frameRate }),
      bandwidth: m.bandwidth,
      averageBandwidth: m.averageBandwidth,
      codecs,
      playlist: `${name}/${MEDIA_PLAYLIST}`
    })
  }
  renditions.sort((a, b) => a.bandwidth - b.bandwidth)
  files.set(MASTER_PLAYLIST, await addFile(components, new TextEncoder().encode(renderMaster(renditions)), options))
  const top = renditions.at(-1)
  const poster = top?.width === undefined ? undefined : await posterOf(components, byRendition.get(top.name) ?? [], options)
  if (poster !== undefined) files.set(POSTER_FILE, await addFile(components, poster, options))
  const root = await writeDirectories(components.blockstore, files, options)
  return {
    root,
    master: MASTER_PLAYLIST,
    duration: Math.round(duration * 1000) / 1000,
    renditions,
    ...(poster === undefined ? {} : { poster: POSTER_FILE })
  }
}

/** One frame, about a second in, from the top rendition: its init segment and one segment, decoded by ffmpeg from a pipe. */
async function posterOf (components: VodComponents, list: readonly LoggedSegment[], options: AbortOptions & { ffmpegPath?: string }): Promise<Uint8Array | undefined> {
  const sorted = list.toSorted((a, b) => a.seq - b.seq)
  const segment = sorted[Math.min(1, sorted.length - 1)]
  if (segment === undefined) return undefined
  const input = Buffer.concat([await catAll(components, CID.parse(segment.init), options), await catAll(components, CID.parse(segment.cid), options)])
  const args = ['-hide_banner', '-nostats', '-v', 'error', '-protocol_whitelist', 'pipe', '-f', 'mp4', '-i', 'pipe:0',
    '-frames:v', '1', '-vf', `scale='min(${POSTER_MAX_WIDTH},iw)':-2,setsar=1`, '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(30_000)])
  const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { signal, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'ignore'] })
  child.stdin.on('error', () => {})
  child.stdin.end(input)
  const out: Buffer[] = []
  let size = 0
  child.stdout.on('data', (b: Buffer) => {
    size += b.byteLength
    if (size < 8_000_000) out.push(b)
  })
  const code = await new Promise<number | null>(resolve => {
    child.once('error', () => { resolve(null) })
    child.once('close', resolve)
  })
  // A frame that does not decode costs the video its poster, not its publication.
  return code === 0 && size > 0 ? Buffer.concat(out) : undefined
}

async function addFile (components: VodComponents, bytes: Uint8Array, options: AbortOptions): Promise<Imported> {
  const cid = await components.unixfs.addBytes(bytes, { ...IMPORT_OPTIONS, ...(options.signal === undefined ? {} : { signal: options.signal }) })
  return { cid, size: await dagSize(components.blockstore, cid, bytes.byteLength, options) }
}

async function catAll (components: VodComponents, cid: CID, options: AbortOptions): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of components.unixfs.cat(cid, options)) parts.push(part)
  return Buffer.concat(parts)
}

/** A file DAG's cumulative size (the Tsize of a link to it): a raw leaf is its bytes; a dag-pb root adds its block to its links' sizes. */
async function dagSize (blockstore: VodComponents['blockstore'], cid: CID, bytes: number, options: AbortOptions): Promise<bigint> {
  if (cid.code === raw.code) return BigInt(bytes)
  const block = await concat(blockstore.get(cid, options))
  return BigInt(block.byteLength) + dagPb.decode(block).Links.reduce((n, l) => n + BigInt(l.Tsize ?? 0), 0n)
}

async function concat (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

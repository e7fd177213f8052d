/**
 * JSON shapes of the node's control API and of `mhc … --json` output.
 * Scripts depend on these field names: extend, never rename.
 */
import { type Static, Type } from 'typebox'
import { CidString, PublicKeyString } from './manifest-schema.js'

export const DaemonInfo = Type.Object({
  peerId: Type.String(),
  multiaddrs: Type.Array(Type.String()),
  api: Type.String(),
  gateway: Type.Union([Type.String(), Type.Null()]),
  /** Live ingest: `rtmp://HOST:PORT/live` (OBS's "Server"; the stream key goes after it). */
  rtmp: Type.Optional(Type.String()),
  /** Live ingest: `srt://HOST:PORT` (the key goes in `?streamid=`). */
  srt: Type.Optional(Type.String()),
  /** The witness's submission prefix (c2sp.org/tlog-witness): `POST <witness>/add-checkpoint`, when the node acts as one. */
  witness: Type.Optional(Type.String()),
  pid: Type.Integer()
}, { $id: 'mhc.daemon-info.v1' })
export type DaemonInfo = Static<typeof DaemonInfo>

export const IdInfo = Type.Object({
  peerId: Type.String(),
  publicKey: PublicKeyString,
  multiaddrs: Type.Array(Type.String())
}, { $id: 'mhc.id.v1' })
export type IdInfo = Static<typeof IdInfo>

export const PeerEntry = Type.Object({
  peerId: Type.String(),
  multiaddr: Type.String()
})
export type PeerEntry = Static<typeof PeerEntry>

export const AddResult = Type.Object({
  cid: CidString,
  size: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.add-result.v1' })
export type AddResult = Static<typeof AddResult>

export const PublishedRendition = Type.Object({
  name: Type.String(),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  bandwidth: Type.Integer(),
  codecs: Type.String(),
  frameRate: Type.Union([Type.Number(), Type.Null()])
})
export type PublishedRendition = Static<typeof PublishedRendition>

export const PublishResult = Type.Object({
  manifest: CidString,
  root: CidString,
  title: Type.String(),
  duration: Type.Number(),
  renditions: Type.Array(PublishedRendition)
}, { $id: 'mhc.publish-result.v1' })
export type PublishResult = Static<typeof PublishResult>

export const CatalogueEntry = Type.Object({
  manifest: CidString,
  root: CidString,
  title: Type.String(),
  duration: Type.Number(),
  /** RFC 3339 time the video entered this node's catalogue. */
  published: Type.String(),
  /**
   * The key that signed the manifest, copied by the publisher once it verified
   * the manifest: a filter for `?creator=` that needs no manifest read. Absent
   * in entries written before it was added; readers then verify the manifest.
   */
  creator: Type.Optional(PublicKeyString)
}, { $id: 'mhc.catalogue-entry.v1' })
export type CatalogueEntry = Static<typeof CatalogueEntry>

/** `mhc ls --json`: a catalogue entry with the views and reactions this node heard. */
export const CatalogueItem = Type.Object({
  ...CatalogueEntry.properties,
  views: Type.Integer({ minimum: 0 }),
  reactions: Type.Record(Type.String(), Type.Integer({ minimum: 0 }))
}, { $id: 'mhc.catalogue-item.v1' })
export type CatalogueItem = Static<typeof CatalogueItem>

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() })
}, { $id: 'mhc.error.v1' })
export type ErrorBody = Static<typeof ErrorBody>

/**
 * Just enough of SRT's handshake (the SRT protocol draft, §3.2.1 and §4.3,
 * caller–listener) to read a caller's stream id before any media flows, so
 * that a wrong key is refused without starting ffmpeg. Pure functions on
 * datagrams; srt-front.ts does the I/O.
 */

/** Handshake types (§3.2.1, "Handshake Type"). */
export const HS_INDUCTION = 0x00000001
export const HS_CONCLUSION = 0xffffffff
/** A rejection reason sent in place of a handshake type: 1000 + an HTTP-like code (SRT_REJX_FORBIDDEN). */
export const HS_REJECT_FORBIDDEN = 1403
/** A rejection for "that resource is busy" (SRT_REJX_CONFLICT): the stream already has a publisher. */
export const HS_REJECT_CONFLICT = 1409

const SRT_MAGIC = 0x4a17
const EXT_SID = 5
/** Header (16) + the handshake's fixed fields (48). */
const HS_FIXED = 64

export interface Handshake {
  type: number
  /** The sender's SRT socket id. */
  socketId: number
  cookie: number
}

/** A handshake control packet, or undefined for anything else (data, other control, garbage). */
export function parseHandshake (packet: Uint8Array): Handshake | undefined {
  if (packet.byteLength < HS_FIXED) return undefined
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
  // Control bit set and control type 0 (handshake).
  if (view.getUint16(0) !== 0x8000) return undefined
  return { type: view.getUint32(36), socketId: view.getUint32(40), cookie: view.getUint32(44) }
}

/**
 * The stream id carried by a conclusion handshake (extension SRT_CMD_SID),
 * or undefined when it has none. SRT stores the string in 32-bit words, each
 * word's bytes reversed, padded with zero bytes.
 */
export function streamIdOf (packet: Uint8Array): string | undefined {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
  let at = HS_FIXED
  while (at + 4 <= packet.byteLength) {
    const type = view.getUint16(at)
    const words = view.getUint16(at + 2)
    const start = at + 4
    const end = start + words * 4
    if (end > packet.byteLength) return undefined
    if (type === EXT_SID) {
      const bytes = new Uint8Array(words * 4)
      for (let w = 0; w < words; w++) {
        for (let b = 0; b < 4; b++) bytes[w * 4 + b] = packet[start + w * 4 + 3 - b] ?? 0
      }
      let len = bytes.length
      while (len > 0 && bytes[len - 1] === 0) len--
      return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, len))
    }
    at = end
  }
  return undefined
}

/** A copy of `packet` with the SYN cookie replaced (what the listener behind the front expects). */
export function withCookie (packet: Uint8Array, cookie: number): Uint8Array {
  const out = Uint8Array.from(packet)
  new DataView(out.buffer).setUint32(44, cookie)
  return out
}

/**
 * The listener's answer to an induction: the caller's packet, addressed back
 * to the caller's socket, as version 5 with the SRT magic and our cookie.
 */
export function inductionResponse (request: Uint8Array, cookie: number): Uint8Array {
  const out = Uint8Array.from(request.subarray(0, HS_FIXED))
  const view = new DataView(out.buffer)
  view.setUint32(12, view.getUint32(40))
  view.setUint32(16, 5)
  view.setUint16(20, 0)
  view.setUint16(22, SRT_MAGIC)
  view.setUint32(44, cookie)
  return out
}

/** A refusal of a conclusion handshake: its fixed part, addressed to the caller, with a rejection reason as its type. */
export function rejection (request: Uint8Array, reason: number): Uint8Array {
  const out = Uint8Array.from(request.subarray(0, HS_FIXED))
  const view = new DataView(out.buffer)
  view.setUint32(12, view.getUint32(40))
  view.setUint16(22, 0)
  view.setUint32(36, reason)
  return out
}

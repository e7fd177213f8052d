/**
 * The catalogue's pages, for the home page and channels: a module of its own
 * so the watch page, which never lists videos, does not load it (its budget).
 */
import type { VideoPage, VideoSummary } from '@mhc/protocols'
import { badResponse, getJson, isStr, type RequestOptions } from './api.js'

function isSummary (v: unknown): v is VideoSummary {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return isStr(s.manifest) && isStr(s.root) && isStr(s.title) && typeof s.duration === 'number' &&
    isStr(s.published) && (s.poster === null || isStr(s.poster))
}

/** One page of the catalogue, newest first; with `creator`, only that key's videos. */
export async function listVideos (query: { limit?: number, cursor?: string | null, creator?: string }, options: RequestOptions = {}): Promise<VideoPage> {
  const params = new URLSearchParams()
  if (query.creator !== undefined) params.set('creator', query.creator)
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  if (query.cursor != null) params.set('cursor', query.cursor)
  const qs = params.toString()
  const url = `/api/v1/videos${qs === '' ? '' : `?${qs}`}`
  const body = await getJson(url, options)
  const page = body as Partial<VideoPage> | null
  if (page === null || typeof page !== 'object' || !Array.isArray(page.items) || !page.items.every(isSummary) ||
    !(page.next === null || isStr(page.next))) {
    throw badResponse(url, 'is not a video page')
  }
  return page as VideoPage
}

/**
 * The browser app (client/dist) at `/`, with `/watch/*`, `/c/*` (channels),
 * `/login`, `/register`, `/recover`, `/settings`, `/upload`, `/forensics`, `/live/{stream}`, `/studio/live`, `/plans`, `/billing/success`, `/billing/cancel` and `/link-key` falling back to index.html. Without a built app a short page says
 * how to build it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCompress from '@fastify/compress'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

export const APP_CSP = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

/**
 * The app's CSP with `connect-src` opened to the peer gateways and to any
 * https: origin (gateways a viewer adds). The page verifies every byte it
 * fetches from them against the signed root (docs/decisions/0011).
 */
export function appCsp (peerGateways: readonly string[] = []): string {
  const extra = [...new Set(peerGateways.map(u => new URL(u).origin))].join(' ')
  return APP_CSP.replace("connect-src 'self'", `connect-src 'self' https:${extra === '' ? '' : ` ${extra}`}`)
}

export function clientRoutes (clientDir: string | undefined, init: { peerGateways?: readonly string[] } = {}) {
  const csp = appCsp(init.peerGateways)
  return async (app: FastifyInstance): Promise<void> => {
    if (clientDir === undefined || !existsSync(join(clientDir, 'index.html'))) {
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(
        '<!doctype html><meta charset="utf-8"><title>MHC gateway</title><h1>MHC gateway</h1><p>The web app is not built. Run <code>npm run build -w @mhc/client</code>. Content is served under <code>/ipfs/</code>; the API under <code>/api/v1/</code>.</p>'
      ))
      return
    }
    // The app's JS budget assumes gzip; compression stays inside this plugin (encapsulated), off /ipfs.
    await app.register(fastifyCompress, { threshold: 1024, encodings: ['gzip'] })
    app.addHook('onSend', async (_request, reply) => {
      // Scripts, styles and media come from this gateway only; hls.js needs blob: for its worker and MediaSource.
      reply.header('Content-Security-Policy', csp)
      reply.header('X-Content-Type-Options', 'nosniff')
      reply.header('Referrer-Policy', 'no-referrer')
    })
    await app.register(fastifyStatic, {
      root: clientDir,
      prefix: '/',
      index: 'index.html',
      // @fastify/static 10 passes the Fastify reply here (STACK.md gotcha 10).
      setHeaders: (reply, path) => {
        // Vite's hashed assets never change; index.html must be revalidated.
        ;(reply as unknown as FastifyReply).header('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
      }
    })
    // The app's own pages (client/src/lib/route.ts): a reload or a shared link gets the app, which routes it.
    const page = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => await reply.header('Cache-Control', 'no-cache').sendFile('index.html')
    for (const path of ['/watch/*', '/c/*', '/login', '/register', '/recover', '/settings', '/upload', '/forensics', '/live/:stream', '/studio/live', '/plans', '/billing/success', '/billing/cancel', '/link-key']) app.get(path, page)
  }
}

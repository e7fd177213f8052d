/**
 * The browser app (client/dist) at `/`, with `/watch/*` and other app
 * routes falling back to index.html. Without a built app a short page says
 * how to build it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCompress from '@fastify/compress'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

export const APP_CSP = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

export function clientRoutes (clientDir: string | undefined) {
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
      // Nothing loads from outside the gateway; hls.js needs blob: for its worker and MediaSource.
      reply.header('Content-Security-Policy', APP_CSP)
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
    app.get('/watch/*', async (_request, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'))
  }
}

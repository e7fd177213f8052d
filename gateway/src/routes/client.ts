/**
 * The browser app (client/dist) at `/`, with `/watch/*` and other app
 * routes falling back to index.html. Without a built app a short page says
 * how to build it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export function clientRoutes (clientDir: string | undefined) {
  return async function (app: FastifyInstance): Promise<void> {
    if (clientDir === undefined || !existsSync(join(clientDir, 'index.html'))) {
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(
        '<!doctype html><meta charset="utf-8"><title>MHC gateway</title><h1>MHC gateway</h1><p>The web app is not built. Run <code>npm run build -w @mhc/client</code>. Content is served under <code>/ipfs/</code>; the API under <code>/api/v1/</code>.</p>'
      ))
      return
    }
    await app.register(fastifyStatic, {
      root: clientDir,
      prefix: '/',
      index: 'index.html',
      setHeaders: (reply, path) => {
        // Vite's hashed assets never change; index.html must be revalidated.
        ;(reply as unknown as { setHeader(k: string, v: string): void }).setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
      }
    })
    app.get('/watch/*', async (_request, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'))
  }
}

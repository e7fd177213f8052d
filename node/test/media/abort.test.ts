import { access } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ffmpegChildren, makeClip, makeTranscoder, tempDir } from '../helpers/media.js'

t.test('aborting a transcode', async t => {
  const dir = await tempDir(t)
  // Long enough that ffmpeg is still encoding when the first progress report arrives.
  const input = await makeClip(join(dir, 'in.mp4'), { width: 640, height: 360, seconds: 12, fps: 30 })

  t.test('a signal that is already aborted rejects at once with its reason, before any work', async t => {
    const reason = new Error('already aborted')
    const out = join(dir, 'pre')
    await t.rejects(makeTranscoder().transcode(input, out, { signal: AbortSignal.abort(reason) }), reason)
    await t.rejects(makeTranscoder().probe(input, { signal: AbortSignal.abort(reason) }), reason)
    await t.rejects(access(out), 'no output directory was made')
  })

  t.test('aborting mid-encode kills ffmpeg, rejects with the reason and removes the output', async t => {
    const controller = new AbortController()
    const reason = new Error('user cancelled')
    const out = join(dir, 'mid')
    let running: number[] = []
    const job = makeTranscoder().transcode(input, out, {
      signal: controller.signal,
      onProgress: e => {
        if (e.type !== 'transcode:encode' || controller.signal.aborted) return
        running = ffmpegChildren()
        controller.abort(reason)
      }
    })
    await t.rejects(job, reason)
    t.equal(running.length, 1, 'ffmpeg was running when we aborted')
    t.same(ffmpegChildren(), [], 'no ffmpeg process is left')
    await t.rejects(access(out), 'the partial output is gone')
  })

  t.test('a progress callback that throws stops ffmpeg and rejects with its error, not an uncaught exception', async t => {
    const boom = new Error('callback failed')
    const out = join(dir, 'throwing')
    await t.rejects(makeTranscoder().transcode(input, out, { onProgress: e => { if (e.type === 'transcode:encode') throw boom } }), boom)
    t.same(ffmpegChildren(), [])
    await t.rejects(access(out))
  })

  t.test('stop() aborts work in flight with MHC_ERR_ABORTED', async t => {
    const media = makeTranscoder()
    const out = join(dir, 'stopped')
    const job = media.transcode(input, out, { onProgress: e => { if (e.type === 'transcode:encode') void media.stop() } })
    await t.rejects(job, { code: 'MHC_ERR_ABORTED' })
    t.same(ffmpegChildren(), [])
    await t.rejects(access(out))
  })
})

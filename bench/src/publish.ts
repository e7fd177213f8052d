/**
 * bench/publish: wall time of `mhc publish FILE` against plain ffmpeg
 * encoding the same renditions with the same settings, alternating in one
 * run. The ratio is MHC's whole overhead: probe, the poster, the IPFS
 * import and pin, signing, the catalogue write and the CLI round trip.
 *
 *   node bench/dist/publish.js [--seconds 20] [--width 1280] [--height 720] [--runs 3]
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chooseLadder, DEFAULT_SEGMENT_SECONDS, ffmpegArgs, probe } from '@mhc/node'
import { removeRepo, startDaemon } from '@mhc/node/testing'
import { emit, flag, stats } from './report.js'
import { makeSourceClip } from './source-clip.js'

const run = promisify(execFile)

async function main (): Promise<void> {
  const seconds = flag('seconds', 20)
  const width = flag('width', 1280)
  const height = flag('height', 720)
  const runs = flag('runs', 3)
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-publish-'))
  const source = join(work, 'source.mp4')
  await makeSourceClip(source, { seconds, width, height })

  // The baseline runs exactly the encode MHC runs (same ladder, GOP, rates, HLS muxer), minus the poster.
  const info = await probe('ffprobe', source)
  const args = ffmpegArgs({ input: source, info, rungs: chooseLadder(info), segmentSeconds: DEFAULT_SEGMENT_SECONDS })

  const daemon = await startDaemon()
  const plain: number[] = []
  const mhc: number[] = []
  let failed = false
  try {
    for (let i = 0; i < runs; i++) {
      const out = join(work, `plain-${i}`)
      await mkdir(out)
      let t0 = performance.now()
      await run('ffmpeg', args, { cwd: out, maxBuffer: 64 * 1024 * 1024 })
      plain.push((performance.now() - t0) / 1000)
      const segments = (await readdir(out, { recursive: true })).filter(f => String(f).endsWith('.m4s')).length

      t0 = performance.now()
      const res = await daemon.cli(['publish', source, '--json', '--title', `bench ${i}`], { timeoutMs: 600_000 })
      mhc.push((performance.now() - t0) / 1000)
      if (res.code !== 0) throw new Error(`mhc publish failed: ${res.stderr}`)
      const published = JSON.parse(res.stdout) as { renditions: unknown[], duration: number }
      // Check the answer, not just the clock.
      if (published.renditions.length !== chooseLadder(info).length || Math.abs(published.duration - seconds) > 1) {
        throw new Error(`publish produced ${published.renditions.length} renditions / ${published.duration} s`)
      }
      process.stderr.write(`run ${i + 1}/${runs}: ffmpeg ${plain.at(-1)?.toFixed(2)} s (${segments} segments), mhc publish ${mhc.at(-1)?.toFixed(2)} s\n`)
    }
  } catch (err) {
    failed = true
    process.stderr.write(`bench failed: ${(err as Error).message}\n`)
  } finally {
    await daemon.stop()
    await removeRepo(daemon.repo)
    await rm(work, { recursive: true, force: true })
  }
  if (failed || plain.length === 0) process.exit(1)
  const kase = `${width}x${height} ${seconds}s`
  const sp = stats(plain)
  const sm = stats(mhc)
  emit('publish', `${kase} plain ffmpeg`, 'wall', 's', sp)
  emit('publish', `${kase} mhc publish`, 'wall', 's', sm)
  emit('publish', kase, 'ratio', 'x', { mean: sm.mean / sp.mean, p50: sm.p50 / sp.p50, p99: sm.p99 / sp.p99, samples: sm.samples }, { goal: 1.1 })
}

await main()

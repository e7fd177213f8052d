import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { publish } from '../helpers/live.js'

t.test('mhc daemon and mhc live create', async t => {
  const d = await startDaemon({ gateway: true })
  t.teardown(async () => { await d.stop(); await removeRepo(d.repo) })

  t.test('daemon.json carries the bound RTMP and SRT URLs (port 0 asked)', async t => {
    const info = JSON.parse(await readFile(join(d.repo, 'daemon.json'), 'utf8')) as { rtmp: string, srt: string }
    t.match(info.rtmp, /^rtmp:\/\/127\.0\.0\.1:[1-9][0-9]*\/live$/)
    t.match(info.srt, /^srt:\/\/127\.0\.0\.1:[1-9][0-9]*$/)
    t.equal(info.rtmp, d.info.rtmp, 'the same as `mhc daemon --json` printed')
  })

  t.test('live create --json prints exactly {stream, key, rtmpUrl, srtUrl, watch}, and the key lets a publisher in', async t => {
    const res = await d.cli(['live', 'create', '--title', 'Launch day', '--json'])
    t.equal(res.code, 0, res.stderr)
    const made = JSON.parse(res.stdout) as Record<string, string>
    t.same(Object.keys(made), ['stream', 'key', 'rtmpUrl', 'srtUrl', 'watch'])
    t.equal(made.rtmpUrl, `${d.info.rtmp ?? ''}/${made.key ?? ''}`, 'ready to paste into OBS: the key is the last path part')
    t.equal(made.srtUrl, `${d.info.srt ?? ''}?streamid=${made.key ?? ''}`)
    t.equal(made.watch, `${d.info.gateway ?? ''}/live/${made.stream ?? ''}`)
    t.equal((await publish(made.rtmpUrl ?? '', { seconds: 2, size: '320x180' }).exited).code, 0, 'a publisher with the key gets in')
    const wrong = (made.rtmpUrl ?? '').replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAAA')
    t.not((await publish(wrong, { seconds: 2, size: '320x180' }).exited).code, 0, 'one with another key does not')
  })

  t.test('live create without a title is a usage error; with markup, a typed error', async t => {
    t.equal((await d.cli(['live', 'create'])).code, 2)
    const bad = await d.cli(['live', 'create', '--title', '<script>', '--json'])
    t.equal(bad.code, 1)
    t.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'MHC_ERR_WIRE_FORMAT')
  })
})

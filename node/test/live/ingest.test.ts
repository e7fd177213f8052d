import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import { pino } from 'pino'
import t from 'tap'
import { liveRig, publish, publishGarbageSrt } from '../helpers/live.js'

t.test('live ingest over RTMP', async t => {
  const rig = await liveRig(t)
  const { service } = rig

  t.test('create answers the stream, its key and both ingest URLs, and the stream waits', async t => {
    const made = await service.create({ title: 'Launch day' })
    t.match(made.stream, /^[0-9a-f]{32}$/)
    t.match(made.key, /^[A-Za-z0-9_-]{22}$/, '128 random bits')
    t.equal(made.rtmpUrl, `${service.rtmpUrl}/${made.key}`, 'the key is the last path part of the RTMP URL')
    t.equal(made.srtUrl, `${service.srtUrl}?streamid=${made.key}`)
    t.match(service.rtmpUrl, /^rtmp:\/\/127\.0\.0\.1:[1-9][0-9]*\/live$/, 'the bound port, not 0')
    t.match(service.srtUrl, /^srt:\/\/127\.0\.0\.1:[1-9][0-9]*$/)
    t.equal((await service.get(made.stream)).state, 'waiting')
    t.equal(await service.create({ title: '<script>' }).catch((err: { code?: string }) => err.code), 'MHC_ERR_WIRE_FORMAT', 'a title is plain text')
  })

  t.test('a publisher\'s segments arrive as events, ~1 s long, their CIDs in the blockstore and pinned', async t => {
    const made = await service.create({ title: 'RTMP' })
    const pub = publish(made.rtmpUrl, { seconds: 4 })
    const { code } = await pub.exited
    t.equal(code, 0, 'the publisher ran to its end')
    const mine = await eventually(() => {
      const s = rig.segments.filter(e => e.stream === made.stream)
      return s.some(e => e.rendition === '360p') && s.some(e => e.rendition === '240p') && s.length >= 6 ? s : undefined
    }, { what: 'segments of both rungs', ms: 30_000 })
    t.same([...new Set(mine.map(e => e.rendition))].sort(), ['240p', '360p'], 'rungs up to the source (360p), none above it')
    for (const e of mine) {
      t.ok(await rig.blockstore.has(CID.parse(e.cid)), `${e.rendition} #${e.seq} is in the blockstore`)
      t.ok(await rig.helia.pins.isPinned(CID.parse(e.cid)), `${e.rendition} #${e.seq} is pinned`)
      t.ok(await rig.blockstore.has(CID.parse(e.init)), 'its init segment too')
    }
    const full = mine.filter(e => e.rendition === '360p').slice(0, -1)
    t.ok(full.length >= 2, 'at least two whole segments')
    for (const e of full) t.ok(e.duration > 0.9 && e.duration < 1.1, `segment ${e.seq} lasts about 1 s (${e.duration})`)
    const seqs = mine.filter(e => e.rendition === '360p').map(e => e.seq)
    t.same(seqs, seqs.map((_, i) => i), 'media sequence numbers from 0, in order')
    t.ok(mine.every(e => Math.abs(e.programDateTime - Date.now()) < 120_000), 'program date times from the wall clock')
    const stream = await service.get(made.stream)
    t.equal(stream.state, 'live', 'live from the first segment, and still live while the publisher may come back')
    t.ok(stream.startedAt !== undefined)
  })

  t.test('a wrong key is refused and the stream stays waiting', async t => {
    const made = await service.create({ title: 'Wrong key' })
    const wrong = made.rtmpUrl.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAAA')
    const { code } = await publish(wrong, { seconds: 2 }).exited
    t.not(code, 0, 'the publisher was cut off')
    const other = made.rtmpUrl.replace('/live/', '/other/')
    t.not((await publish(other, { seconds: 2 }).exited).code, 0, 'the right key under another application is refused too')
    const player = spawn('ffmpeg', ['-v', 'error', '-rw_timeout', '5000000', '-i', made.rtmpUrl, '-t', '1', '-f', 'null', '-'], { stdio: 'ignore' })
    const played = await new Promise<number | null>(resolve => { player.once('close', resolve) })
    t.not(played, 0, 'a player is refused: the ingest takes publishers only')
    t.equal((await service.get(made.stream)).state, 'waiting')
    t.notOk(rig.segments.some(e => e.stream === made.stream), 'no segment was made')
  })

  t.test('a second publisher is refused while the first continues', async t => {
    const made = await service.create({ title: 'Busy' })
    const first = publish(made.rtmpUrl, { seconds: 5 })
    await eventually(() => rig.segments.some(e => e.stream === made.stream), { what: 'the first publisher live', ms: 20_000 })
    const second = await publish(made.rtmpUrl, { seconds: 2 }).exited
    t.not(second.code, 0, 'the second publisher was cut off')
    t.equal((await first.exited).code, 0, 'the first one ran to its end')
    const seqs = rig.segments.filter(e => e.stream === made.stream && e.rendition === '360p').map(e => e.seq)
    t.same(seqs, seqs.map((_, i) => i), 'one unbroken sequence: the second publisher added nothing')
  })

  t.test('garbage on the RTMP port does not hurt the node', async t => {
    for (const bytes of [Buffer.alloc(4096, 0xff), Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7), Buffer.alloc(3000, 0x41)])]) {
      await new Promise<void>(resolve => {
        const port = Number(new URL(service.rtmpUrl).port)
        const socket = connect(port, '127.0.0.1', () => { socket.end(bytes) })
        socket.on('error', () => { resolve() })
        socket.on('close', () => { resolve() })
        socket.setTimeout(20_000, () => { socket.destroy() })
      })
    }
    const made = await service.create({ title: 'After garbage' })
    t.equal((await publish(made.rtmpUrl, { seconds: 2 }).exited).code, 0, 'a publisher still gets in afterwards')
    await eventually(() => rig.segments.some(e => e.stream === made.stream), { what: 'segments after the garbage' })
  })
})

t.test('live ingest over SRT', async t => {
  const rig = await liveRig(t)
  const { service } = rig

  t.test('a publisher\'s segments arrive as events', async t => {
    const made = await service.create({ title: 'SRT' })
    const { code } = await publish(made.srtUrl, { seconds: 4 }).exited
    t.equal(code, 0)
    const mine = await eventually(() => {
      const s = rig.segments.filter(e => e.stream === made.stream && e.rendition === '360p')
      return s.length >= 3 ? s : undefined
    }, { what: 'SRT segments', ms: 30_000 })
    for (const e of mine) t.ok(await rig.blockstore.has(CID.parse(e.cid)))
    t.equal((await service.get(made.stream)).state, 'live')
  })

  t.test('a wrong stream id is refused in the handshake and the stream stays waiting', async t => {
    const made = await service.create({ title: 'SRT wrong key' })
    const { code, stderr } = await publish(`${service.srtUrl}?streamid=AAAAAAAAAAAAAAAAAAAAAA`, { seconds: 2 }).exited
    t.not(code, 0)
    t.match(stderr, /reject|failed/i, 'the caller is told it was rejected')
    const none = await publish(service.srtUrl, { seconds: 2 }).exited
    t.not(none.code, 0, 'no stream id at all is refused too')
    t.equal((await service.get(made.stream)).state, 'waiting')
  })

  t.test('a publisher with the right key and garbage for media leaves the stream waiting', async t => {
    const made = await service.create({ title: 'SRT garbage' })
    await publishGarbageSrt(made.srtUrl, 3).exited
    t.equal((await service.get(made.stream)).state, 'waiting', 'no segment came of it')
    // The session ends on its own (the probe finds no media); the stream is then free for a real publisher.
    await eventually(async () => (await publish(made.srtUrl, { seconds: 3 }).exited).code === 0, { what: 'a real publisher after the garbage', ms: 40_000, every: 500 })
    await eventually(() => rig.segments.some(e => e.stream === made.stream), { what: 'segments after the garbage' })
  })

  t.test('garbage datagrams on the SRT port do not hurt the node', async t => {
    const socket = createSocket('udp4')
    const port = Number(new URL(service.srtUrl).port)
    for (let i = 0; i < 50; i++) {
      const junk = Buffer.alloc(64 + i * 10, i)
      if (i % 2 === 0) junk.writeUInt16BE(0x8000, 0)
      socket.send(junk, port, '127.0.0.1')
    }
    await new Promise<void>(resolve => { socket.close(() => { resolve() }) })
    const made = await service.create({ title: 'After junk' })
    t.equal((await publish(made.srtUrl, { seconds: 2 }).exited).code, 0)
  })
})

t.test('a dropped publisher', async t => {
  const rig = await liveRig(t, { reconnectWindowMs: 4_000 })
  const { service } = rig

  t.test('that comes back within the window resumes the same stream, its media sequence continuing', async t => {
    const made = await service.create({ title: 'Reconnect' })
    t.equal((await publish(made.rtmpUrl, { seconds: 3 }).exited).code, 0)
    const before = await eventually(() => {
      const s = rig.segments.filter(e => e.stream === made.stream && e.rendition === '360p')
      return s.length >= 2 ? s : undefined
    }, { what: 'first session segments' })
    t.equal((await publish(made.srtUrl, { seconds: 3 }).exited).code, 0, 'back, over SRT this time')
    const all = await eventually(() => {
      const s = rig.segments.filter(e => e.stream === made.stream && e.rendition === '360p')
      return s.some(e => e.discontinuity) && s.length > before.length + 1 ? s : undefined
    }, { what: 'second session segments' })
    const seqs = all.map(e => e.seq)
    t.same(seqs, seqs.map((_, i) => i), 'one sequence across both sessions')
    const first = all.find(e => e.discontinuity)
    t.ok(first !== undefined && first.seq > 0, 'the first segment after the reconnect is marked as a discontinuity')
    t.equal((await service.get(made.stream)).state, 'live')
  })

  t.test('that stops mid-segment leaves a live stream, which ends by itself after the window', async t => {
    const made = await service.create({ title: 'Killed' })
    const pub = publish(made.rtmpUrl, { seconds: 30 })
    await eventually(() => rig.segments.filter(e => e.stream === made.stream).length >= 4, { what: 'live' })
    pub.child.kill('SIGKILL')
    await pub.exited
    t.equal((await service.get(made.stream)).state, 'live', 'still live within the window')
    await eventually(async () => (await service.get(made.stream)).state === 'ended', { what: 'ended after the window', ms: 30_000 })
    const refused = await publish(made.rtmpUrl, { seconds: 2 }).exited
    t.not(refused.code, 0, 'an ended stream takes no publisher')
    const srt = await publish(made.srtUrl, { seconds: 2 }).exited
    t.not(srt.code, 0, 'over SRT neither')
  })
  t.test('end() cuts the publisher and ends the stream at once', async t => {
    const made = await service.create({ title: 'Ended by its owner' })
    const pub = publish(made.rtmpUrl, { seconds: 30 })
    await eventually(() => rig.segments.filter(e => e.stream === made.stream).length >= 2, { what: 'live' })
    const ended = await service.end(made.stream)
    t.equal(ended.state, 'ended')
    t.ok(ended.endedAt !== undefined)
    t.not((await pub.exited).code, 0, 'the publisher was cut off')
    t.equal(await service.end('0'.repeat(32)).catch((err: { code?: string }) => err.code), 'MHC_ERR_LIVE_NOT_FOUND')
  })
})

t.test('without ffprobe/ffmpeg a publisher gets a clear error, not "exit null", and the node goes on', async t => {
  const lines: Array<{ code?: string, msg?: string }> = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(JSON.parse(line) as { code?: string, msg?: string }) } })
  const rig = await liveRig(t, { ffprobePath: '/nonexistent/ffprobe', ffmpegPath: '/nonexistent/ffmpeg' }, logger)
  const made = await rig.service.create({ title: 'No tools' })
  const pub = publish(made.rtmpUrl, { seconds: 2 })
  const warned = await eventually(() => lines.find(l => l.msg === 'live session ended with an error'), { what: 'the session\'s error in the log', ms: 30_000 })
  t.equal(warned.code, 'MHC_ERR_FFMPEG_MISSING', 'the missing tool, by its stable code')
  await pub.exited
  t.equal((await rig.service.get(made.stream)).state, 'waiting', 'the stream waits for a publisher the node can take')
  t.ok((await rig.service.create({ title: 'Still here' })).stream, 'the service still answers')
})

t.test('stopping the service with a publisher live cuts it and leaves nothing running', async t => {
  const rig = await liveRig(t)
  const made = await rig.service.create({ title: 'Shutdown' })
  const rtmp = publish(made.rtmpUrl, { seconds: 30 })
  const srtStream = await rig.service.create({ title: 'Shutdown SRT' })
  const srt = publish(srtStream.srtUrl, { seconds: 30 })
  await eventually(() => rig.segments.some(e => e.stream === made.stream) && rig.segments.some(e => e.stream === srtStream.stream), { what: 'both live', ms: 30_000 })
  await rig.service.stop()
  t.not((await rtmp.exited).code, 0, 'the RTMP publisher was cut off')
  t.not((await srt.exited).code, 0, 'the SRT publisher was cut off')
  await t.rejects(rig.service.create({ title: 'late' }), { code: 'MHC_ERR_NOT_STARTED' })
})

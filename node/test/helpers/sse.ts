// Server-Sent Events in tests: the gateway's chat stream read as a browser would.

/** A minimal SSE reader over fetch: events as they come, bounded by the caller's signal. */
export async function * sse (url: string, headers: Record<string, string>, signal: AbortSignal): AsyncGenerator<{ id?: string, event?: string, data: string }> {
  const res = await fetch(url, { headers, signal })
  if (res.status !== 200 || res.body === null) throw new Error(`SSE answered ${res.status}: ${await res.text()}`)
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const block = buffered.slice(0, end)
      buffered = buffered.slice(end + 2)
      const fields: Record<string, string> = {}
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const i = line.indexOf(':')
        if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart()
      }
      if (fields.data !== undefined) yield { ...(fields.id === undefined ? {} : { id: fields.id }), ...(fields.event === undefined ? {} : { event: fields.event }), data: fields.data }
    }
  }
}

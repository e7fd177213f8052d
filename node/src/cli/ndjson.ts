import { assertWire, WireFormatError, type WireValidator } from '@mhc/protocols'

/** A daemon's NDJSON stream (publish progress, chat), each line parsed and checked against its schema. */
export async function * ndjson<T> (res: Response, validator: WireValidator<T>, what: string): AsyncGenerator<T> {
  if (res.body === null) return
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl).trim()
      buffered = buffered.slice(nl + 1)
      if (line !== '') yield assertWire(validator, parseLine(line, what), what)
    }
  }
}

function parseLine (line: string, what: string): unknown {
  try {
    return JSON.parse(line)
  } catch (err) {
    throw new WireFormatError(`The daemon sent a ${what} that is not JSON: ${line.slice(0, 80)}`, { cause: err })
  }
}

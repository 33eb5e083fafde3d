// A minimal remote-write 1.0 protobuf codec for tests: enough to build requests and to read back
// what the fake backend received, independent of the code under test.

export interface TestSeries {
  labels: Record<string, string>
  samples: { value: number; timestamp: number }[]
}

function varint(value: number): number[] {
  const out: number[] = []
  while (value > 0x7f) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
  return out
}

function field(number: number, bytes: Uint8Array): number[] {
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes]
}

/** Encodes a WriteRequest holding `series` (labels sorted by name, as the protocol requires). */
export function encodeWriteRequest(series: TestSeries[]): Uint8Array {
  const out: number[] = []
  for (const s of series) {
    const ts: number[] = []
    for (const name of Object.keys(s.labels).sort()) {
      ts.push(
        ...field(
          1,
          new Uint8Array([...field(1, Buffer.from(name)), ...field(2, Buffer.from(s.labels[name]!))]),
        ),
      )
    }
    for (const sample of s.samples) {
      const value = Buffer.alloc(8)
      value.writeDoubleLE(sample.value)
      ts.push(...field(2, new Uint8Array([0x09, ...value, 0x10, ...varint(sample.timestamp)])))
    }
    out.push(...field(1, new Uint8Array(ts)))
  }
  return new Uint8Array(out)
}

class Reader {
  pos = 0
  readonly buf: Uint8Array
  constructor(buf: Uint8Array) {
    this.buf = buf
  }
  get done(): boolean {
    return this.pos >= this.buf.length
  }
  varint(): number {
    let result = 0
    let scale = 1
    for (;;) {
      const byte = this.buf[this.pos++]!
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 0x80
    }
  }
  bytes(): Uint8Array {
    const length = this.varint()
    const out = this.buf.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint()
    else if (wireType === 1) this.pos += 8
    else if (wireType === 2) this.bytes()
    else if (wireType === 5) this.pos += 4
    else throw new Error(`unsupported wire type ${wireType}`)
  }
}

/** Decodes the series of a WriteRequest (other fields are skipped). */
export function decodeWriteRequest(buf: Uint8Array): TestSeries[] {
  const series: TestSeries[] = []
  const request = new Reader(buf)
  while (!request.done) {
    const tag = request.varint()
    if (tag >>> 3 !== 1) {
      request.skip(tag & 7)
      continue
    }
    const s: TestSeries = { labels: {}, samples: [] }
    const ts = new Reader(request.bytes())
    while (!ts.done) {
      const tsTag = ts.varint()
      if (tsTag >>> 3 === 1) {
        const label = new Reader(ts.bytes())
        let name = ''
        let value = ''
        while (!label.done) {
          const labelTag = label.varint()
          const text = Buffer.from(label.bytes()).toString()
          if (labelTag >>> 3 === 1) name = text
          else value = text
        }
        s.labels[name] = value
      } else if (tsTag >>> 3 === 2) {
        const sample = new Reader(ts.bytes())
        let value = 0
        let timestamp = 0
        while (!sample.done) {
          const sampleTag = sample.varint()
          if (sampleTag === 0x09) {
            value = Buffer.from(sample.buf.subarray(sample.pos, sample.pos + 8)).readDoubleLE()
            sample.pos += 8
          } else if (sampleTag === 0x10) timestamp = sample.varint()
          else sample.skip(sampleTag & 7)
        }
        s.samples.push({ value, timestamp })
      } else ts.skip(tsTag & 7)
    }
    series.push(s)
  }
  return series
}

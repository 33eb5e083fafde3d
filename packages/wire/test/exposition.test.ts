import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Label } from '@sluice/contracts'
import {
  ExpositionError,
  ExpositionLimitError,
  formatFromContentType,
  formatText,
  ParsedSample,
  parseExposition,
  SCRAPE_ACCEPT_HEADER,
} from '../src/exposition/index.ts'

/** `{ a: '1' }` plus the metric name as a sorted label array, the shape the parser returns. */
function labels(name: string, rest: Record<string, string> = {}): Label[] {
  return [
    { name: '__name__', value: name },
    ...Object.entries(rest).map(([n, value]) => ({ name: n, value })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

function sample(name: string, rest: Record<string, string>, value: number, ts?: number): ParsedSample {
  return new ParsedSample(name, labels(name, rest), value, ts)
}

function parseError(body: string, format: 'text' | 'openmetrics'): ExpositionError {
  try {
    parseExposition(body, format)
  } catch (err) {
    assert.ok(err instanceof ExpositionError, `expected an ExpositionError, got ${String(err)}`)
    return err
  }
  assert.fail(`expected ${JSON.stringify(body)} to fail`)
}

describe('text format 0.0.4', () => {
  test('parses the example from the Prometheus exposition format documentation', () => {
    const body = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# Escaping in label values:',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      '',
      '# Minimalistic line:',
      'metric_without_timestamp_and_labels 12.47',
      '',
      '# A weird metric from before the epoch:',
      'something_weird{problem="division by zero"} +Inf -3982045',
      '',
    ].join('\n')
    const result = parseExposition(body, 'text')
    assert.equal(result.format, 'text')
    assert.deepEqual(result.samples, [
      sample('http_requests_total', { method: 'post', code: '200' }, 1027, 1395066363000),
      sample('http_requests_total', { method: 'post', code: '400' }, 3, 1395066363000),
      sample(
        'msdos_file_access_time_seconds',
        { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
        1.458255915e9,
      ),
      sample('metric_without_timestamp_and_labels', {}, 12.47),
      sample('something_weird', { problem: 'division by zero' }, Number.POSITIVE_INFINITY, -3982045),
    ])
    assert.deepEqual(result.metadata, [
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'The total number of HTTP requests.',
        unit: undefined,
      },
    ])
  })

  test('reads histogram and summary families with le and quantile series', () => {
    const body = `# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.05"} 24054
rpc_seconds_bucket{le="+Inf"} 144320
rpc_seconds_sum 53423
rpc_seconds_count 144320
# TYPE rpc_q summary
rpc_q{quantile="0.5"} 4773
rpc_q{quantile="0.99"} NaN
rpc_q_sum 1.7560473e+07
rpc_q_count 2693
`
    const { samples, metadata } = parseExposition(body, 'text')
    assert.deepEqual(
      samples.map((s) => [s.name, s.value]),
      [
        ['rpc_seconds_bucket', 24054],
        ['rpc_seconds_bucket', 144320],
        ['rpc_seconds_sum', 53423],
        ['rpc_seconds_count', 144320],
        ['rpc_q', 4773],
        ['rpc_q', Number.NaN],
        ['rpc_q_sum', 17560473],
        ['rpc_q_count', 2693],
      ],
    )
    assert.deepEqual(samples[1]!.labels, labels('rpc_seconds_bucket', { le: '+Inf' }))
    assert.deepEqual(
      metadata.map((m) => [m.name, m.type]),
      [
        ['rpc_seconds', 'histogram'],
        ['rpc_q', 'summary'],
      ],
    )
  })

  test('reads every value spelling Prometheus accepts', () => {
    const spellings: [string, number][] = [
      ['NaN', Number.NaN],
      ['nan', Number.NaN],
      ['+Inf', Number.POSITIVE_INFINITY],
      ['-Inf', Number.NEGATIVE_INFINITY],
      ['Inf', Number.POSITIVE_INFINITY],
      ['+infinity', Number.POSITIVE_INFINITY],
      ['1e3', 1000],
      ['-1.5E-3', -0.0015],
      ['.5', 0.5],
      ['5.', 5],
      ['0042', 42],
      ['-0', -0],
      ['123456789012345678', 123456789012345680],
      ['1.7976931348623157e308', Number.MAX_VALUE],
    ]
    for (const [text, value] of spellings) {
      const [s] = parseExposition(`m ${text}\n`, 'text').samples
      assert.ok(Object.is(s!.value, value), `${text} -> ${s!.value}`)
    }
  })

  test('allows blank lines, tabs, blanks inside the label set, a trailing comma and no final line feed', () => {
    const body = '\n  \t\nfoo { a = "1" , b="2", } 7 \t\n\tbar\t3\t42\t\n\nbaz{} 1'
    assert.deepEqual(parseExposition(body, 'text').samples, [
      sample('foo', { a: '1', b: '2' }, 7),
      sample('bar', {}, 3, 42),
      sample('baz', {}, 1),
    ])
  })

  test('ignores comments that are not HELP or TYPE lines', () => {
    const body = '# just a comment\n#HELP foo not metadata\n# HELPER foo x\n#\nfoo 1\n'
    const result = parseExposition(body, 'text')
    assert.deepEqual(result.metadata, [])
    assert.equal(result.samples.length, 1)
  })

  test('unescapes \\\\ and \\n in HELP and keeps other backslashes as written', () => {
    const body = '# HELP foo  a\\\\b\\nc \\"d\\" \\t\n# HELP bar\n'
    const { metadata } = parseExposition(body, 'text')
    assert.equal(metadata[0]!.help, ' a\\b\nc \\"d\\" \\t')
    assert.equal(metadata[1]!.help, '')
    assert.equal(metadata[0]!.type, 'untyped')
  })

  test('keeps an unknown escape in a label value as written', () => {
    const [s] = parseExposition('foo{a="x\\ty"} 1\n', 'text').samples
    assert.deepEqual(s!.labels, labels('foo', { a: 'x\\ty' }))
  })

  test('sorts labels by name with __name__ among them', () => {
    const [s] = parseExposition('foo{z="1",A="2",_b="3",a="4"} 1\n', 'text').samples
    assert.deepEqual(
      s!.labels.map((l) => l.name),
      ['A', '__name__', '_b', 'a', 'z'],
    )
  })

  test('keeps non-ASCII label values and HELP text', () => {
    const body = '# HELP temp Température en °C 🌡\ntemp{city="Zürich 🇨🇭"} 21.5\n'
    const result = parseExposition(body, 'text')
    assert.equal(result.metadata[0]!.help, 'Température en °C 🌡')
    assert.deepEqual(result.samples[0]!.labels, labels('temp', { city: 'Zürich 🇨🇭' }))
  })

  test('parses a node-exporter excerpt', () => {
    const body = `# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.2542e-05
go_gc_duration_seconds{quantile="0.25"} 3.4792e-05
go_gc_duration_seconds{quantile="1"} 0.000250667
go_gc_duration_seconds_sum 0.007443458
go_gc_duration_seconds_count 172
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 86236.35
node_cpu_seconds_total{cpu="0",mode="iowait"} 41.23
node_cpu_seconds_total{cpu="1",mode="idle"} 86389.81
# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 4.5071773696e+10
# HELP node_uname_info Labeled system information as provided by the uname system call.
# TYPE node_uname_info gauge
node_uname_info{domainname="(none)",machine="x86_64",nodename="edge-01",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.
# TYPE node_scrape_collector_success gauge
node_scrape_collector_success{collector="cpu"} 1
node_scrape_collector_success{collector="filesystem"} 1
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.71077408153e+09
`
    const { samples, metadata } = parseExposition(body, 'text')
    assert.equal(samples.length, 13)
    assert.equal(metadata.length, 6)
    assert.deepEqual(samples[5], sample('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 86236.35))
    assert.equal(samples[8]!.value, 4.5071773696e10)
    assert.equal(
      samples[9]!.labels.find((l) => l.name === 'version')!.value,
      '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)',
    )
    assert.deepEqual(metadata[1], {
      name: 'node_cpu_seconds_total',
      type: 'counter',
      help: 'Seconds the CPUs spent in each mode.',
      unit: undefined,
    })
  })

  test('rejects what the format forbids, naming the line', () => {
    const cases: [string, RegExp][] = [
      ['ok 1\nfoo{a="1",a="2"} 1\n', /^line 2: duplicate label name "a"/],
      ['foo{__name__="bar"} 1\n', /^line 1: duplicate label name "__name__"/],
      ['1foo 1\n', /^line 1: expected a metric name/],
      ['foo-bar 1\n', /^line 1: expected a blank or "\{" after the metric name/],
      ['foo{1a="x"} 1\n', /^line 1: expected a label name/],
      ['foo{a="x} 1\n', /^line 1: unterminated label value/],
      ['foo{a="x"\n', /^line 1: expected "," or "}"/],
      ['foo{a="x\\\n"} 1\n', /^line 1: unterminated label value/],
      ['foo abc\n', /^line 1: invalid value "abc"/],
      ['foo 1e400\n', /^line 1: invalid value "1e400"/],
      ['foo 0x1p3\n', /^line 1: invalid value/],
      ['foo 1 1.5\n', /^line 1: invalid timestamp "1.5"/],
      ['foo 1 2 3\n', /^line 1: expected end of line/],
      ['foo\n', /^line 1: expected a blank/],
      ['foo \n', /^line 1: expected a value/],
      ['foo 1\r\n', /^line 1: invalid value/],
      ['# TYPE foo histogramm\n', /^line 1: invalid metric type "histogramm"/],
      ['# TYPE foo info\n', /^line 1: invalid metric type "info"/],
      ['# TYPE foo\n', /^line 1: expected a blank and a metric type/],
      ['# HELP 1foo x\n', /^line 1: expected a metric name after HELP/],
      ['# TYPE foo gauge\n# TYPE foo counter\n', /^line 2: second TYPE line for "foo"/],
      ['# HELP foo a\n# HELP foo b\n', /^line 2: second HELP line for "foo"/],
      ['foo 1\n# TYPE foo gauge\n', /^line 2: TYPE line for "foo" comes after its samples/],
      ['h_bucket{le="1"} 1\n# TYPE h histogram\n', /^line 2: TYPE line for "h" comes after its samples/],
      ['# TYPE h histogram\nh_bucket 1\n', /^line 2: "h_bucket" needs a "le" label/],
      ['# TYPE h histogram\nh_bucket{le="x"} 1\n', /^line 2: label le="x" of "h_bucket" is not a number/],
      ['# TYPE s summary\ns 1\n', /^line 2: "s" needs a "quantile" label/],
      ['foo{a="\uFFFD"} 1\n', /^line 1: label value is not valid UTF-8/],
      ['foo{a="\uD800"} 1\n', /^line 1: label value is not valid UTF-8/],
      ['# HELP foo bad \uFFFD\n', /^line 1: HELP text is not valid UTF-8/],
    ]
    for (const [body, message] of cases) {
      const err = parseError(body, 'text')
      assert.match(err.message, message, JSON.stringify(body))
      assert.equal(err.code, 'SLUICE_ERR_EXPOSITION')
      assert.equal(err.status, 400)
    }
  })

  test('quotes at most 64 characters of a bad token in the message', () => {
    const err = parseError(`foo ${'9'.repeat(10_000)}x\n`, 'text')
    assert.ok(err.message.length < 120, err.message)
    assert.match(err.message, /^line 1: invalid value "9{64}"\.\.\.$/)
  })

  test('reports the line number of a failure deep in the body', () => {
    const body = `${'ok 1\n'.repeat(11)}bad{ 1\n`
    const err = parseError(body, 'text')
    assert.equal(err.line, 12)
    assert.match(err.message, /^line 12: /)
  })
})

describe('OpenMetrics 1.0', () => {
  test('parses the complete exposition example from the spec', () => {
    const body = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
# EOF
`
    const result = parseExposition(body, 'openmetrics')
    assert.equal(result.format, 'openmetrics')
    assert.equal(result.samples.length, 8)
    assert.deepEqual(
      result.samples[2],
      sample('acme_http_router_request_seconds_created', { path: '/api/v1', method: 'GET' }, 1605281325),
    )
    assert.deepEqual(result.samples[7], sample('process_cpu_seconds_total', {}, 4200722.46))
    assert.deepEqual(result.metadata, [
      {
        name: 'acme_http_router_request_seconds',
        type: 'summary',
        help: "Latency though all of ACME's HTTP request router.",
        unit: 'seconds',
      },
      {
        name: 'go_goroutines',
        type: 'gauge',
        help: 'Number of goroutines that currently exist.',
        unit: undefined,
      },
      {
        name: 'process_cpu_seconds',
        type: 'counter',
        help: 'Total user and system CPU time spent in seconds.',
        unit: 'seconds',
      },
    ])
  })

  test('converts timestamps from seconds to milliseconds, truncating as Prometheus does', () => {
    const body =
      '# TYPE foo gauge\nfoo 17.0 1520879607.789\nfoo 18.0 456\nfoo 19 1.0009\nfoo 20 -0.0001\n# EOF'
    assert.deepEqual(
      parseExposition(body, 'openmetrics').samples.map((s) => s.timestampMs),
      [1520879607789, 456000, 1000, 0],
    )
  })

  test('parses exemplars and leaves them out of the samples', () => {
    const body = `# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17 1520879607.789 # {trace_id="x"} 9.8
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE bar counter
bar_total 5 # {span_id="a\\"b"} 1
# EOF
`
    const { samples } = parseExposition(body, 'openmetrics')
    assert.deepEqual(
      samples.map((s) => [s.name, s.value, s.timestampMs]),
      [
        ['foo_bucket', 0, undefined],
        ['foo_bucket', 8, undefined],
        ['foo_bucket', 11, undefined],
        ['foo_bucket', 17, undefined],
        ['foo_bucket', 17, 1520879607789],
        ['foo_count', 17, undefined],
        ['foo_sum', 324789.3, undefined],
        ['foo_created', 1520430000.123, undefined],
        ['bar_total', 5, undefined],
      ],
    )
    assert.ok(samples.every((s) => !s.labels.some((l) => l.name === 'trace_id')))
  })

  test('parses the info, stateset, gaugehistogram and unknown types', () => {
    const body = `# TYPE build info
build_info{name="pretty name",version="8.2.7"} 1
# TYPE state stateset
state{state="a"} 0
state{state="bb"} 1
# TYPE queue gaugehistogram
queue_bucket{le="0.01"} 20.0
queue_bucket{le="+Inf"} 42.0
queue_gcount 42.0
queue_gsum 3289.3
# TYPE mystery unknown
mystery 42.23
no_metadata{} 1
# EOF`
    const { samples, metadata } = parseExposition(body, 'openmetrics')
    assert.equal(samples.length, 9)
    assert.deepEqual(
      metadata.map((m) => [m.name, m.type]),
      [
        ['build', 'info'],
        ['state', 'stateset'],
        ['queue', 'gaugehistogram'],
        ['mystery', 'unknown'],
      ],
    )
    assert.deepEqual(samples[8], sample('no_metadata', {}, 1))
  })

  test('unescapes \\", \\\\ and \\n in HELP and label values, and treats empty HELP and UNIT as absent', () => {
    const body = `# TYPE foo_seconds counter
# UNIT foo_seconds 
# HELP foo_seconds Some text and \\n some \\" escaping
foo_seconds_total{a="x",b="escaping\\" example \\n "} 0
# HELP bar 
bar 1
# EOF
`
    const { samples, metadata } = parseExposition(body, 'openmetrics')
    assert.deepEqual(metadata, [
      { name: 'foo_seconds', type: 'counter', help: 'Some text and \n some " escaping', unit: undefined },
      { name: 'bar', type: 'unknown', help: undefined, unit: undefined },
    ])
    assert.deepEqual(samples[0]!.labels, labels('foo_seconds_total', { a: 'x', b: 'escaping" example \n ' }))
  })

  test('accepts "# EOF" with or without one final line feed', () => {
    assert.equal(parseExposition('foo 1\n# EOF', 'openmetrics').samples.length, 1)
    assert.equal(parseExposition('foo 1\n# EOF\n', 'openmetrics').samples.length, 1)
    assert.equal(parseExposition('# EOF\n', 'openmetrics').samples.length, 0)
  })

  test('rejects what the spec forbids, naming the line', () => {
    const cases: [string, RegExp][] = [
      ['foo 1\n', /^line 2: the exposition does not end with "# EOF"/],
      ['foo 1', /^line 1: the exposition does not end with "# EOF"/],
      ['', /^line 1: the exposition does not end with "# EOF"/],
      ['foo 1\n# EOF\n\n', /^line 3: unexpected data after "# EOF"/],
      ['# EOF\nfoo 1\n', /^line 2: unexpected data after "# EOF"/],
      ['# EOF trailing\n', /^line 1: OpenMetrics allows only/],
      ['foo 1\n\nbar 1\n# EOF\n', /^line 2: blank lines are not allowed/],
      ['# a comment\n# EOF\n', /^line 1: OpenMetrics allows only/],
      ['#EOF\n', /^line 1: OpenMetrics allows only/],
      ['foo  1\n# EOF\n', /^line 1: expected a value/],
      ['foo 1 \n# EOF\n', /^line 1: invalid timestamp ""/],
      ['foo\t1\n# EOF\n', /^line 1: expected a space before the value/],
      [' foo 1\n# EOF\n', /^line 1: expected a metric name/],
      ['foo {a="b"} 1\n# EOF\n', /^line 1: invalid value/],
      ['foo{a="b",} 1\n# EOF\n', /^line 1: expected a label name/],
      ['foo{a = "b"} 1\n# EOF\n', /^line 1: expected "=" after the label name/],
      ['foo 1 NaN\n# EOF\n', /^line 1: invalid timestamp "NaN"/],
      ['foo 1 # {a="b"}\n# EOF\n', /^line 1: expected a space before the exemplar value/],
      ['foo 1 #{a="b"} 1\n# EOF\n', /^line 1: expected an exemplar/],
      [`foo_total 1 # {a="${'x'.repeat(128)}"} 1\n# EOF\n`, /^line 1: exemplar labels hold 129 code points/],
      ['# TYPE foo counter\nfoo 1\n# EOF\n', /^line 2: sample name "foo" does not fit the counter family/],
      ['# TYPE foo untyped\n# EOF\n', /^line 1: invalid metric type "untyped"/],
      ['# TYPE foo gauge \n# EOF\n', /^line 1: invalid metric type "gauge "/],
      ['# TYPE foo counter\n# UNIT foo seconds\n# EOF\n', /^line 2: unit "seconds" is not a suffix/],
      [
        '# TYPE foo gauge\nfoo 1\n# HELP foo x\n# EOF\n',
        /^line 3: HELP line for "foo" comes after its samples/,
      ],
      ['# TYPE a gauge\n# TYPE a gauge\n# EOF\n', /^line 2: second TYPE line for "a"/],
      ['# TYPE a gauge\na 1\nb 1\na 2\n# EOF\n', /^line 4: metric family of "a" is interleaved/],
      ['a 1\nb 1\na 2\n# EOF\n', /^line 3: metric family of "a" is interleaved/],
      ['# TYPE a gauge\n# TYPE b gauge\n# HELP a x\n# EOF\n', /^line 3: metric family "a" appears twice/],
      ['# HELP foo \\\n# EOF\n', /^line 1: HELP text ends with an unfinished escape/],
      ['# TYPE h histogram\nh_bucket{a="1"} 1\n# EOF\n', /^line 2: "h_bucket" needs a "le" label/],
      ['foo{a="\uFFFD"} 1\n# EOF\n', /^line 1: label value is not valid UTF-8/],
      ['foo 1\r\n# EOF\n', /^line 1: invalid value/],
    ]
    for (const [body, message] of cases) {
      const err = parseError(body, 'openmetrics')
      assert.match(err.message, message, JSON.stringify(body))
      assert.equal(err.code, 'SLUICE_ERR_EXPOSITION')
    }
  })
})

describe('limits', () => {
  const body = 'a{x="1",y="éé"} 1\nb 2\nc 3\n'

  test('maxSamples fails with a 413 limit error once the body holds more samples', () => {
    assert.equal(parseExposition(body, 'text', { maxSamples: 3 }).samples.length, 3)
    assert.throws(
      () => parseExposition(body, 'text', { maxSamples: 2 }),
      (e: unknown) =>
        e instanceof ExpositionLimitError &&
        e.code === 'SLUICE_ERR_EXPOSITION_LIMIT' &&
        e.status === 413 &&
        e.limit === 'maxSamples' &&
        e.line === 3,
    )
  })

  test('maxLabelsPerSample counts __name__', () => {
    assert.equal(parseExposition(body, 'text', { maxLabelsPerSample: 3 }).samples.length, 3)
    assert.throws(
      () => parseExposition(body, 'text', { maxLabelsPerSample: 2 }),
      (e: unknown) =>
        e instanceof ExpositionLimitError && e.limit === 'maxLabelsPerSample' && e.status === 400,
    )
  })

  test('maxLabelNameLength and maxLabelValueLength measure UTF-8 bytes', () => {
    assert.equal(
      parseExposition(body, 'text', { maxLabelNameLength: 8, maxLabelValueLength: 4 }).samples.length,
      3,
    )
    assert.throws(
      () => parseExposition(body, 'text', { maxLabelValueLength: 3 }),
      (e: unknown) => e instanceof ExpositionLimitError && e.limit === 'maxLabelValueLength' && e.line === 1,
    )
    assert.throws(
      () => parseExposition('abcdefghi 1\n', 'text', { maxLabelValueLength: 8 }),
      (e: unknown) => e instanceof ExpositionLimitError && e.limit === 'maxLabelValueLength',
    )
    assert.throws(
      () => parseExposition('a{long_name="1"} 1\n', 'text', { maxLabelNameLength: 8 }),
      (e: unknown) => e instanceof ExpositionLimitError && e.limit === 'maxLabelNameLength',
    )
  })
})

describe('content negotiation', () => {
  test('formatFromContentType picks OpenMetrics only for application/openmetrics-text', () => {
    assert.equal(
      formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8'),
      'openmetrics',
    )
    assert.equal(formatFromContentType('Application/OpenMetrics-Text;version=0.0.1'), 'openmetrics')
    assert.equal(formatFromContentType('text/plain; version=0.0.4; charset=utf-8'), 'text')
    assert.equal(formatFromContentType('application/json'), 'text')
    assert.equal(formatFromContentType(''), 'text')
    assert.equal(formatFromContentType(undefined), 'text')
  })

  test('the scrape Accept header prefers OpenMetrics 1.0 and falls back to text 0.0.4', () => {
    const offers = SCRAPE_ACCEPT_HEADER.split(',').map((part) => {
      const [mediaType, ...params] = part.split(';')
      const q = Number(params.find((p) => p.startsWith('q='))?.slice(2))
      return { mediaType, version: params.find((p) => p.startsWith('version='))?.slice(8), q }
    })
    assert.deepEqual(offers[0], { mediaType: 'application/openmetrics-text', version: '1.0.0', q: 0.6 })
    assert.ok(offers.some((o) => o.mediaType === 'text/plain' && o.version === '0.0.4'))
    assert.deepEqual(
      offers.map((o) => o.q),
      [...offers.map((o) => o.q)].sort((a, b) => b - a),
    )
  })
})

describe('formatText', () => {
  test('writes metadata before the first sample of its family and escapes values', () => {
    const text = formatText({
      samples: [
        sample('loose', {}, Number.NaN),
        sample('req_total', { path: 'a"b\\c\nd' }, 3, 1000),
        sample('temp', {}, Number.NEGATIVE_INFINITY),
      ],
      metadata: [
        { name: 'req_total', type: 'counter', help: 'Requests\\n\nmore', unit: undefined },
        { name: 'temp', type: 'gauge', help: undefined, unit: 'celsius' },
        { name: 'empty', type: 'stateset', help: '', unit: undefined },
      ],
    })
    assert.equal(
      text,
      `loose NaN
# HELP req_total Requests\\\\n\\nmore
# TYPE req_total counter
req_total{path="a\\"b\\\\c\\nd"} 3 1000
# TYPE temp gauge
temp -Inf
# HELP empty
# TYPE empty untyped
`,
    )
  })
})

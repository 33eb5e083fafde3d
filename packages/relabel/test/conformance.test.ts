/**
 * Conformance table: each case states the result Prometheus gives for a rule chain, derived from the
 * behaviour of Prometheus's `model/relabel` (and its relabel_test.go cases, restated here) — not from
 * running this package. Hashmod expectations are either literals Prometheus's tests assert or computed
 * independently here with node:crypto's MD5.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` here is relabel template syntax, not JS.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import type { Label } from '@sluice/contracts'
import { compileRules, type RelabelRule } from '../src/index.ts'

const DROP = 'drop' as const

interface Case {
  name: string
  rules: RelabelRule[]
  input: Record<string, string>
  output: Record<string, string> | typeof DROP
}

/** Independent computation of Prometheus's hashmod: low 8 bytes of MD5, big-endian, mod m. */
function md5mod(value: string, modulus: number): string {
  const digest = createHash('md5').update(value, 'utf8').digest()
  return String(digest.readBigUInt64BE(8) % BigInt(modulus))
}

function labelsOf(map: Record<string, string>): Label[] {
  return Object.keys(map)
    .sort()
    .map((name) => ({ name, value: map[name]! }))
}

const k8sTags = 'path:/secret,job:some-job,label:foo=bar'

const cases: Case[] = [
  // --- replace: defaults and basics
  {
    name: 'replace with only target_label and replacement adds a static label',
    rules: [{ target_label: 'env', replacement: 'prod' }],
    input: { a: '1' },
    output: { a: '1', env: 'prod' },
  },
  {
    name: 'replace with defaults copies the source value ($1 of (.*))',
    rules: [{ source_labels: ['a'], target_label: 'b' }],
    input: { a: 'x' },
    output: { a: 'x', b: 'x' },
  },
  {
    name: 'a missing source label reads as empty, and an empty result deletes the target',
    rules: [{ source_labels: ['missing'], target_label: 'a' }],
    input: { a: '1', b: '2' },
    output: { b: '2' },
  },
  {
    name: 'replace expands ${1} twice (Prometheus choo-choo case)',
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
    input: { a: 'foo', b: 'bar', c: 'baz' },
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'two source labels join with the default ; separator, and later rules see earlier results',
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
    input: { a: 'foo', b: 'bar', c: 'baz' },
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'a custom separator joins source values',
    rules: [
      {
        source_labels: ['a', 'b'],
        separator: '/',
        regex: '(.*)/(.*)',
        target_label: 'c',
        replacement: '$2-$1',
      },
    ],
    input: { a: 'x', b: 'y' },
    output: { a: 'x', b: 'y', c: 'y-x' },
  },
  {
    name: 'an empty separator concatenates source values',
    rules: [{ source_labels: ['a', 'b'], separator: '', target_label: 'c' }],
    input: { a: 'x', b: 'y' },
    output: { a: 'x', b: 'y', c: 'xy' },
  },
  {
    name: 'missing source labels still contribute an empty field between separators',
    rules: [{ source_labels: ['a', 'missing', 'b'], target_label: 'c' }],
    input: { a: 'x', b: 'y' },
    output: { a: 'x', b: 'y', c: 'x;;y' },
  },
  {
    name: 'the regex is anchored at both ends: oo does not match foo',
    rules: [{ source_labels: ['a'], regex: 'oo', target_label: 'b', replacement: 'hit' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'anchoring wraps an alternation as a whole: .*(b).* extracts b',
    rules: [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd', replacement: '$1' }],
    input: { a: 'abc' },
    output: { a: 'abc', d: 'b' },
  },
  {
    name: 'no replacement happens when the regex does not match',
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }],
    input: { a: 'boo' },
    output: { a: 'boo' },
  },
  {
    name: 'an empty expansion deletes the target label (target $1, replacement $2 of a one-group regex)',
    rules: [{ source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2' }],
    input: { a: 'foo', f: 'baz' },
    output: { a: 'foo' },
  },
  {
    name: 'a templated target label names the label from a capture group',
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' },
    ],
    input: { a: 'some-name-value' },
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'a replacement referencing a group that does not exist is empty, deleting an absent label',
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${3}' },
    ],
    input: { a: 'some-name-value' },
    output: { a: 'some-name-value' },
  },
  {
    name: 'a target expanding to the empty string is invalid and leaves labels unchanged',
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${3}', replacement: '${1}' },
      { source_labels: ['a'], regex: 'some-([^-]+)(-[^,]+)', target_label: '${3}', replacement: '${1}' },
    ],
    input: { a: 'some-name-0' },
    output: { a: 'some-name-0' },
  },
  {
    name: 'a target expanding to a name starting with a digit is invalid and ignored',
    rules: [{ source_labels: ['a'], target_label: '$1', replacement: 'x' }],
    input: { a: '1abc' },
    output: { a: '1abc' },
  },
  {
    name: 'a target expanding to a name with a dash is invalid and ignored',
    rules: [{ source_labels: ['a'], target_label: 'x_$1', replacement: 'x' }],
    input: { a: 'foo-bar' },
    output: { a: 'foo-bar' },
  },
  {
    name: '$1x names the group "1x" (Go Expand), which does not exist, so it expands to nothing',
    rules: [{ source_labels: ['a'], target_label: 'b', replacement: 'pre_$1x' }],
    input: { a: 'v' },
    output: { a: 'v', b: 'pre_' },
  },
  {
    name: '${1}x is group 1 followed by a literal x',
    rules: [{ source_labels: ['a'], target_label: 'b', replacement: 'pre_${1}x' }],
    input: { a: 'v' },
    output: { a: 'v', b: 'pre_vx' },
  },
  {
    name: '$$ is a literal dollar sign',
    rules: [{ source_labels: ['a'], target_label: 'b', replacement: '$$1-$${1}' }],
    input: { a: 'v' },
    output: { a: 'v', b: '$1-${1}' },
  },
  {
    name: 'a $ that starts no reference stays literal',
    rules: [{ source_labels: ['a'], target_label: 'b', replacement: 'cost: $ and ${ and $-' }],
    input: { a: 'v' },
    output: { a: 'v', b: 'cost: $ and ${ and $-' },
  },
  {
    name: '$0 is the whole match',
    rules: [{ source_labels: ['a'], regex: 'a(.)c', target_label: 'b', replacement: '[$0]' }],
    input: { a: 'abc' },
    output: { a: 'abc', b: '[abc]' },
  },
  {
    name: '(?P<name>) groups are referenced as $name and ${name}',
    rules: [
      {
        source_labels: ['__address__'],
        regex: '(?P<host>[^:]+):(?P<port>\\d+)',
        target_label: 'endpoint',
        replacement: '${port}@$host',
      },
    ],
    input: { __address__: 'db:5432' },
    output: { __address__: 'db:5432', endpoint: '5432@db' },
  },
  {
    name: '(?<name>) groups work too, in targets and replacements (Prometheus var-style case)',
    rules: [
      {
        source_labels: ['a'],
        regex: '(line1).*(?<second>line2)',
        target_label: 'label1_${1}',
        replacement: 'val_${second}',
      },
      {
        source_labels: ['a'],
        regex: '(line1).*(?<second>line2)',
        target_label: 'label2_$1',
        replacement: 'val_$second',
      },
    ],
    input: { a: 'line1\nline2', b: 'bar' },
    output: { a: 'line1\nline2', b: 'bar', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: 'dot matches a newline because Prometheus compiles regexes as ^(?s:...)$',
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' }],
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: '(?-s) inside the regex turns dot-matches-newline back off',
    rules: [{ source_labels: ['a'], regex: '(?-s)line1.*line2', target_label: 'd', replacement: 'match' }],
    input: { a: 'line1\nline2' },
    output: { a: 'line1\nline2' },
  },
  {
    name: '(?i) makes the match case-insensitive',
    rules: [{ source_labels: ['a'], regex: '(?i)foo(.*)', target_label: 'b', replacement: '$1' }],
    input: { a: 'FOObar' },
    output: { a: 'FOObar', b: 'bar' },
  },
  {
    name: 'escaped punctuation (\\:) as in the Kubernetes example config rewrites the port',
    rules: [
      {
        source_labels: ['__address__', 'port'],
        regex: '(.+?)(\\:\\d+)?;(\\d+)',
        target_label: '__address__',
        replacement: '$1:$3',
      },
    ],
    input: { __address__: '10.0.0.1:80', port: '9100' },
    output: { __address__: '10.0.0.1:9100', port: '9100' },
  },
  {
    name: 'the optional port group matches nothing when the address has no port',
    rules: [
      {
        source_labels: ['__address__', 'port'],
        regex: '(.+?)(\\:\\d+)?;(\\d+)',
        target_label: '__address__',
        replacement: '$1:$3',
      },
    ],
    input: { __address__: '10.0.0.1', port: '9100' },
    output: { __address__: '10.0.0.1:9100', port: '9100' },
  },
  {
    name: 'replace overwrites an existing label',
    rules: [{ target_label: 'a', replacement: 'new' }],
    input: { a: 'old' },
    output: { a: 'new' },
  },
  {
    name: 'the empty regex matches only the empty value (missing source)',
    rules: [{ source_labels: ['missing'], regex: '', target_label: 'b', replacement: 'was_empty' }],
    input: { a: '1' },
    output: { a: '1', b: 'was_empty' },
  },
  {
    name: 'the empty regex does not match a non-empty value',
    rules: [{ source_labels: ['a'], regex: '', target_label: 'b', replacement: 'was_empty' }],
    input: { a: '1' },
    output: { a: '1' },
  },
  {
    name: 'Unicode script classes (\\p{Greek}) match per code point',
    rules: [{ source_labels: ['a'], regex: '(\\p{Greek}+)-.*', target_label: 'b' }],
    input: { a: 'αβγ-x' },
    output: { a: 'αβγ-x', b: 'αβγ' },
  },
  {
    name: 'POSIX classes inside brackets work ([[:digit:]])',
    rules: [{ source_labels: ['a'], regex: 'v([[:digit:]]+)\\..*', target_label: 'major' }],
    input: { a: 'v12.3' },
    output: { a: 'v12.3', major: '12' },
  },
  {
    name: 'replace can write __name__ and other reserved-prefix labels',
    rules: [
      { source_labels: ['__name__'], regex: '.*_total$', target_label: '__type__', replacement: 'counter' },
    ],
    input: { __name__: 'http_requests_total' },
    output: { __name__: 'http_requests_total', __type__: 'counter' },
  },
  {
    name: 'the service-discovery tags example extracts path, job and a dynamic label',
    rules: [
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)path:(/[^,]+).*',
        target_label: '__metrics_path__',
        replacement: '${1}',
      },
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)job:([^,]+).*',
        target_label: 'job',
        replacement: '${1}',
      },
      {
        source_labels: ['__meta_sd_tags'],
        regex: '(?:.+,|^)label:([^=]+)=([^,]+).*',
        target_label: '${1}',
        replacement: '${2}',
      },
    ],
    input: { __meta_sd_tags: k8sTags },
    output: { __meta_sd_tags: k8sTags, __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  // --- keep / drop
  {
    name: 'drop removes the series when the regex matches',
    rules: [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }],
    input: { a: 'foo', b: 'bar' },
    output: DROP,
  },
  {
    name: 'drop keeps the series when the regex does not match',
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'drop with an anchored alternation f|o does not match foo',
    rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'keep removes the series when the regex does not match',
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }],
    input: { a: 'foo' },
    output: DROP,
  },
  {
    name: 'keep keeps the series when the regex matches',
    rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'keep with the empty regex keeps series whose source label is missing',
    rules: [{ source_labels: ['missing'], regex: '', action: 'keep' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'drop with the default regex drops every series',
    rules: [{ source_labels: ['a'], action: 'drop' }],
    input: { a: 'anything' },
    output: DROP,
  },
  {
    name: 'drop matches the joined value of several sources',
    rules: [{ source_labels: ['ns', 'app'], separator: '/', regex: 'kube-system/.*', action: 'drop' }],
    input: { ns: 'kube-system', app: 'dns' },
    output: DROP,
  },
  {
    name: 'a drop stops the chain: later rules do not run',
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch$1-ch$1' },
    ],
    input: { a: 'foo' },
    output: DROP,
  },
  {
    name: 'keep sees labels written by earlier rules (Prometheus issue 12283 case)',
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      {
        source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'],
        regex: '(.+)',
        target_label: '__meta_kubernetes_pod_container_port_name',
        replacement: 'metrics',
      },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    input: {
      __meta_kubernetes_pod_container_port_name: 'foo',
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
    },
    output: {
      __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091',
      __meta_kubernetes_pod_container_port_name: 'metrics',
    },
  },
  // --- keepequal / dropequal
  {
    name: 'keepequal keeps the series when the source equals the target label',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port1', action: 'keepequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal drops the series when they differ',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port2', action: 'keepequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: DROP,
  },
  {
    name: 'dropequal drops the series when the source equals the target label',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port1', action: 'dropequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: DROP,
  },
  {
    name: 'dropequal keeps the series when they differ',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port2', action: 'dropequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal treats a missing source and a missing target as equal (both empty)',
    rules: [{ source_labels: ['nope'], target_label: 'none', action: 'keepequal' }],
    input: { a: '1' },
    output: { a: '1' },
  },
  // --- hashmod
  {
    name: 'hashmod of "baz" mod 1000 is 976 (literal from Prometheus tests)',
    rules: [{ source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' }],
    input: { a: 'foo', b: 'bar', c: 'baz' },
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod of "foo\\nbar" mod 1000 is 734 (literal from Prometheus tests)',
    rules: [{ source_labels: ['a'], target_label: 'b', modulus: 1000, action: 'hashmod' }],
    input: { a: 'foo\nbar' },
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'hashmod hashes the joined source values',
    rules: [{ source_labels: ['a', 'b'], target_label: 'shard', modulus: 7, action: 'hashmod' }],
    input: { a: 'x', b: 'y' },
    output: { a: 'x', b: 'y', shard: md5mod('x;y', 7) },
  },
  {
    name: 'hashmod of a missing source hashes the empty string',
    rules: [{ source_labels: ['missing'], target_label: 'shard', modulus: 10, action: 'hashmod' }],
    input: { a: '1' },
    output: { a: '1', shard: md5mod('', 10) },
  },
  {
    name: 'hashmod hashes the UTF-8 bytes of non-ASCII values',
    rules: [{ source_labels: ['a'], target_label: 'shard', modulus: 1_000_003, action: 'hashmod' }],
    input: { a: 'ünïcødé-😀' },
    output: { a: 'ünïcødé-😀', shard: md5mod('ünïcødé-😀', 1_000_003) },
  },
  {
    name: 'hashmod with a large modulus uses all 64 bits of the low half of the digest',
    rules: [{ source_labels: ['a'], target_label: 'shard', modulus: 2 ** 53 - 1, action: 'hashmod' }],
    input: { a: 'target-1:9100' },
    output: { a: 'target-1:9100', shard: md5mod('target-1:9100', 2 ** 53 - 1) },
  },
  {
    name: 'hashmod overwrites an existing target label',
    rules: [{ source_labels: ['a'], target_label: 'a', modulus: 3, action: 'hashmod' }],
    input: { a: 'xyz' },
    output: { a: md5mod('xyz', 3) },
  },
  {
    name: 'the hashmod sharding pattern keeps the series exactly when its shard is 0',
    rules: [
      { source_labels: ['__address__'], target_label: '__tmp_hash', modulus: 3, action: 'hashmod' },
      { source_labels: ['__tmp_hash'], regex: '^0$', action: 'keep' },
      { regex: '__tmp_hash', action: 'labeldrop' },
    ],
    input: { __address__: '10.132.183.40:80' },
    output: md5mod('10.132.183.40:80', 3) === '0' ? { __address__: '10.132.183.40:80' } : DROP,
  },
  // --- labelmap
  {
    name: 'labelmap copies matching labels under the expanded name and keeps the originals',
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap strips a __meta_ prefix',
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    output: {
      a: 'foo',
      __meta_my_bar: 'aaa',
      __meta_my_baz: 'bbb',
      __meta_other: 'ccc',
      my_bar: 'aaa',
      my_baz: 'bbb',
    },
  },
  {
    name: 'labelmap uses the default replacement $1',
    rules: [{ regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' }],
    input: { __meta_kubernetes_pod_label_app: 'web', job: 'k8s' },
    output: { __meta_kubernetes_pod_label_app: 'web', job: 'k8s', app: 'web' },
  },
  {
    name: 'labelmap: when two labels map to one name, the later one in label order wins',
    rules: [{ regex: '[xy]_(a)', action: 'labelmap' }],
    input: { x_a: '1', y_a: '2' },
    output: { a: '2', x_a: '1', y_a: '2' },
  },
  {
    name: 'labelmap overwrites an existing label of the mapped name',
    rules: [{ regex: 'src_(.*)', action: 'labelmap' }],
    input: { a: 'old', src_a: 'new' },
    output: { a: 'new', src_a: 'new' },
  },
  {
    name: 'labelmap visits unchanged labels first, then written ones in write order (labels.Builder.Range)',
    rules: [
      { source_labels: ['a'], target_label: 'a' },
      { regex: '(a|z)', replacement: 'x', action: 'labelmap' },
    ],
    input: { a: '1', z: '2' },
    output: { a: '1', x: '1', z: '2' },
  },
  // --- labeldrop / labelkeep
  {
    name: 'labelkeep keeps only the labels whose name matches',
    rules: [{ regex: '(b.*)', action: 'labelkeep' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labeldrop removes the labels whose name matches',
    rules: [{ regex: '(b.*)', action: 'labeldrop' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { a: 'foo' },
  },
  {
    name: 'labeldrop is anchored: regex b drops b but not b1',
    rules: [{ regex: 'b', action: 'labeldrop' }],
    input: { a: 'foo', b: 'x', b1: 'bar' },
    output: { a: 'foo', b1: 'bar' },
  },
  {
    name: 'labeldrop of __meta_.* removes discovery metadata',
    rules: [{ regex: '__meta_.*', action: 'labeldrop' }],
    input: { __meta_a: '1', __meta_b: '2', __address__: 'h:1', job: 'j' },
    output: { __address__: 'h:1', job: 'j' },
  },
  {
    name: 'labelkeep can remove __name__; the series is still returned',
    rules: [{ regex: 'job|instance', action: 'labelkeep' }],
    input: { __name__: 'up', instance: 'h:1', job: 'j', zone: 'z' },
    output: { instance: 'h:1', job: 'j' },
  },
  {
    name: 'labeldrop sees labels added by earlier rules',
    rules: [
      { target_label: '__tmp_x', replacement: 'y' },
      { regex: '__tmp_.*', action: 'labeldrop' },
    ],
    input: { a: '1' },
    output: { a: '1' },
  },
  // --- lowercase / uppercase
  {
    name: 'uppercase and lowercase write the converted source value (Prometheus case)',
    rules: [
      { source_labels: ['foo'], target_label: 'foo_uppercase', action: 'uppercase' },
      { source_labels: ['foo'], target_label: 'foo_lowercase', action: 'lowercase' },
    ],
    input: { foo: 'bAr123Foo' },
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'lowercase converts the joined value of several sources',
    rules: [{ source_labels: ['a', 'b'], separator: '-', target_label: 'c', action: 'lowercase' }],
    input: { a: 'ABC', b: 'DéF' },
    output: { a: 'ABC', b: 'DéF', c: 'abc-déf' },
  },
  {
    name: 'uppercase maps code points one to one as Go does: ß stays ß',
    rules: [{ source_labels: ['a'], target_label: 'b', action: 'uppercase' }],
    input: { a: 'straße' },
    output: { a: 'straße', b: 'STRAßE' },
  },
  {
    name: 'lowercase of a missing source is empty and deletes the target',
    rules: [{ source_labels: ['missing'], target_label: 'a', action: 'lowercase' }],
    input: { a: 'X', b: 'y' },
    output: { b: 'y' },
  },
  // --- chains and no-ops
  {
    name: 'a chain of rules applies in order and the result is sorted by name',
    rules: [
      { source_labels: ['__address__'], regex: '([^:]+):.*', target_label: 'host' },
      { target_label: 'aaa', replacement: 'first' },
      { regex: '__address__', action: 'labeldrop' },
      { source_labels: ['host'], target_label: 'HOST_UP', action: 'uppercase' },
    ],
    input: { __address__: 'web-1:9100', job: 'node' },
    output: { HOST_UP: 'WEB-1', aaa: 'first', host: 'web-1', job: 'node' },
  },
  {
    name: 'setting a label to its current value leaves the set unchanged',
    rules: [{ source_labels: ['a'], target_label: 'a' }],
    input: { a: 'same', b: 'x' },
    output: { a: 'same', b: 'x' },
  },
  {
    name: 'a label deleted and then set again is present with the new value',
    rules: [
      { regex: 'a', action: 'labeldrop' },
      { target_label: 'a', replacement: 'again' },
    ],
    input: { a: 'old' },
    output: { a: 'again' },
  },
  {
    name: 'an empty rule list returns the input unchanged',
    rules: [],
    input: { __name__: 'up', job: 'j' },
    output: { __name__: 'up', job: 'j' },
  },
  {
    name: 'replace removing __name__ still returns the series',
    rules: [{ source_labels: ['nothing'], target_label: '__name__' }],
    input: { __name__: 'up', job: 'j' },
    output: { job: 'j' },
  },
]

describe('relabel conformance with Prometheus', () => {
  it('covers at least 60 cases', () => {
    assert.ok(cases.length >= 60, `only ${cases.length} cases`)
  })
  for (const c of cases) {
    it(c.name, () => {
      const result = compileRules(c.rules).process(labelsOf(c.input))
      if (c.output === DROP) {
        assert.equal(result, null)
      } else {
        assert.deepEqual(result, labelsOf(c.output))
      }
    })
  }
})

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` here is relabel template syntax, not JS.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isSluiceError } from '@sluice/contracts'
import { compileRules, RelabelConfigError, type RelabelRule } from '../src/index.ts'

/** Compiles `rules` expecting failure; returns the error. */
function rejection(rules: readonly unknown[]): RelabelConfigError {
  try {
    compileRules(rules as RelabelRule[])
  } catch (err) {
    assert.ok(err instanceof RelabelConfigError, `expected RelabelConfigError, got ${String(err)}`)
    return err
  }
  assert.fail('rules compiled but should have been rejected')
}

const invalid: { rule: Record<string, unknown>; message: string }[] = [
  {
    rule: { action: 'hashmod', source_labels: ['a'], target_label: 'b' },
    message: 'relabel configuration for hashmod requires non-zero modulus',
  },
  {
    rule: { action: 'hashmod', source_labels: ['a'], target_label: 'b', modulus: 0 },
    message: 'relabel configuration for hashmod requires non-zero modulus',
  },
  {
    rule: { source_labels: ['a'] },
    message: "relabel configuration for replace action requires 'target_label' value",
  },
  {
    rule: { action: 'hashmod', modulus: 2 },
    message: "relabel configuration for hashmod action requires 'target_label' value",
  },
  {
    rule: { action: 'lowercase' },
    message: "relabel configuration for lowercase action requires 'target_label' value",
  },
  {
    rule: { action: 'uppercase' },
    message: "relabel configuration for uppercase action requires 'target_label' value",
  },
  {
    rule: { action: 'keepequal' },
    message: "relabel configuration for keepequal action requires 'target_label' value",
  },
  {
    rule: { action: 'dropequal' },
    message: "relabel configuration for dropequal action requires 'target_label' value",
  },
  { rule: { target_label: 'foo-bar' }, message: `"foo-bar" is invalid 'target_label' for replace action` },
  { rule: { target_label: '0abc' }, message: `"0abc" is invalid 'target_label' for replace action` },
  { rule: { target_label: '0${3}' }, message: `"0\${3}" is invalid 'target_label' for replace action` },
  { rule: { target_label: '-${3}' }, message: `"-\${3}" is invalid 'target_label' for replace action` },
  { rule: { target_label: 'foo${' }, message: `"foo\${" is invalid 'target_label' for replace action` },
  { rule: { target_label: '${}' }, message: `"\${}" is invalid 'target_label' for replace action` },
  {
    rule: { action: 'lowercase', target_label: '${3}' },
    message: `"\${3}" is invalid 'target_label' for lowercase action`,
  },
  {
    rule: { action: 'hashmod', target_label: 'a.b', modulus: 2 },
    message: `"a.b" is invalid 'target_label' for hashmod action`,
  },
  {
    rule: { action: 'uppercase', target_label: 'b', replacement: 'x' },
    message: "'replacement' can not be set for uppercase action",
  },
  {
    rule: { action: 'keepequal', target_label: 'b', replacement: '$2' },
    message: "'replacement' can not be set for keepequal action",
  },
  {
    rule: { action: 'labelmap', replacement: 'a-$1' },
    message: `"a-$1" is invalid 'replacement' for labelmap action`,
  },
  {
    rule: { action: 'labeldrop', regex: 'a', source_labels: [] },
    message: "labeldrop action requires only 'regex', and no other fields",
  },
  {
    rule: { action: 'labelkeep', regex: 'a', target_label: 'x' },
    message: "labelkeep action requires only 'regex', and no other fields",
  },
  {
    rule: { action: 'labeldrop', regex: 'a', separator: ',' },
    message: "labeldrop action requires only 'regex', and no other fields",
  },
  {
    rule: { action: 'labelkeep', regex: 'a', modulus: 3 },
    message: "labelkeep action requires only 'regex', and no other fields",
  },
  {
    rule: { action: 'keepequal', target_label: 'b', regex: 'x' },
    message: "keepequal action requires only 'source_labels' and 'target_label', and no other fields",
  },
  {
    rule: { action: 'dropequal', target_label: 'b', separator: ',' },
    message: "dropequal action requires only 'source_labels' and 'target_label', and no other fields",
  },
  {
    rule: { action: 'dropequal', target_label: 'b', modulus: 1 },
    message: "dropequal action requires only 'source_labels' and 'target_label', and no other fields",
  },
  { rule: { action: 'Replace', target_label: 'b' }, message: 'unrecognized action type "Replace"' },
  { rule: { target_label: 'b', targetLabel: 'c' }, message: 'unknown attribute "targetLabel"' },
  { rule: { source_labels: 'a', target_label: 'b' }, message: "'source_labels' must be a list of strings" },
  { rule: { target_label: 'b', replacement: 1 }, message: "'replacement' must be a string" },
  {
    rule: { action: 'hashmod', target_label: 'b', modulus: -1 },
    message: "'modulus' must be a non-negative integer below 2^53, got -1",
  },
  {
    rule: { action: 'hashmod', target_label: 'b', modulus: 1.5 },
    message: "'modulus' must be a non-negative integer below 2^53, got 1.5",
  },
  {
    rule: { target_label: 'b', regex: '(?=x)' },
    message:
      'invalid \'regex\' "(?=x)": error parsing regexp: invalid or unsupported Perl syntax: `(?=` (lookahead assertions are not supported by RE2)',
  },
  {
    rule: { target_label: 'b', regex: 'a)|(b' },
    message: 'invalid \'regex\' "a)|(b": error parsing regexp: unexpected ): `a)|(b`',
  },
]

describe('rule validation', () => {
  for (const { rule, message } of invalid) {
    it(`rejects ${JSON.stringify(rule)} with: ${message}`, () => {
      const err = rejection([rule])
      assert.equal(err.reason, message)
      assert.equal(err.message, `relabel rule 0: ${message}`)
    })
  }

  it('reports the index of the first invalid rule', () => {
    const err = rejection([{ target_label: 'ok' }, { action: 'keep', regex: 'x' }, { action: 'hashmod' }])
    assert.equal(err.ruleIndex, 2)
    assert.equal(err.message, 'relabel rule 2: relabel configuration for hashmod requires non-zero modulus')
  })

  it('is a SluiceError with code SLUICE_ERR_RELABEL_CONFIG and status 400', () => {
    const err = rejection([{ action: 'hashmod' }])
    assert.ok(isSluiceError(err, 'SLUICE_ERR_RELABEL_CONFIG'))
    assert.equal(err.status, 400)
  })

  it('keeps the regex syntax error as the cause', () => {
    const err = rejection([{ target_label: 'b', regex: '\\1' }])
    assert.ok(isSluiceError(err.cause, 'SLUICE_ERR_REGEX_SYNTAX'))
  })

  it('accepts the rules Prometheus accepts', () => {
    const valid: RelabelRule[] = [
      { target_label: 'b' },
      { target_label: '${1}', source_labels: ['a'] },
      { target_label: 'x_$1_${name}', regex: '(?P<name>.*)', source_labels: ['a'] },
      { target_label: '$1', source_labels: ['a'] },
      { action: 'labelmap', regex: '__meta_(.+)', replacement: '${1}' },
      { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', replacement: '$1' },
      { action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: '(.*)' },
      { action: 'dropequal', source_labels: ['a'], target_label: 'b', separator: ';', replacement: '$1' },
      { action: 'labeldrop', regex: 'x', separator: ';', replacement: '$1', modulus: 0, target_label: '' },
      { action: 'hashmod', source_labels: ['a'], target_label: '__tmp_hash', modulus: 2 ** 53 - 1 },
      { action: 'keep' },
      { action: 'drop', regex: '' },
    ]
    assert.equal(compileRules(valid).ruleCount, valid.length)
  })

  it('accepts UTF-8 target names only when nameValidation is utf8', () => {
    const rules: RelabelRule[] = [{ source_labels: ['a'], target_label: 'utf-8.label${1}', regex: 'x(.*)' }]
    assert.throws(
      () => compileRules(rules),
      /"utf-8\.label\$\{1\}" is invalid 'target_label' for replace action/,
    )
    const relabeler = compileRules(rules, { nameValidation: 'utf8' })
    assert.deepEqual(relabeler.process([{ name: 'a', value: 'xy' }]), [
      { name: 'a', value: 'xy' },
      { name: 'utf-8.labely', value: 'y' },
    ])
  })
})

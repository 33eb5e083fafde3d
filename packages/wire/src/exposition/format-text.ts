import { suffixesOf } from './families.ts'
import type { ExpositionMetricType, FamilyMetadata, ParsedSample } from './types.ts'

/** Types the text format 0.0.4 has; the OpenMetrics-only ones are written as `untyped`. */
function textType(type: ExpositionMetricType): ExpositionMetricType {
  switch (type) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'summary':
      return type
    default:
      return 'untyped'
  }
}

/**
 * Renders samples and metadata as text format 0.0.4. Samples keep their order; each family's HELP
 * and TYPE lines are written before its first sample, and metadata without samples in its list
 * position, so `parseExposition(formatText(r), 'text')` gives back `r` for any `r` the text format can
 * hold. Units are dropped (0.0.4 has no UNIT line), OpenMetrics-only types become `untyped`, and
 * timestamps must be non-negative integers (the text format has no other kind).
 */
export function formatText(result: { samples: ParsedSample[]; metadata: FamilyMetadata[] }): string {
  const { samples, metadata } = result
  const familyOf = new Map<string, number>()
  metadata.forEach((meta, index) => {
    for (const suffix of suffixesOf('text', textType(meta.type))) {
      const sampleName = meta.name + suffix
      if (!familyOf.has(sampleName)) familyOf.set(sampleName, index)
    }
  })

  const parts: string[] = []
  let nextMeta = 0
  for (const sample of samples) {
    const family = familyOf.get(sample.name)
    if (family !== undefined && family >= nextMeta) {
      for (; nextMeta <= family; nextMeta++) writeMetadata(parts, metadata[nextMeta]!)
    }
    writeSample(parts, sample)
  }
  for (; nextMeta < metadata.length; nextMeta++) writeMetadata(parts, metadata[nextMeta]!)
  return parts.join('')
}

function writeMetadata(parts: string[], meta: FamilyMetadata): void {
  if (meta.help !== undefined) {
    parts.push(meta.help === '' ? `# HELP ${meta.name}\n` : `# HELP ${meta.name} ${escapeHelp(meta.help)}\n`)
  }
  parts.push(`# TYPE ${meta.name} ${textType(meta.type)}\n`)
}

function writeSample(parts: string[], sample: ParsedSample): void {
  let line = sample.name
  let first = true
  for (const label of sample.labels) {
    if (label.name === '__name__') continue
    line += `${first ? '{' : ','}${label.name}="${escapeLabelValue(label.value)}"`
    first = false
  }
  if (!first) line += '}'
  line += ` ${formatValue(sample.value)}`
  if (sample.timestampMs !== undefined) line += ` ${sample.timestampMs}`
  parts.push(`${line}\n`)
}

/** A float as both formats read it: `NaN`, `+Inf`, `-Inf`, `-0`, else JavaScript's shortest form. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  if (Object.is(value, -0)) return '-0'
  return String(value)
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}

import type { Label } from '@sluice/contracts'
import { ExpositionError, quote } from './errors.ts'
import { FamilyRecord, suffixesOf, suffixWithin } from './families.ts'
import { parseFloatToken } from './numbers.ts'
import type { ExpositionFormat, ExpositionMetricType, FamilyMetadata } from './types.ts'

/** The metadata line kinds; the text format has no UNIT. */
export type DescriptorKind = 'HELP' | 'TYPE' | 'UNIT'

/**
 * The family-level rules of an exposition, fed one metadata line or sample at a time after the
 * parser has checked its syntax: which family a sample belongs to, what its type requires of it,
 * and (OpenMetrics) the order families and their metadata may come in. It collects the metadata the
 * parse returns.
 */
export class FamilyTracker {
  readonly metadata: FamilyMetadata[] = []
  readonly #format: ExpositionFormat
  readonly #om: boolean
  /** Text: every family with a HELP/TYPE line. OpenMetrics: every family started so far. */
  readonly #families = new Map<string, FamilyRecord>()
  /** Every sample name seen so far. */
  readonly #sampleNames = new Set<string>()
  /** The family the next sample is checked against (the last one declared or started). */
  #current: FamilyRecord | undefined = undefined
  /** The last sample name, and what it resolved to within `#cachedFamily`, as lines repeat names. */
  #cachedName: string | undefined = undefined
  #cachedSuffix: string | undefined = undefined
  #cachedFamily: FamilyRecord | undefined = undefined

  constructor(format: ExpositionFormat) {
    this.#format = format
    this.#om = format === 'openmetrics'
  }

  /** Records a HELP/TYPE/UNIT line whose syntax (and TYPE word) the parser has checked. */
  describe(line: number, kind: DescriptorKind, name: string, value: string): void {
    if (this.#om) this.#describeOpenMetrics(line, kind, name, value)
    else this.#describeText(line, kind, name, value)
  }

  /**
   * Places a sample (labels sorted) in its family and checks what the family's type requires: `le`
   * on histogram buckets, `quantile` on summary quantiles, and in OpenMetrics that families are not
   * interleaved and that a declared family's samples carry the suffixes of its type.
   */
  place(line: number, name: string, labels: readonly Label[]): void {
    let family = this.#current
    let suffix: string | undefined
    if (name === this.#cachedName && family === this.#cachedFamily) {
      suffix = this.#cachedSuffix
    } else {
      const seenBefore = this.#sampleNames.has(name)
      if (!seenBefore) this.#sampleNames.add(name)
      suffix =
        family === undefined
          ? undefined
          : suffixWithin(this.#format, family.meta.name, family.meta.type, name)
      if (suffix === undefined && this.#om) {
        family = this.#startImplicitFamily(line, name, family, seenBefore)
        suffix = ''
      }
      this.#cachedName = name
      this.#cachedFamily = family
      this.#cachedSuffix = suffix
    }
    if (family === undefined || suffix === undefined) return
    family.hasSamples = true
    const type = family.meta.type
    if (suffix === '_bucket' && (type === 'histogram' || type === 'gaugehistogram')) {
      requireNumericLabel(labels, 'le', line, name)
    } else if (suffix === '' && type === 'summary') {
      requireNumericLabel(labels, 'quantile', line, name)
    }
  }

  /** Text format: one HELP and one TYPE per name, anywhere, but TYPE before the family's samples. */
  #describeText(line: number, kind: DescriptorKind, name: string, value: string): void {
    let family = this.#families.get(name)
    if (family === undefined) family = this.#startDescribedFamily(name, 'untyped')
    if (kind === 'HELP') {
      if (family.hasHelp) throw new ExpositionError(line, `second HELP line for ${JSON.stringify(name)}`)
      family.hasHelp = true
      family.meta.help = value
    } else {
      if (family.hasType) throw new ExpositionError(line, `second TYPE line for ${JSON.stringify(name)}`)
      const type = value as ExpositionMetricType
      for (const suffix of suffixesOf(this.#format, type)) {
        if (this.#sampleNames.has(name + suffix)) {
          throw new ExpositionError(line, `TYPE line for ${JSON.stringify(name)} comes after its samples`)
        }
      }
      family.hasType = true
      family.meta.type = type
    }
    this.#current = family
  }

  /**
   * OpenMetrics: a family's metadata lines come together, before its samples, at most one of each
   * kind, and a family never appears twice (families must not be interleaved). An empty HELP or UNIT
   * counts as absent, as the spec says.
   */
  #describeOpenMetrics(line: number, kind: DescriptorKind, name: string, value: string): void {
    let family = this.#current
    if (family === undefined || family.meta.name !== name) {
      if (this.#families.has(name)) {
        throw new ExpositionError(
          line,
          `metric family ${JSON.stringify(name)} appears twice (interleaved families)`,
        )
      }
      family = this.#startDescribedFamily(name, 'unknown')
      this.#current = family
    } else if (family.hasSamples) {
      throw new ExpositionError(line, `${kind} line for ${JSON.stringify(name)} comes after its samples`)
    }
    if (kind === 'HELP') {
      if (family.hasHelp) throw new ExpositionError(line, `second HELP line for ${JSON.stringify(name)}`)
      family.hasHelp = true
      family.meta.help = value === '' ? undefined : value
    } else if (kind === 'TYPE') {
      if (family.hasType) throw new ExpositionError(line, `second TYPE line for ${JSON.stringify(name)}`)
      family.hasType = true
      family.meta.type = value as ExpositionMetricType
    } else {
      if (family.hasUnit) throw new ExpositionError(line, `second UNIT line for ${JSON.stringify(name)}`)
      family.hasUnit = true
      if (value !== '') {
        // The spec: the unit, after an underscore, must be the suffix of the family name.
        if (!name.endsWith(`_${value}`)) {
          throw new ExpositionError(
            line,
            `unit ${quote(value)} is not a suffix of metric ${JSON.stringify(name)}`,
          )
        }
        family.meta.unit = value
      }
    }
  }

  #startDescribedFamily(name: string, type: ExpositionMetricType): FamilyRecord {
    const family = new FamilyRecord(name, type)
    this.#families.set(name, family)
    this.metadata.push(family.meta)
    return family
  }

  /** OpenMetrics: a sample outside the current family starts a new, undescribed `unknown` family. */
  #startImplicitFamily(
    line: number,
    name: string,
    current: FamilyRecord | undefined,
    seenBefore: boolean,
  ): FamilyRecord {
    if (current !== undefined && current.meta.name === name) {
      throw new ExpositionError(
        line,
        `sample name ${JSON.stringify(name)} does not fit the ${current.meta.type} family of that name`,
      )
    }
    // A name met before, under a family that has since ended: the spec forbids interleaving.
    if (seenBefore || this.#families.has(name)) {
      throw new ExpositionError(line, `metric family of ${JSON.stringify(name)} is interleaved with another`)
    }
    const family = new FamilyRecord(name, 'unknown')
    this.#families.set(name, family)
    this.#current = family
    return family
  }
}

function requireNumericLabel(
  labels: readonly Label[],
  labelName: string,
  line: number,
  sampleName: string,
): void {
  for (const label of labels) {
    if (label.name !== labelName) continue
    if (parseFloatToken(label.value, 0, label.value.length) !== undefined) return
    throw new ExpositionError(
      line,
      `label ${labelName}=${quote(label.value)} of ${JSON.stringify(sampleName)} is not a number`,
    )
  }
  throw new ExpositionError(line, `${JSON.stringify(sampleName)} needs a ${JSON.stringify(labelName)} label`)
}

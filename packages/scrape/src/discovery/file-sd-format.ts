import { type Label, sortLabels } from '@sluice/contracts'
import { parse as parseYaml } from 'yaml'
import type { Target } from '../config.ts'
import { FileSdFormatError } from '../errors.ts'

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * Parses the Prometheus file_sd format: a list of groups, each with `targets` (host:port strings) and
 * optional `labels`. JSON for `.json` files, YAML otherwise (YAML also reads JSON). Each target gets
 * the group's labels, `__address__`, and `__meta_filepath` (the file's absolute path).
 */
export function parseFileSd(text: string, path: string): Target[] {
  let doc: unknown
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new FileSdFormatError(
      path,
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    )
  }
  // An empty YAML file is an empty list of groups.
  if (doc === null || doc === undefined) return []
  if (!Array.isArray(doc)) throw new FileSdFormatError(path, 'expected a list of target groups')
  const out: Target[] = []
  for (const group of doc) {
    if (group === null || typeof group !== 'object' || Array.isArray(group)) {
      throw new FileSdFormatError(path, 'each target group must be an object')
    }
    const { targets, labels } = group as { targets?: unknown; labels?: unknown }
    const common: Label[] = []
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object' || Array.isArray(labels))
        throw new FileSdFormatError(path, '`labels` must be a map')
      for (const [name, value] of Object.entries(labels)) {
        if (!LABEL_NAME.test(name))
          throw new FileSdFormatError(path, `invalid label name ${JSON.stringify(name)}`)
        if (typeof value !== 'string') throw new FileSdFormatError(path, `label ${name} must be a string`)
        common.push({ name, value })
      }
    }
    if (targets === undefined || targets === null) continue
    if (!Array.isArray(targets)) throw new FileSdFormatError(path, '`targets` must be a list')
    for (const address of targets) {
      if (typeof address !== 'string') throw new FileSdFormatError(path, 'each target must be a string')
      const labelsOf = common.filter((l) => l.name !== '__address__' && l.name !== '__meta_filepath')
      labelsOf.push({ name: '__address__', value: address }, { name: '__meta_filepath', value: path })
      sortLabels(labelsOf)
      out.push({ labels: labelsOf })
    }
  }
  return out
}

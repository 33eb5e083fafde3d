/** One Prometheus label. Label sets are arrays sorted by name, with `__name__` as an ordinary label. */
export interface Label {
  name: string
  value: string
}

/**
 * Orders label names as Prometheus does (byte order of their UTF-8), which is code point order. Plain
 * `<` compares UTF-16 units and misorders code points above U+FFFF against U+E000..U+FFFF.
 */
export function compareLabelNames(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** Moves surrogates (which encode code points above U+FFFF) above U+E000..U+FFFF, keeping each run's order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000
  if (unit >= 0xe000) return unit - 0x800
  return unit
}

/** Orders labels by name, for `Array.prototype.sort`. */
export function compareLabels(a: Label, b: Label): number {
  return compareLabelNames(a.name, b.name)
}

/** Sorts labels by name in place and returns them. */
export function sortLabels<L extends Label>(labels: L[]): L[] {
  return labels.sort(compareLabels)
}

import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROOT } from './lib/process.ts'

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* sources(path)
    else if (name.endsWith('.ts')) yield path
  }
}

test('every error code used in the sources is documented in docs/errors.md', () => {
  const docs = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
  const codes = new Set<string>()
  for (const top of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(ROOT, top))) {
      const src = join(ROOT, top, pkg, 'src')
      try {
        statSync(src)
      } catch {
        continue
      }
      for (const file of sources(src)) {
        for (const m of readFileSync(file, 'utf8').matchAll(/['"`](SLUICE_ERR_[A-Z0-9_]+)['"`]/g))
          codes.add(m[1]!)
      }
    }
  }
  assert.ok(codes.size > 20)
  const missing = [...codes].filter((code) => !docs.includes(`\`${code}\``)).sort()
  assert.deepEqual(missing, [])
})

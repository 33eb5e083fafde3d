import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { test } from 'node:test'

const hasSse42 =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  /^flags\s*:.*\bsse4_2\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))

/** Whether `code` holds `crc32q r64, r/m64`: F2, a REX prefix with W set (0x48 to 0x4f), 0F 38 F1. */
function hasCrc32q(code: Buffer): boolean {
  for (let i = code.indexOf(0xf2); i !== -1 && i + 4 < code.length; i = code.indexOf(0xf2, i + 1)) {
    const rex = code[i + 1]!
    if (rex >= 0x48 && rex <= 0x4f && code[i + 2] === 0x0f && code[i + 3] === 0x38 && code[i + 4] === 0xf1)
      return true
  }
  return false
}

test('on x86-64 Linux with SSE 4.2 the LevelDB binding in use was built with the CRC32C instruction', {
  skip: !hasSse42 || process.env.SLUICE_SKIP_LEVELDB_BUILD === '1' ? 'not such a machine' : false,
}, () => {
  const dir = dirname(createRequire(import.meta.url).resolve('classic-level/package.json'))
  // classic-level's loader takes build/Release first; scripts/build-leveldb.ts puts the build there.
  const built = join(dir, 'build', 'Release', 'classic_level.node')
  assert.ok(existsSync(built), `${built} is missing: the postinstall build of LevelDB did not run or failed`)
  assert.ok(hasCrc32q(readFileSync(built)), 'the binding has no crc32q instruction')
})

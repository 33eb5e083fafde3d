/**
 * Rebuilds classic-level's LevelDB from its bundled sources so that it computes CRC32C with the CPU's
 * SSE 4.2 instruction. The prebuilt binary in the npm package computes it in software, and LevelDB
 * checksums every byte the WAL writes, twice (its log, and the table a memtable is flushed to): under
 * load that was 7% of a node's CPU (docs/benchmarks.md). LevelDB 1.20 has the fast path
 * (port_posix_sse.cc) and checks at run time that it gives the right values, but only compiles it
 * with `-msse4.2` and LEVELDB_PLATFORM_POSIX_SSE, which the prebuilt binary was not built with.
 *
 * Runs as the root package's postinstall. It builds only on x86-64 Linux with SSE 4.2 (every x86-64
 * server CPU since about 2009), needs python3, make and a C++ compiler (node-gyp's), and never fails
 * the install: without them the prebuilt binary stays in use, and a line says so. The binary it
 * builds needs a CPU with SSE 4.2 too. SLUICE_SKIP_LEVELDB_BUILD=1 skips it.
 *
 * classic-level's loader (node-gyp-build) takes `build/Release` over the prebuilt binaries.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'

const FLAGS = '-msse4.2 -DLEVELDB_PLATFORM_POSIX_SSE'

function say(message: string): void {
  console.log(`sluice: ${message}`)
}

function cpuHasSse42(): boolean {
  try {
    return /^flags\s*:.*\bsse4_2\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))
  } catch {
    return false
  }
}

/** node-gyp as npm runs it for install scripts, else the one bundled with the npm in use. */
function nodeGyp(): string | undefined {
  const candidates = [process.env.npm_config_node_gyp]
  const npm = process.env.npm_execpath
  if (npm) candidates.push(resolve(dirname(npm), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  return candidates.find((c): c is string => c !== undefined && existsSync(c))
}

/**
 * A directory holding `include/node` for this Node.js: next to its binary, or, for the npm package
 * `node`, in the platform package beside it. classic-level uses Node-API, whose ABI is stable, so
 * the headers of another version would build a working binary too (npm's own `nodedir` is the last
 * resort).
 */
function nodeDir(): string | undefined {
  const bin = dirname(process.execPath)
  const candidates = [
    resolve(bin, '..'),
    resolve(bin, '..', 'node_modules', `node-${process.platform}-${process.arch}`),
    process.env.npm_config_nodedir,
  ]
  return candidates.find(
    (c): c is string => c !== undefined && existsSync(join(c, 'include', 'node', 'node_api.h')),
  )
}

function main(): void {
  if (process.env.SLUICE_SKIP_LEVELDB_BUILD === '1') return
  if (process.platform !== 'linux' || process.arch !== 'x64' || !cpuHasSse42()) return
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = dirname(require.resolve('classic-level/package.json'))
  } catch {
    return
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
  const marker = join(dir, 'build', 'sluice-build.txt')
  const stamp = `classic-level ${version} ${FLAGS}\n`
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return
  const gyp = nodeGyp()
  const nodedir = nodeDir()
  if (gyp === undefined || nodedir === undefined) {
    say('no node-gyp or Node.js headers found; LevelDB keeps its software CRC32C (prebuilt binary)')
    return
  }
  say('building LevelDB with hardware CRC32C (SSE 4.2); SLUICE_SKIP_LEVELDB_BUILD=1 skips this')
  const started = performance.now()
  const result = spawnSync(
    process.execPath,
    [gyp, 'rebuild', '--jobs', String(availableParallelism()), `--nodedir=${nodedir}`],
    {
      cwd: dir,
      env: { ...process.env, CFLAGS: FLAGS, CXXFLAGS: FLAGS },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  if (result.status !== 0) {
    // A half-built directory must not shadow the prebuilt binary.
    rmSync(join(dir, 'build'), { recursive: true, force: true })
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n')
    say(`building LevelDB failed; the prebuilt binary (software CRC32C) stays in use:\n${tail}`)
    return
  }
  writeFileSync(marker, stamp)
  say(`built LevelDB in ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

main()

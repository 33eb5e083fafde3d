// First: its flags must be set before any other module allocates or starts a worker.
import './heap-flags.ts'
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { builtinComponents } from '@sluice/components'
import { ConfigError, format, renderDiagnostics } from '@sluice/config'
import { isSluiceError } from '@sluice/contracts'
import { Controller } from '@sluice/runtime'
import { Daemon } from './daemon.ts'
import { RUN_OPTIONS, runFlags } from './flags.ts'
import { VERSION } from './version.ts'

const USAGE = `Usage: sluice <command> [flags]

Commands:
  run CONFIG        run a node with the Alloy configuration file CONFIG
  validate CONFIG   check CONFIG and report every error with file:line:column
  fmt CONFIG        print CONFIG in canonical form (as alloy fmt does); -w writes it back

Flags of run (Alloy's names and defaults):
  --server.http.listen-addr=127.0.0.1:12345   HTTP address for /metrics, /-/ready, /-/reload and the UI
  --storage.path=data-sluice/                 where WALs and component state live
  --pipeline.threads=N                        decode/relabel worker threads, default: the cores (Sluice's own)
  --cluster.enabled                           join a cluster and share series and targets with it
  --cluster.listen-addr=0.0.0.0:7946          libp2p listen address (Sluice's own flag)
  --cluster.advertise-address=HOST:PORT       address other members dial
  --cluster.join-addresses=A,B                host:port or DNS names (each record joined)
  --cluster.node-name=NAME                    default: the hostname
  --cluster.name=NAME                         members with another name are ignored
  --cluster.secret-file=PATH                  private-network key; without it a node cannot join
  --cluster.wait-for-size=N                   take no work until N members are ready
  --cluster.wait-timeout=DURATION             stop waiting for the size after this (0: forever)
  --cluster.rejoin-interval=60s               re-dial join addresses this often (0: never)
  --cluster.max-join-peers=5                  dial at most this many join addresses
  --cluster.crash-hold=30s                    after a crash, deliver nothing until the node is back (0s: off)

Other: --help, --version
`

function fail(message: string, code = 1): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`)
  process.exit(code)
}

async function readConfig(path: string | undefined): Promise<string> {
  if (!path) fail(`missing CONFIG\n\n${USAGE}`, 2)
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as Error).message}`)
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...RUN_OPTIONS,
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      write: { type: 'boolean', short: 'w' },
    },
  })
  if (values.version) return void process.stdout.write(`sluice ${VERSION}\n`)
  const [command, path] = positionals
  if (values.help || !command) return void process.stdout.write(USAGE)

  if (command === 'fmt') {
    const source = await readConfig(path)
    const formatted = format(source, path!)
    if (values.write) await writeFile(path!, formatted)
    else process.stdout.write(formatted)
    return
  }
  if (command === 'validate') {
    const source = await readConfig(path)
    const diagnostics = Controller.validate(source, path!, builtinComponents())
    if (diagnostics.length > 0) fail(renderDiagnostics(diagnostics, source))
    return void process.stderr.write(`${path}: ok\n`)
  }
  if (command === 'run') {
    await readConfig(path)
    const daemon = await Daemon.start(runFlags(values, path!))
    const stop = (signal: string) => {
      daemon.logger.info({ signal }, 'shutting down')
      daemon.stop().then(
        () => process.exit(0),
        (err) => fail(`shutdown failed: ${(err as Error).message}`),
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    process.on('SIGHUP', () => {
      daemon.reload().then(
        () => daemon.logger.info('config reloaded'),
        (err) => daemon.logger.error({ err: String(err) }, 'reload rejected; the running config stays'),
      )
    })
    return
  }
  fail(`unknown command "${command}"\n\n${USAGE}`, 2)
}

/** The text of every file a config error points into, for the caret excerpts. */
function sourcesOf(err: ConfigError): Map<string, string> {
  const sources = new Map<string, string>()
  for (const d of err.diagnostics) {
    if (sources.has(d.span.file)) continue
    try {
      sources.set(d.span.file, readFileSync(d.span.file, 'utf8'))
    } catch {
      sources.set(d.span.file, '')
    }
  }
  return sources
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError)
    fail(err.diagnostics.length ? renderDiagnostics(err.diagnostics, sourcesOf(err)) : err.message)
  if (isSluiceError(err)) fail(`error: ${err.message}`)
  if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
    fail(`${(err as Error).message}\n\n${USAGE}`, 2)
  fail(`error: ${(err as Error).stack ?? String(err)}`)
})

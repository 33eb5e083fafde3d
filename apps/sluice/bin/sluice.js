#!/usr/bin/env node
// Sluice runs its TypeScript sources directly, which takes Node 24. Started by an older node (a shell
// outside npm scripts), it re-runs itself with the Node 24 that `npm ci` put in node_modules.
import { spawn } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(realpathSync(fileURLToPath(import.meta.url)))
const major = Number(process.versions.node.split('.')[0])
if (major >= 24) {
  await import(join(here, '../src/cli.ts'))
} else {
  const node = join(here, '../../../node_modules/node/bin/node')
  if (!existsSync(node)) {
    console.error(
      `sluice needs Node.js 24 or newer (this is ${process.version}); run npm ci in the repository first`,
    )
    process.exit(1)
  }
  const child = spawn(node, [join(here, '../src/cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
}

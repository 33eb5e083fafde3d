#!/usr/bin/env node
// The load generator runs its TypeScript sources directly, which takes Node 24 (node_modules/.bin/node).
import { realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

await import(join(dirname(realpathSync(fileURLToPath(import.meta.url))), '../src/cli.ts'))

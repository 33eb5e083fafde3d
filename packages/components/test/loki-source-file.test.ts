import assert from 'node:assert/strict'
import { appendFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { FakeLoki, Node, tempDir, until } from './loki-helpers.ts'

function config(pattern: string, url: string): string {
  return `
loki.source.file "varlogs" {
  targets    = [{ __path__ = "${pattern}", job = "varlogs" }]
  forward_to = [loki.write.to_proxy.receiver]
  file_watch {
    min_poll_frequency = "10ms"
    max_poll_frequency = "10ms"
  }
  file_match {
    sync_period = "50ms"
  }
}

loki.write "to_proxy" {
  endpoint {
    url        = "${url}"
    batch_wait = "10ms"
  }
}
`
}

describe('loki.source.file -> loki.write', () => {
  let dir: ReturnType<typeof tempDir>
  let logs: ReturnType<typeof tempDir>
  let node: Node
  let loki: FakeLoki
  let url: string

  beforeEach(async () => {
    dir = tempDir()
    logs = tempDir()
    node = new Node(dir.path)
    loki = new FakeLoki()
    url = await loki.listen()
  })

  afterEach(async () => {
    await node.stop()
    await loki.close()
    dir.remove()
    logs.remove()
  })

  test('tails files matching the glob, resumes after a restart and follows a rotation', async () => {
    const file = join(logs.path, 'app.log')
    const key = `filename=${file},job=varlogs`
    writeFileSync(file, 'one\ntwo\n')
    await node.controller.apply(config(join(logs.path, '*.log'), url), 'edge.alloy')
    await until(() => loki.lines().get(key)?.length === 2)
    appendFileSync(file, 'three\n')
    await until(() => loki.lines().get(key)?.length === 3)

    // Restart: a new node on the same storage path resumes from the saved position.
    await node.stop()
    appendFileSync(file, 'four\n')
    node = new Node(dir.path)
    await node.controller.apply(config(join(logs.path, '*.log'), url), 'edge.alloy')
    await until(() => loki.lines().get(key)?.length === 4)

    renameSync(file, `${file}.1`)
    writeFileSync(file, 'five\n')
    await until(() => loki.lines().get(key)?.length === 5)
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(loki.lines().get(key), ['one', 'two', 'three', 'four', 'five'])
    assert.equal(
      await node.metric('sluice_loki_received_entries_total', { component: 'loki.source.file.varlogs' }),
      2,
    )
  })

  test('a target without __path__ is a config error', async () => {
    await assert.rejects(
      node.controller.apply(
        `
loki.source.file "bad" {
  targets    = [{ job = "x" }]
  forward_to = [loki.write.w.receiver]
}
loki.write "w" {
  endpoint { url = "${url}" }
}`,
        'bad.alloy',
      ),
      /no __path__/,
    )
  })
})

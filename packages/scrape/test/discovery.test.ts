import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Label } from '@sluice/contracts'
import {
  DnsDiscovery,
  type DnsResolver,
  FileDiscovery,
  FileSdFormatError,
  parseFileSd,
  relabelTargets,
  type Target,
} from '../src/index.ts'
import { asRecord, labelsOf } from './helpers.ts'

/** Collects every target list a discovery reports, and waits for one that satisfies a condition. */
class TargetLog {
  readonly lists: Target[][] = []
  readonly onTargets = (t: Target[]): void => {
    this.lists.push(t)
  }

  async until(predicate: (t: Target[]) => boolean, timeoutMs = 3000): Promise<Target[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const last = this.lists[this.lists.length - 1]
      if (last !== undefined && predicate(last)) return last
      if (Date.now() > deadline) throw new Error(`no matching target list in ${JSON.stringify(this.lists)}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

const addresses = (targets: Target[]): string[] => targets.map((t) => asRecord(t.labels).__address__!).sort()

describe('parseFileSd', () => {
  test('reads JSON and YAML groups with their labels, address and file path', () => {
    const json = '[{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}]'
    const yaml = '# comment\n- targets: [a:1, "b:2"]\n  labels:\n    env: prod\n- targets:\n    - c:3\n'
    const fromJson = parseFileSd(json, '/sd/x.json')
    const fromYaml = parseFileSd(yaml, '/sd/x.yml')
    const withoutPath = (ts: Target[]) => ts.map((t) => t.labels.filter((l) => l.name !== '__meta_filepath'))
    assert.deepEqual(withoutPath(fromJson), withoutPath(fromYaml))
    assert.equal(asRecord(fromYaml[0]!.labels).__meta_filepath, '/sd/x.yml')
    assert.deepEqual(
      fromJson[0]!.labels,
      labelsOf({ __address__: 'a:1', __meta_filepath: '/sd/x.json', env: 'prod' }),
    )
    assert.deepEqual(fromJson[2]!.labels, labelsOf({ __address__: 'c:3', __meta_filepath: '/sd/x.json' }))
    assert.deepEqual(parseFileSd('', '/sd/empty.yaml'), [])
  })

  test('rejects what is not the file_sd shape', () => {
    for (const bad of [
      '{"targets": []}',
      '[{"targets": "a:1"}]',
      '[{"targets": [1]}]',
      '[{"labels": {"a-b": "x"}}]',
      '[1',
      '[{"targets": ["a:1"], "labels": {"x": 1}}]',
    ]) {
      assert.throws(() => parseFileSd(bad, '/sd/x.json'), FileSdFormatError, bad)
    }
  })
})

describe('FileDiscovery', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-file-sd-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('reports targets from matching files and follows changes, additions and removals', async () => {
    await writeFile(join(dir, 'tg_a.json'), '[{"targets": ["a:1"]}]')
    await writeFile(join(dir, 'other.json'), '[{"targets": ["ignored:1"]}]')
    const log = new TargetLog()
    const sd = new FileDiscovery({
      files: [join(dir, 'tg_*.json'), join(dir, 'static.yaml')],
      onTargets: log.onTargets,
    })
    await sd.start()
    try {
      assert.deepEqual(addresses(log.lists[0]!), ['a:1'])
      assert.equal(asRecord(log.lists[0]![0]!.labels).__meta_filepath, join(dir, 'tg_a.json'))

      await writeFile(join(dir, 'static.yaml'), '- targets: [s:9]\n')
      await log.until((t) => addresses(t).join() === 'a:1,s:9')
      await writeFile(join(dir, 'tg_a.json'), '[{"targets": ["a:1", "a:2"]}]')
      await log.until((t) => addresses(t).join() === 'a:1,a:2,s:9')

      // A broken file keeps its previous targets; other files still update.
      const reported = log.lists.length
      await writeFile(join(dir, 'tg_a.json'), '[{"targets": ')
      await writeFile(join(dir, 'tg_b.json'), '[{"targets": ["b:1"]}]')
      await log.until((t) => addresses(t).join() === 'a:1,a:2,b:1,s:9')
      assert.ok(log.lists.length > reported)

      await unlink(join(dir, 'tg_a.json'))
      await log.until((t) => addresses(t).join() === 'b:1,s:9')
    } finally {
      sd.stop()
    }
  })

  test('refreshes on its timer when no change notification arrives', async () => {
    // The directory does not exist at start, so it cannot be watched: only the timer can find the file.
    const sub = join(dir, 'later')
    const file = join(sub, 'timer.yml')
    const log = new TargetLog()
    const sd = new FileDiscovery({ files: [file], refreshIntervalMs: 100, onTargets: log.onTargets })
    await sd.start()
    try {
      assert.deepEqual(log.lists, [[]])
      await mkdir(sub)
      await writeFile(file, '- targets: [t:2]\n')
      await log.until((t) => addresses(t).join() === 't:2')
      await new Promise((r) => setTimeout(r, 250))
      assert.equal(log.lists.length, 2, 'reported only when the list changed')
    } finally {
      sd.stop()
    }
  })
})

describe('DnsDiscovery', () => {
  test('resolves localhost A records to targets with the port and __meta_dns_name', async () => {
    const log = new TargetLog()
    const sd = new DnsDiscovery({ names: ['localhost'], type: 'A', port: 9100, onTargets: log.onTargets })
    await sd.start()
    sd.stop()
    assert.deepEqual(log.lists[0], [
      { labels: labelsOf({ __address__: '127.0.0.1:9100', __meta_dns_name: 'localhost' }) },
    ])
  })

  test('turns SRV records into targets and keeps the last good answer when a lookup fails', async () => {
    let fail = false
    const resolver: DnsResolver = {
      addresses: async () => [],
      mx: async () => [],
      srv: async (name) => {
        if (fail) throw new Error('SERVFAIL')
        return [{ name: `node1.${name}.`, port: 9100 }]
      },
    }
    const log = new TargetLog()
    const sd = new DnsDiscovery({
      names: ['_metrics._tcp.svc'],
      refreshIntervalMs: 50,
      onTargets: log.onTargets,
      resolver,
    })
    await sd.start()
    assert.deepEqual(asRecord(log.lists[0]![0]!.labels), {
      __address__: 'node1._metrics._tcp.svc:9100',
      __meta_dns_name: '_metrics._tcp.svc',
      __meta_dns_srv_record_port: '9100',
      __meta_dns_srv_record_target: 'node1._metrics._tcp.svc',
    })
    fail = true
    await sd.refresh()
    sd.stop()
    assert.equal(log.lists.length, 1)
    assert.deepEqual(sd.targets(), log.lists[0])
  })

  test('brackets IPv6 addresses', async () => {
    const resolver: DnsResolver = { addresses: async () => ['::1'], mx: async () => [], srv: async () => [] }
    const log = new TargetLog()
    const sd = new DnsDiscovery({ names: ['h'], type: 'AAAA', port: 80, onTargets: log.onTargets, resolver })
    await sd.start()
    sd.stop()
    assert.equal(asRecord(log.lists[0]![0]!.labels).__address__, '[::1]:80')
  })
})

describe('relabelTargets', () => {
  test('applies the rules to each target and drops the ones they drop', () => {
    const relabeler = {
      process(labels: Label[]): Label[] | null {
        const env = labels.find((l) => l.name === 'env')?.value
        return env === 'dev' ? null : [...labels, { name: 'kept', value: 'yes' }]
      },
    }
    const out = relabelTargets(
      [
        { labels: labelsOf({ __address__: 'a:1', env: 'prod' }) },
        { labels: labelsOf({ __address__: 'b:1', env: 'dev' }) },
      ],
      relabeler,
    )
    assert.deepEqual(
      out.map((t) => asRecord(t.labels)),
      [{ __address__: 'a:1', env: 'prod', kept: 'yes' }],
    )
  })
})

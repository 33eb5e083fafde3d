import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseHostPort, resolveJoinAddress, toMultiaddr } from '../src/address.ts'
import { ClusterConfigError } from '../src/index.ts'

test('host:port parses for IPv4, bracketed IPv6 and names, with a default port', () => {
  assert.deepEqual(parseHostPort('10.0.0.5:7000'), { host: '10.0.0.5', port: 7000 })
  assert.deepEqual(parseHostPort('[::1]:7946'), { host: '::1', port: 7946 })
  assert.deepEqual(parseHostPort('sluice', 7946), { host: 'sluice', port: 7946 })
  assert.equal(toMultiaddr({ host: '10.0.0.5', port: 7000 }), '/ip4/10.0.0.5/tcp/7000')
  assert.equal(toMultiaddr({ host: '::1', port: 1 }), '/ip6/::1/tcp/1')
  assert.equal(toMultiaddr({ host: 'sluice', port: 1 }), '/dns/sluice/tcp/1')
})

test('malformed addresses are config errors', () => {
  for (const bad of ['', 'a:b', 'host:70000', '[nothex]:1', 'host']) {
    assert.throws(() => parseHostPort(bad), ClusterConfigError, bad)
  }
})

test('a DNS join address stands for every address it resolves to; an unknown name for none', async () => {
  const addrs = await resolveJoinAddress('localhost:22010', 7946)
  assert.ok(addrs.length >= 1)
  for (const a of addrs) assert.match(a, /^\/ip[46]\/(127\.0\.0\.1|::1)\/tcp\/22010$/)
  assert.deepEqual(await resolveJoinAddress('no-such-host.invalid:1', 7946), [])
  assert.deepEqual(await resolveJoinAddress('10.1.2.3', 7946), ['/ip4/10.1.2.3/tcp/7946'])
})

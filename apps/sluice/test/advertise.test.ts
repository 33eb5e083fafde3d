import assert from 'node:assert/strict'
import type { NetworkInterfaceInfo } from 'node:os'
import { test } from 'node:test'
import { defaultAdvertiseAddress, runFlags } from '../src/flags.ts'

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:ac:11:00:02', internal, cidr: null }
}

const container = { lo: [v4('127.0.0.1', true)], eth0: [v4('172.18.0.4')] }

test('a node listening on every interface advertises the IPv4 address of eth0 with its cluster port', () => {
  assert.equal(defaultAdvertiseAddress('0.0.0.0:12345', '0.0.0.0:7946', container), '172.18.0.4:7946')
  assert.equal(defaultAdvertiseAddress('[::]:12345', ':7947', container), '172.18.0.4:7947')
})

test('en0 is the fallback interface, and without either no address is made up', () => {
  assert.equal(
    defaultAdvertiseAddress('0.0.0.0:12345', '0.0.0.0:7946', { en0: [v4('10.1.2.3')] }),
    '10.1.2.3:7946',
  )
  assert.equal(
    defaultAdvertiseAddress('0.0.0.0:12345', '0.0.0.0:7946', { lo: [v4('127.0.0.1', true)] }),
    undefined,
  )
})

test('a listen address naming a host is what peers dial: nothing is advertised instead', () => {
  assert.equal(defaultAdvertiseAddress('127.0.0.1:12345', '0.0.0.0:7946', container), undefined)
  assert.equal(defaultAdvertiseAddress('0.0.0.0:12345', '10.0.0.5:7946', container), undefined)
})

test('an explicit --cluster.advertise-address wins, and an unclustered node advertises nothing', () => {
  const values = {
    'server.http.listen-addr': '0.0.0.0:12345',
    'cluster.enabled': true,
    'cluster.advertise-address': 'sluice-0.example:7946',
  }
  assert.equal(runFlags(values, 'c.alloy').cluster.advertiseAddress, 'sluice-0.example:7946')
  assert.equal(
    runFlags({ 'server.http.listen-addr': '0.0.0.0:12345' }, 'c.alloy').cluster.advertiseAddress,
    undefined,
  )
})

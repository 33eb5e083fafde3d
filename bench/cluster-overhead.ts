// What clustering costs: CPU per sample of three clustered Sluice nodes behind a round-robin nginx
// against one unclustered node, under the same wrk load, and the latency the forwarding hop adds. A
// second unclustered node keeps 3 remote-write shards in use, so that it hashes, splits and compresses
// every push three ways as a 3-node cluster does (a single node on 1 shard stores a push as it arrived):
// what the cluster costs beyond the split itself. A second cluster owns series by key
// (`clustering { shard_by_labels = ["agent"] }`): every push of one edge belongs to one member. A
// third runs with routing off (`clustering { enabled = false }`: each node stores what it receives, no
// order kept across nodes, so no gateway to use): what three gossiping processes cost on this machine
// before any routing, against which the routed clusters' own cost shows.
//   npm run bench:cluster                       (= node bench/cluster-overhead.ts [SECONDS] [ROUNDS] [KIT])
// The load is 24 edges in turn (bench/post-edges.lua): requests of the shared load kit's 2000 series
// (as @sluice/loadgen builds them), each edge's with its own `agent` external label. Needs nginx, wrk,
// and the kit's sink-nginx.conf in KIT (default ../shared/bench). Every process listens on 127.0.0.1
// and is stopped at the end.
//
// Each setup is started for its measurement, warmed up for WARM_UP_SECONDS and stopped after it, so that
// only the setup measured runs (idle nodes of the others took their share of the two vCPUs and weighed
// on the clusters more than on the single nodes); the setups alternate round by round so that drift in
// a shared machine's speed hits them alike. Two phases per setup:
//   throughput: wrk -t2 -c8 for SECONDS; samples accepted (2xx) per CPU-second of the Sluice processes
//               (worker threads included; the balancer's and the sink's CPU are not counted), the CPU
//               counted until the nodes' WALs are empty again;
//   latency:    wrk -t1 -c1 --latency for SECONDS/2: one request at a time, so p50/p99 are the cost
//               of a request rather than queueing. The single node is measured behind nginx as well,
//               so the difference between the two is the cluster's forwarding hop.
// With SLUICE_BENCH_PROFILE_DIR=DIR every Sluice process runs with --cpu-prof and writes the V8 CPU
// profiles of all its threads to DIR/one-node, DIR/one-node-3-shards, DIR/cluster-<i>, DIR/keyed-<i> and DIR/unrouted-<i> when it is stopped with SIGTERM after
// each measurement (summarise with `node apps/loadgen/bin/loadgen.js profile DIR/cluster-0/*.cpuprofile`).
// Those profiles sample wall time; with SLUICE_BENCH_PERF_DIR=DIR the last round's throughput phase of
// each setup is recorded on-CPU by `perf record` instead, into DIR/<setup name>.data
// (`perf report -i DIR/3-node-cluster-behind-nginx.data --comm MainThread`). SLUICE_BENCH_NODE_OPTIONS adds Node options to
// every Sluice process. Each round prints CPU per 1000 samples by kind of thread (cpuByThread).
import { execFile, spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { buildRequest } from '@sluice/loadgen'
import { startNginx, startRoundRobin } from '../test/lib/nginx.ts'
import { startSluice } from '../test/lib/peers.ts'
import { Cleanup, freePort, type Proc, ROOT, tempDir, waitFor, writeFile } from '../test/lib/process.ts'

const run = promisify(execFile)
const SECONDS = Number(process.argv[2] ?? 10)
const ROUNDS = Number(process.argv[3] ?? 3)
const KIT = resolve(ROOT, process.argv[4] ?? '../shared/bench')
const SERIES_PER_REQUEST = 2000
/** Load before each measurement, on nodes just started. */
const WARM_UP_SECONDS = 4
/** Edges in the load: enough that rendezvous hashing gives each of three members a fair share. */
const EDGES = 24
const CONFIG = readFileSync(join(ROOT, 'deploy/compose/cluster.alloy'), 'utf8')
/** The same config with 3 shards in use from the start (and never fewer): see the head of this file. */
const CONFIG_SPLIT = CONFIG.replace(
  'batch_send_deadline = "1s"',
  'batch_send_deadline = "1s"\n\t\t\tmin_shards          = 3',
)
if (CONFIG_SPLIT === CONFIG)
  throw new Error('cluster.alloy has no batch_send_deadline to put min_shards next to')
/** The same config with `clustering { <attribute> }` in the receiver. */
function withClustering(attribute: string): string {
  const forward = 'forward_to = [prometheus.remote_write.backend.receiver]'
  if (!CONFIG.includes(forward))
    throw new Error('cluster.alloy has no forward_to to put a clustering block after')
  return CONFIG.replace(forward, `${forward}\n\n\tclustering {\n\t\t${attribute}\n\t}`)
}
/** Series owned by their edge's `agent` label. */
const CONFIG_KEYED = withClustering('shard_by_labels = ["agent"]')
/** No routing: each node keeps what it receives. */
const CONFIG_UNROUTED = withClustering('enabled = false')
const PROFILE_DIR = process.env.SLUICE_BENCH_PROFILE_DIR
const PERF_DIR = process.env.SLUICE_BENCH_PERF_DIR

/** A setup of the comparison, started anew for each of its measurements. */
interface SetupSpec {
  name: string
  start: () => Promise<Setup>
}

/** A running setup. */
interface Setup {
  /** Where wrk sends the throughput load. */
  loadUrl: string
  /** Where wrk sends the latency probe (through nginx for both setups). */
  latencyUrl: string
  pids: number[]
  /** The nodes' own URLs, whose `/metrics` tell what their WALs still hold. */
  nodeUrls: string[]
  /** Its processes (nodes and balancer), stopped after its measurement. */
  procs: Proc[]
}

interface Result {
  samplesPerS: number
  cpuS: number
  samplesPerCpuS: number
  non2xx: number
  /** CPU seconds by kind of thread (see {@link cpuByThread}). */
  threads: Map<string, number>
}

/** user + system CPU seconds of a process or thread, from its `stat` file. */
function statSeconds(path: string): number {
  const tick = 100 // CLK_TCK on Linux
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ')
  // After "pid (comm) ", utime and stime are fields 12 and 13 (14 and 15 of the whole line).
  return (Number(fields[11]) + Number(fields[12])) / tick
}

/** user + system CPU seconds of processes (all their threads). */
function cpuSeconds(pids: number[]): number {
  let sum = 0
  for (const pid of pids) sum += statSeconds(`/proc/${pid}/stat`)
  return sum
}

/**
 * CPU seconds of the processes' threads by kind: the main thread, the pipeline's worker threads, libuv's
 * thread pool (LevelDB's reads and writes), and the rest (V8's compiler and GC helpers, LevelDB's
 * compaction). Threads that ended in between are missed, which is why the total is taken separately.
 */
function cpuByThread(pids: number[]): Map<string, number> {
  const sums = new Map<string, number>()
  for (const pid of pids) {
    let tids: string[]
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      let kind: string
      let seconds: number
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
        seconds = statSeconds(`/proc/${pid}/task/${tid}/stat`)
        kind = threadKind(tid === String(pid), comm)
      } catch {
        continue
      }
      sums.set(kind, (sums.get(kind) ?? 0) + seconds)
    }
  }
  return sums
}

function threadKind(main: boolean, comm: string): string {
  if (main) return 'main'
  if (comm.startsWith('libuv-worker')) return 'libuv'
  if (comm.startsWith('V8Worker')) return 'v8'
  if (comm === 'default' || comm.startsWith('piscina') || comm.startsWith('WorkerThread')) return 'workers'
  return 'other'
}

/** wrk with the edges' requests in `payloads` (a directory, see bench/post-edges.lua). */
async function wrk(url: string, payloads: string, args: string[]): Promise<string> {
  const { stdout } = await run('wrk', [...args, '-s', join(ROOT, 'bench/post-edges.lua'), url], {
    env: { ...process.env, PAYLOAD_DIR: payloads, PAYLOADS: String(EDGES) },
    timeout: (SECONDS + 30) * 1000,
  })
  return stdout
}

/**
 * Samples the CPU time of the processes' threads with `perf record` (on-CPU time only, unlike V8's
 * --cpu-prof, which samples wall time and charges a descheduled thread's wait to the function it was
 * in). Stopped with SIGINT, which makes perf write its file.
 */
function perfRecord(pids: number[], file: string): () => Promise<void> {
  const perf = spawn(
    'perf',
    ['record', '-e', 'cpu-clock', '-F', '499', '-g', '-o', file, '-p', pids.join(',')],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => perf.once('exit', () => resolve()))
  return async () => {
    perf.kill('SIGINT')
    await exited
  }
}

/** Records the nodes' WALs hold unsent, summed. */
async function backlog(setup: Setup): Promise<number> {
  let records = 0
  for (const url of setup.nodeUrls) {
    const text = await (await fetch(`${url}/metrics`)).text()
    for (const m of text.matchAll(/^sluice_wal_records\{[^}]*\} (\d+)/gm)) records += Number(m[1])
  }
  return records
}

/** Waits (up to 60 s) until the setup has forwarded everything it accepted. */
async function drain(setup: Setup): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((await backlog(setup)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
}

/**
 * One wrk run; the CPU counted runs until the nodes have forwarded what they accepted (their WALs are
 * empty again): work left queued would be work not measured.
 */
async function throughput(setup: Setup, payload: string, perfFile?: string): Promise<Result> {
  await drain(setup)
  const stopPerf = perfFile === undefined ? undefined : perfRecord(setup.pids, perfFile)
  const c0 = cpuSeconds(setup.pids)
  const t0 = cpuByThread(setup.pids)
  const out = await wrk(setup.loadUrl, payload, ['-t2', '-c8', `-d${SECONDS}s`])
  await drain(setup)
  await stopPerf?.()
  const cpuS = cpuSeconds(setup.pids) - c0
  const threads = new Map<string, number>()
  for (const [kind, seconds] of cpuByThread(setup.pids)) threads.set(kind, seconds - (t0.get(kind) ?? 0))
  const reqs = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const samples = (reqs - non2xx) * SERIES_PER_REQUEST
  return {
    samplesPerS: samples / SECONDS,
    cpuS,
    samplesPerCpuS: cpuS > 0 ? samples / cpuS : 0,
    non2xx,
    threads,
  }
}

/** wrk prints latencies as 812.00us, 1.20ms or 2.01s. */
function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text)
  if (!m) return Number.NaN
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]!]!
}

async function latency(setup: Setup, payload: string): Promise<{ p50: number; p99: number }> {
  const out = await wrk(setup.latencyUrl, payload, [
    '-t1',
    '-c1',
    `-d${Math.max(2, SECONDS / 2)}s`,
    '--latency',
  ])
  return {
    p50: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

async function main(): Promise<void> {
  const cleanup = new Cleanup()
  const stop = () => void cleanup.run().then(() => process.exit(130))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const payload = cleanup.dir(tempDir('bench-cluster'))
    for (let edge = 0; edge < EDGES; edge++) {
      const body = buildRequest({
        first: 0,
        count: SERIES_PER_REQUEST,
        timestampMs: Date.now(),
        externalLabels: [{ name: 'agent', value: `edge-${edge}` }],
      })
      writeFileSync(join(payload, `edge-${edge}.bin`), body)
    }

    // The shared sink config, on a port of our own so that other benchmarks can run beside this one.
    const sinkPort = await freePort()
    const sinkDir = cleanup.dir(tempDir('bench-sink'))
    const sinkConf = writeFile(
      sinkDir,
      'sink.conf',
      readFileSync(join(KIT, 'sink-nginx.conf'), 'utf8')
        .replaceAll('127.0.0.1:19090', `127.0.0.1:${sinkPort}`)
        .replaceAll('/tmp/rw-sink', sinkDir),
    )
    startNginx(cleanup, sinkConf, sinkDir)
    const sinkUrl = `http://127.0.0.1:${sinkPort}/api/v1/write`
    await waitFor('the sink', async () =>
      (await fetch(sinkUrl, { method: 'POST' })).status === 204 ? true : undefined,
    )

    const env = (port: number, profileName: string): Record<string, string> => {
      const nodeOptions = [process.env.SLUICE_BENCH_NODE_OPTIONS ?? '']
      if (PROFILE_DIR !== undefined)
        nodeOptions.push(`--cpu-prof --cpu-prof-dir=${resolve(PROFILE_DIR, profileName)}`)
      // perf names JIT-compiled JavaScript functions through the /tmp/perf-<pid>.map files this writes.
      if (PERF_DIR !== undefined) nodeOptions.push('--perf-basic-prof-only-functions')
      const options = nodeOptions.join(' ').trim()
      return {
        SLUICE_REMOTE_WRITE_URL: sinkUrl,
        SLUICE_INGEST_ADDRESS: '127.0.0.1',
        SLUICE_INGEST_PORT: String(port),
        ...(options === '' ? {} : { NODE_OPTIONS: options }),
      }
    }
    const path = '/api/v1/metrics/write'

    /** One unclustered node of `config`, behind its own nginx for the latency probe. */
    const single = async (config: string, name: string): Promise<Setup> => {
      const port = await freePort()
      const node = await startSluice(cleanup, config, { httpPort: port, env: env(port, name) })
      const lb = await startRoundRobin(cleanup, [`127.0.0.1:${port}`])
      return {
        loadUrl: node.url + path,
        latencyUrl: lb.url + path,
        pids: [node.proc.child.pid!],
        nodeUrls: [node.url],
        procs: [node.proc, lb.proc],
      }
    }
    /** Three clustered nodes of `config` and a round-robin in front of them. */
    const cluster = async (config: string, name: string): Promise<Setup> => {
      const clusterPorts = [await freePort(), await freePort(), await freePort()]
      const join3 = `--cluster.join-addresses=${clusterPorts.map((p) => `127.0.0.1:${p}`).join(',')}`
      const nodes = []
      for (const [i, clusterPort] of clusterPorts.entries()) {
        const httpPort = await freePort()
        nodes.push(
          await startSluice(cleanup, config, {
            httpPort,
            env: env(httpPort, `${name}-${i}`),
            args: [
              '--cluster.enabled',
              `--cluster.listen-addr=127.0.0.1:${clusterPort}`,
              `--cluster.node-name=${name}-${i}`,
              join3,
            ],
          }),
        )
      }
      await waitFor(
        'three ready owners on every node',
        async () => {
          for (const n of nodes) {
            const view = (await (await fetch(`${n.url}/api/v1/cluster`)).json()) as { ownership: unknown[] }
            if (view.ownership.length !== 3) return undefined
          }
          return true
        },
        30_000,
      )
      const lb = await startRoundRobin(
        cleanup,
        nodes.map((n) => `127.0.0.1:${n.httpPort}`),
      )
      return {
        loadUrl: lb.url + path,
        latencyUrl: lb.url + path,
        pids: nodes.map((n) => n.proc.child.pid!),
        nodeUrls: nodes.map((n) => n.url),
        procs: [...nodes.map((n) => n.proc), lb.proc],
      }
    }

    const setups: SetupSpec[] = [
      { name: 'one node', start: () => single(CONFIG, 'one-node') },
      { name: 'one node, 3 shards', start: () => single(CONFIG_SPLIT, 'one-node-3-shards') },
      { name: '3-node cluster behind nginx', start: () => cluster(CONFIG, 'cluster') },
      { name: '3-node cluster, owners by agent label', start: () => cluster(CONFIG_KEYED, 'keyed') },
      { name: '3 clustered nodes, routing off', start: () => cluster(CONFIG_UNROUTED, 'unrouted') },
    ]

    const results = new Map<string, { rates: number[]; p50: number[]; p99: number[] }>()
    for (const s of setups) results.set(s.name, { rates: [], p50: [], p99: [] })
    for (let round = 1; round <= ROUNDS; round++) {
      for (const spec of setups) {
        // Only the setup measured runs: idle nodes of the others would take their share of two vCPUs.
        const s = await spec.start()
        // Warm up (JIT, pools, keep-alive connections to the sink) before anything is counted.
        await wrk(s.loadUrl, payload, ['-t2', '-c8', `-d${WARM_UP_SECONDS}s`])
        const perfFile =
          PERF_DIR !== undefined && round === ROUNDS
            ? join(resolve(PERF_DIR), `${spec.name.replaceAll(/[^a-z0-9]+/g, '-')}.data`)
            : undefined
        const t = await throughput(s, payload, perfFile)
        const l = await latency(s, payload)
        // A V8 profile is written only on a clean exit; otherwise nothing is left to wait for.
        for (const proc of s.procs) await proc.stop(PROFILE_DIR === undefined ? 'SIGKILL' : 'SIGTERM')
        const r = results.get(spec.name)!
        r.rates.push(t.samplesPerCpuS)
        r.p50.push(l.p50)
        r.p99.push(l.p99)
        console.log(
          `round ${round} ${spec.name}: samples_per_s=${t.samplesPerS.toFixed(0)} cpu_s=${t.cpuS.toFixed(2)} ` +
            `samples_per_cpu_s=${t.samplesPerCpuS.toFixed(0)} non2xx=${t.non2xx} p50=${l.p50.toFixed(2)}ms p99=${l.p99.toFixed(2)}ms`,
        )
        // CPU microseconds per thousand samples, by kind of thread: where a difference between the setups lies.
        const samples = t.samplesPerS * SECONDS
        const perK = [...t.threads].map(([kind, s]) => `${kind}=${((s * 1e9) / samples).toFixed(0)}`)
        console.log(`  cpu_us_per_1k_samples: ${perK.join(' ')}`)
      }
    }
    const one = results.get(setups[0]!.name)!
    const fixedShards = results.get(setups[1]!.name)!
    const three = results.get(setups[2]!.name)!
    const keyed = results.get(setups[3]!.name)!
    const unrouted = results.get(setups[4]!.name)!
    const costRatio = median(one.rates) / median(three.rates)
    const fixedRatio = median(fixedShards.rates) / median(three.rates)
    const keyedRatio = median(one.rates) / median(keyed.rates)
    const added = (r: { p50: number[]; p99: number[] }): string =>
      `p50 +${(median(r.p50) - median(one.p50)).toFixed(2)} ms, p99 +${(median(r.p99) - median(one.p99)).toFixed(2)} ms`
    console.log(
      `CPU per sample, cluster / one node: ${costRatio.toFixed(2)}x (goal <= 1.5x; median of ${ROUNDS} rounds)\n` +
        `CPU per sample, cluster / one node splitting every push three ways (3 shards): ${fixedRatio.toFixed(2)}x\n` +
        `CPU per sample, cluster owning series by agent / one node: ${keyedRatio.toFixed(2)}x\n` +
        `CPU per sample, three nodes routing nothing / one node: ${(median(one.rates) / median(unrouted.rates)).toFixed(2)}x ` +
        `(three processes on this machine); owning by agent / routing nothing: ${(median(unrouted.rates) / median(keyed.rates)).toFixed(2)}x\n` +
        `latency added by the cluster (one request at a time, medians): ${added(three)}; owning by agent: ${added(keyed)}`,
    )
    if (PROFILE_DIR !== undefined)
      console.log(
        `CPU profiles in ${resolve(PROFILE_DIR)}/{one-node,one-node-3-shards,cluster-<i>,keyed-<i>,unrouted-<i>}`,
      )
  } finally {
    await cleanup.run()
  }
}

await main()
// fetch's idle keep-alive sockets would hold the process open for a few more seconds.
process.exit(0)

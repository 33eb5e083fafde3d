/**
 * V8 heap settings for the whole process, applied when this module is evaluated: `cli.ts` imports it
 * first, before any other module runs and before the pipeline's worker isolates exist (flags are
 * process-wide, so the workers get them too).
 *
 * `--external-memory-accounted-in-global-limit`: by default V8 starts a full mark-compact whenever
 * ArrayBuffer memory has grown 64 MiB past its level at the previous one, whatever the heap's size.
 * A gateway's ArrayBuffers are request bodies, socket reads and WAL blocks that live for milliseconds,
 * so under load (300 pushes of 2000 series a second) the main isolate ran a mark-compact every 0.3 s
 * on a 40 MB heap, each freeing almost nothing on the heap and costing about 100 ms of concurrent
 * marking. Counted as part of the global heap limit, which grows with the live heap, external memory
 * starts a mark-compact about a fifth as often: +5 to +20 % samples per CPU-second end to end
 * (docs/benchmarks.md, "vmagent", round 4). Scavenges still free young ArrayBuffers as before.
 */
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--external-memory-accounted-in-global-limit')

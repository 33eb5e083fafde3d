import { join } from 'node:path'
import { ROOT } from './process.ts'

/** The compose topology users run (`docker compose up`), checked by test/compose.test.ts. */
export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml')

/**
 * The Sluice config docker-compose.yml mounts into every node; test/cluster-lb.test.ts runs this very
 * file as processes, so what the compose demo runs is what the cluster tests prove.
 */
export const CLUSTER_CONFIG_PATH = join(ROOT, 'deploy/compose/cluster.alloy')

/**
 * The environment cluster.alloy reads: the backend's remote-write URL, and the ingest's address and
 * port (compose leaves the address at its 0.0.0.0 default and puts the ingest on the node's HTTP port).
 */
export function clusterEnv(host: string, port: number, remoteWriteUrl: string): Record<string, string> {
  return {
    SLUICE_REMOTE_WRITE_URL: remoteWriteUrl,
    SLUICE_INGEST_ADDRESS: host,
    SLUICE_INGEST_PORT: String(port),
  }
}

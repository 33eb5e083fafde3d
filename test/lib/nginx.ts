import { join } from 'node:path'
import { type Cleanup, freePort, Proc, tempDir, waitFor, writeFile } from './process.ts'

/** A running nginx load balancer. */
export interface Balancer {
  /** `http://127.0.0.1:<port>`: send requests here. */
  url: string
  port: number
  proc: Proc
  /** The nginx prefix directory (config, pid, logs). */
  dir: string
}

/**
 * The config of a plain round-robin balancer: one worker (so the rotation is strict and testable),
 * no `hash`/`ip_hash`/`sticky`, keep-alive to the upstreams, and retries of a failed request on the
 * next upstream only for connection errors (nginx's default `proxy_next_upstream error timeout`
 * would also resend a POST that timed out mid-way; `non_idempotent` stays off).
 */
export function roundRobinConfig(dir: string, listenPort: number, upstreams: string[]): string {
  return `worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  client_max_body_size 64m;
  client_body_buffer_size 16m;
  upstream sluice {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://sluice;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error;
    }
  }
}
`
}

/**
 * Runs `nginx -c conf -p dir` in the foreground (the config must say `daemon off`), stopped by
 * `cleanup` with SIGTERM: nginx's fast shutdown, in which the master stops its workers. A SIGKILL
 * would orphan the workers, and with them the pipes that keep the test process alive.
 */
export function startNginx(cleanup: Cleanup, conf: string, dir: string): Proc {
  const proc = new Proc('nginx', 'nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')])
  cleanup.add(() => proc.stop('SIGTERM', 5000))
  return proc
}

/**
 * Starts a real nginx (`nginx -c <conf> -p <dir>`, in the foreground) balancing round-robin over
 * `upstreams` (`host:port` each) on a free loopback port; stopped by `cleanup`. Resolves once nginx
 * accepts connections.
 */
export async function startRoundRobin(
  cleanup: Cleanup,
  upstreams: string[],
  options: { port?: number } = {},
): Promise<Balancer> {
  const dir = cleanup.dir(tempDir('nginx'))
  const port = options.port ?? (await freePort())
  const conf = writeFile(dir, 'nginx.conf', roundRobinConfig(dir, port, upstreams))
  const proc = startNginx(cleanup, conf, dir)
  const url = `http://127.0.0.1:${port}`
  try {
    // Any answer (even a 502 while the upstreams are still starting) means nginx is listening.
    await waitFor(
      `nginx on ${url}`,
      async () => ((await fetch(`${url}/-/ready`)).status > 0 ? true : undefined),
      10_000,
    )
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- nginx output ---\n${proc.output}`)
  }
  return { url, port, proc, dir }
}

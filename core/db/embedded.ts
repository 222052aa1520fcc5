import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  readonly host: string
  readonly port: number
  stop(): Promise<void>
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM) and serves it over the PostgreSQL wire protocol
 * on a loopback port, so the `postgres` driver and the same SQL run as against a real server.
 *
 * PGlite is one backend: the socket server multiplexes clients onto it, but interleaved
 * extended-protocol messages from several clients can collide, so exactly one client
 * connection is allowed. The driver pipelines queries on it and `sql.begin` reserves it.
 *
 * `dir` undefined means in memory (tests).
 */
export async function startEmbeddedPostgres(dir: string | undefined): Promise<EmbeddedPostgres> {
  if (dir) mkdirSync(dir, { recursive: true })
  const db = await PGlite.create(dir ?? 'memory://')
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  return {
    host: host ?? '127.0.0.1',
    port: Number(port),
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}

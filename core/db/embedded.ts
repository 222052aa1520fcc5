import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  readonly host: string
  readonly port: number
  /**
   * PGlite's own dump of the live data directory (a gzipped tar), taken between two
   * protocol messages. Callers that need a quiet point (no transaction open) take it
   * through `Database.dumpDataDir`, which holds the one connection while it runs.
   */
  dumpDataDir(): Promise<Uint8Array>
  stop(): Promise<void>
}

export interface EmbeddedOptions {
  /** a data directory tarball (from `dumpDataDir`) to start from; `dir` must hold no database yet */
  readonly loadDataDir?: Uint8Array
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM) and serves it over the PostgreSQL wire protocol
 * on a loopback port, so the `postgres` driver and the same SQL run as against a real server.
 *
 * PGlite is one backend: the socket server multiplexes clients onto it, but interleaved
 * extended-protocol messages from several clients can collide, so exactly one client
 * connection is allowed. The driver pipelines queries on it and `sql.begin` reserves it.
 *
 * `dir` undefined means in memory (tests). A directory in use is marked by `<dir>.pid` (this
 * process's id) until `stop()`, so tools such as `zvonok backup` can tell that another process
 * holds it (PGlite's data directory is single-process; see `embeddedOwner`).
 */
export async function startEmbeddedPostgres(dir: string | undefined, opts: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  if (dir) mkdirSync(dir, { recursive: true })
  const loadDataDir = opts.loadDataDir ? new Blob([opts.loadDataDir as Uint8Array<ArrayBuffer>]) : undefined
  const db = await PGlite.create(dir ?? 'memory://', loadDataDir ? { loadDataDir } : {})
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  const pidFile = dir ? `${dir.replace(/[/\\]+$/, '')}.pid` : undefined
  if (pidFile) writeFileSync(pidFile, `${process.pid}\n`)
  return {
    host: host ?? '127.0.0.1',
    port: Number(port),
    async dumpDataDir() {
      const blob = await db.dumpDataDir('gzip')
      return new Uint8Array(await blob.arrayBuffer())
    },
    async stop() {
      await server.stop()
      await db.close()
      if (pidFile && ownerOf(pidFile) === process.pid) rmSync(pidFile, { force: true })
    },
  }
}

function ownerOf(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/**
 * The id of another live process that has the embedded data directory `dir` open, or null
 * (nobody, this process, or a process that ended without closing it).
 */
export function embeddedOwner(dir: string): number | null {
  const pid = ownerOf(`${dir.replace(/[/\\]+$/, '')}.pid`)
  if (pid === null || pid === process.pid) return null
  try {
    process.kill(pid, 0)
    return pid
  } catch (err) {
    // EPERM: alive but someone else's
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null
  }
}

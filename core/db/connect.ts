import path from 'node:path'
import postgres from 'postgres'
import type { Config } from '../config/config.ts'
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts'

export type Sql = postgres.Sql<{}>
export type Tx = postgres.TransactionSql<{}>
/** Either the pool or a transaction: query helpers accept both. */
export type Db = Sql | Tx

export interface Database {
  readonly sql: Sql
  readonly embedded: boolean
  /**
   * Embedded only: PGlite's dump of the whole data directory (gzipped tar), taken with the one
   * connection held and after a CHECKPOINT, so no transaction is open while it is copied.
   */
  dumpDataDir?(): Promise<Uint8Array>
  close(): Promise<void>
}

/** Options shared by every pool: quiet notices, UTC session, bigint counts as numbers. */
export function connectionOptions(max: number): postgres.Options<{}> {
  return {
    max,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'zvonok' },
    // snake_case columns arrive as camelCase fields; sql(obj) inserts map back
    transform: { column: { from: postgres.toCamel, to: postgres.fromCamel } },
    types: {
      // count(*) and bigserial ids fit comfortably in a double for this domain
      bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
      // a calendar date stays the string 'YYYY-MM-DD': no time zone can shift it
      isoDate: {
        to: 1082, from: [1082],
        serialize: (v: string | Date) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
        parse: (v: string) => v,
      },
    },
  }
}

/** Opens the configured database; with no DATABASE_URL, an embedded one in DATA_DIR/pg. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    const sql = postgres(config.databaseUrl, connectionOptions(config.databasePoolSize))
    return { sql, embedded: false, close: () => sql.end({ timeout: 5 }) }
  }
  const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'))
  return fromEmbedded(embedded)
}

export function fromEmbedded(embedded: EmbeddedPostgres): Database {
  const sql = postgres({
    host: embedded.host,
    port: embedded.port,
    user: 'postgres',
    database: 'postgres',
    ...connectionOptions(1),
  })
  return {
    sql,
    embedded: true,
    async dumpDataDir() {
      const reserved = await sql.reserve()
      try {
        await reserved`checkpoint`
        return await embedded.dumpDataDir()
      } finally {
        reserved.release()
      }
    },
    async close() {
      await sql.end({ timeout: 5 })
      await embedded.stop()
    },
  }
}

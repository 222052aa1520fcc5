/**
 * Each test file gets its own database: a fresh database on the real server named by
 * TEST_DATABASE_URL (or DATABASE_URL), or an in-memory embedded PostgreSQL when neither is set.
 * Under CI=true a real server is required: a missing one fails the run instead of silently
 * testing less.
 */
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { connectionOptions, fromEmbedded, type Sql } from '../../core/db/connect.ts'
import { startEmbeddedPostgres } from '../../core/db/embedded.ts'
import { migrate } from '../../core/db/migrate.ts'

export interface TestDb {
  readonly sql: Sql
  /** a connection string to this test database (real server only) */
  readonly url: string | undefined
  readonly embedded: boolean
  close(): Promise<void>
}

export function realServerUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL
  if (!url && process.env.CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL is not set: integration tests must run against the real PostgreSQL')
  }
  return url || undefined
}

export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const serverUrl = realServerUrl()
  let db: TestDb
  if (serverUrl) {
    const name = `zvonok_test_${process.pid}_${randomBytes(4).toString('hex')}`
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${name}`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    const sql = postgres(url.toString(), connectionOptions(8))
    db = {
      sql, url: url.toString(), embedded: false,
      async close() {
        await sql.end({ timeout: 5 })
        await admin.unsafe(`drop database if exists ${name} with (force)`)
        await admin.end({ timeout: 5 })
      },
    }
  } else {
    const embedded = fromEmbedded(await startEmbeddedPostgres(undefined))
    db = { sql: embedded.sql, url: undefined, embedded: true, close: () => embedded.close() }
  }
  if (opts.migrate !== false) await migrate(db.sql)
  return db
}

import { Redis } from 'ioredis'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { testConfig } from '../../core/config/config.ts'
import { buildApp } from '../../core/http/app.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

function redisUrl(): string {
  if (!process.env.REDIS_URL && process.env.CI === 'true') throw new Error('CI=true but REDIS_URL is not set')
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379'
}

let db: TestDb
beforeAll(async () => { db = await createTestDb() })
afterAll(async () => { await db?.close() })

test('readyz checks the database and the configured Redis', async () => {
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  const app = await buildApp({ config: testConfig({ logLevel: 'silent' }), sql: db.sql, redis })
  try {
    const r = await app.inject('/readyz')
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } })
  } finally {
    await app.close()
    await redis.quit()
  }
})

test('readyz answers 503 naming what is down', async () => {
  const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  const deadSql = postgres({ host: '127.0.0.1', port: 1, connect_timeout: 2, max: 1, onnotice: () => {} })
  const app = await buildApp({ config: testConfig({ logLevel: 'silent' }), sql: deadSql, redis: deadRedis })
  try {
    const r = await app.inject('/readyz')
    expect(r.statusCode).toBe(503)
    expect(r.json()).toEqual({ status: 'not_ready', checks: { database: 'down', redis: 'down' } })
    // the process itself is up
    expect((await app.inject('/healthz')).statusCode).toBe(200)
  } finally {
    await app.close()
    deadRedis.disconnect()
    await deadSql.end({ timeout: 1 })
  }
})

let t: TestApp
test('closing finishes the request in flight and refuses new ones', async () => {
  let release!: () => void
  const gate = new Promise<void>((r) => { release = r })
  t = await createTestApp({
    beforeReady: (app) => app.get('/slow', async () => { await gate; return { done: true } }),
  })
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  const address = t.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const inFlight = fetch(`http://127.0.0.1:${port}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }))
  await new Promise((r) => setTimeout(r, 100))
  const closing = t.app.close()
  await new Promise((r) => setTimeout(r, 50))
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
  release()
  expect(await inFlight).toEqual({ status: 200, body: { done: true } })
  await closing
  await t.db.close()
})

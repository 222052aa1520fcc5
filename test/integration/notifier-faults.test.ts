/**
 * Fault drills: the worker killed with SIGKILL mid-batch and restarted, Redis restarted (its
 * queued jobs gone), the SMTP server down for a while, Telegram answering 429 and 5xx. After
 * each, every delivery arrived, and exactly once: counted at the fake servers.
 *
 * The one case exactly-once cannot cover is a send in flight at the instant of the kill: the
 * provider may have it, and the worker never heard. Such a delivery is taken up again after
 * its lease (at least once: a parent would rather get a mark twice than never) and flagged
 * `interrupted`; the drill allows a second copy only for those, and prints how many there were.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Sql } from '../../core/db/connect.ts'
import { addMark } from '../../core/journal/index.ts'
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts'
import { startFakeTelegram, telegramErrors, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createTestDb, realServerUrl, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { dm, sleep, startTestNotifier, TOKEN, waitFor, type TestNotifier } from '../helpers/notifier.ts'

let db: TestDb, sql: Sql, f: JournalFixture, tg: FakeTelegram
const CHAT = 7000

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
  f = await buildJournal(sql, { students: 40 })
  tg = await startFakeTelegram({ token: TOKEN })
  for (const [i, s] of f.students.entries()) {
    await linkChat(sql, s.guardianId, CHAT + i)
    // drills run whatever the hour: no quiet hours for these families
    await sql`insert into notification_settings (person_id, enabled, quiet_from, quiet_to) values (${s.guardianId}, true, null, null)`
  }
})

afterAll(async () => {
  await tg?.close()
  await db?.close()
})

/** Marks for every student on lessons `offsets` days back: one delivery each (no coalescing). */
async function markAll(offsets: number[]) {
  for (const offset of offsets) {
    const lessonId = await f.lesson(offset)
    for (const s of f.students) await addMark(sql, f.teacher, lessonId, { studentId: s.id, value: 4 })
  }
}

/** Every sent delivery against the messages the fake received for its chat and lesson date. */
async function exactlyOnce(since: Date) {
  const rows = await sql<{ id: string; chatId: string; date: string; status: string; interrupted: boolean }[]>`
    select d.id, cl.chat_id::text as chat_id, min(o.payload->>'date') as date, d.status::text as status, d.interrupted
    from deliveries d
    join delivery_events de on de.delivery_id = d.id
    join outbox o on o.id = de.outbox_id
    join chat_links cl on cl.person_id = d.person_id
    where d.created_at >= ${since} and d.channel = 'telegram'
    group by d.id, cl.chat_id`
  const copies = rows.map((r) => ({
    ...r, copies: tg.sent.filter((m) => m.chatId === r.chatId && m.text.includes(`, ${dm(r.date)} `)).length,
  }))
  return {
    deliveries: rows.length,
    notSent: copies.filter((c) => c.status !== 'sent'),
    missing: copies.filter((c) => c.copies === 0),
    duplicatedUninterrupted: copies.filter((c) => c.copies > 1 && !c.interrupted),
    interrupted: copies.filter((c) => c.interrupted).length,
    duplicates: copies.filter((c) => c.copies > 1).length,
  }
}

function startWorker(prefix: string, redisUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
    env: {
      ...process.env, DRILL_DATABASE_URL: db.url, DRILL_REDIS_URL: redisUrl, DRILL_QUEUE_PREFIX: prefix,
      DRILL_TELEGRAM_TOKEN: TOKEN, DRILL_TELEGRAM_API_ROOT: tg.apiRoot,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(child))
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)))
  })
}

describe.skipIf(!realServerUrl())('the worker process killed mid-batch (needs a real PostgreSQL: two processes share it)', () => {
  test('SIGKILL while sending, restart: every delivery arrives; a second copy only for a send in flight at the kill', async () => {
    const since = new Date()
    const prefix = `zvonok-drill-${randomUUID().slice(0, 8)}`
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    tg.setDelay(15) // sends take a little while, so the kill finds some in flight
    const first = await startWorker(prefix, redisUrl)
    const before = tg.sent.length
    await markAll([-1, -2, -3]) // 120 marks → 120 deliveries, at most 30/s
    await waitFor(() => tg.sent.length - before >= 30, 20_000, '30 messages before the kill')
    first.kill('SIGKILL')
    const atKill = tg.sent.length - before
    const second = await startWorker(prefix, redisUrl)
    try {
      await waitFor(async () => (await exactlyOnce(since)).notSent.length === 0 && tg.sent.length - before >= 120, 40_000, 'all 120 sent')
      await sleep(1_000)
      const r = await exactlyOnce(since)
      console.log(`kill drill: ${atKill} of 120 received before SIGKILL; ${r.interrupted} sends interrupted, ${r.duplicates} second copies`)
      expect(atKill).toBeLessThan(120)
      expect(r.deliveries).toBe(120)
      expect(r.missing).toEqual([])
      expect(r.duplicatedUninterrupted).toEqual([])
      expect(r.interrupted).toBeLessThanOrEqual(8) // the telegram queue's concurrency
    } finally {
      second.kill('SIGKILL')
      tg.setDelay(0)
    }
  })
})

describe('Redis restarted (its queued jobs lost), Telegram 429 and 5xx', () => {
  let redis: ChildProcess | undefined
  const port = () => new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const startRedis = (p: number) => {
    redis = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    return waitFor(() => spawnSync('redis-cli', ['-p', String(p), 'ping']).stdout?.toString().includes('PONG'), 10_000, 'redis up')
  }
  afterAll(() => {
    redis?.kill('SIGKILL')
  })

  test('a private Redis killed and started again mid-stream: the sweeper re-enqueues, nothing lost or doubled', async () => {
    const p = await port()
    await startRedis(p)
    const n: TestNotifier = await startTestNotifier(sql, {
      today: f.today, telegramApiRoot: tg.apiRoot, redisUrl: `redis://127.0.0.1:${p}`, options: { coalesceMs: 0, requeueAfterMs: 1_000 },
    })
    try {
      const since = new Date()
      const before = tg.sent.length
      tg.setDelay(10)
      await markAll([-4, -5])
      await waitFor(() => tg.sent.length - before >= 15, 20_000, 'some messages first')
      redis!.kill('SIGKILL')
      await sleep(1_500)
      await startRedis(p)
      await waitFor(async () => (await exactlyOnce(since)).notSent.length === 0 && tg.sent.length - before >= 80, 40_000, 'all 80 sent')
      await sleep(1_000)
      const r = await exactlyOnce(since)
      expect(r.deliveries).toBe(80)
      expect(r.missing).toEqual([])
      expect(r.duplicates).toBe(0)
    } finally {
      tg.setDelay(0)
      await n.stop()
    }
  })

  test('Telegram answering 429 (retry_after) and 500: every message arrives once, later', async () => {
    const n = await startTestNotifier(sql, { today: f.today, telegramApiRoot: tg.apiRoot, redis: true, options: { coalesceMs: 0 } })
    try {
      const since = new Date()
      tg.failNext('*', telegramErrors.tooMany(1), 10)
      tg.failNext('*', telegramErrors.internal, 10)
      await markAll([-6])
      await waitFor(async () => (await exactlyOnce(since)).notSent.length === 0, 40_000, 'all 40 sent')
      await sleep(1_000)
      const r = await exactlyOnce(since)
      expect(r.deliveries).toBe(40)
      expect(r.missing).toEqual([])
      expect(r.duplicates).toBe(0)
      // a 500 costs an attempt (backoff); a 429 waits retry_after without counting one
      const [retried] = await sql`select coalesce(sum(attempts - 1), 0)::int as c from deliveries where created_at >= ${since}`
      expect(retried!.c).toBe(10)
    } finally {
      await n.stop()
    }
  })
})

describe('the SMTP server down for a while', () => {
  let smtp: FakeSmtp
  beforeAll(async () => {
    smtp = await startFakeSmtp()
  })
  afterAll(() => smtp?.close())

  test('emails wait (deferred, error recorded) and go out once when the server is back', async () => {
    const families = f.students.slice(0, 10)
    for (const [i, s] of families.entries()) {
      await sql`update persons set email = ${`family${i}@example.ru`} where id = ${s.guardianId}`
      await sql`update chat_links set unlinked_at = now() where person_id = ${s.guardianId}`
    }
    const n = await startTestNotifier(sql, { today: f.today, smtpUrl: smtp.url, redis: true, options: { coalesceMs: 0 } })
    try {
      await smtp.stop()
      const lessonId = await f.lesson(-7)
      for (const s of families) await addMark(sql, f.teacher, lessonId, { studentId: s.id, value: 5 })
      await waitFor(async () => (await sql`
        select count(*)::int as c from deliveries where channel = 'email' and status = 'deferred' and last_error is not null`)[0]!.c === 10,
      20_000, 'ten deferred emails')
      expect(smtp.messages).toHaveLength(0)
      await smtp.start()
      await waitFor(() => smtp.messages.length >= 10, 30_000, 'ten emails')
      await sleep(1_500)
      expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(families.map((_, i) => `family${i}@example.ru`).sort())
      expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(10)
      const [sent] = await sql`select count(*)::int as c from deliveries where channel = 'email' and status = 'sent'`
      expect(sent!.c).toBe(10)
    } finally {
      await n.stop()
    }
  })
})

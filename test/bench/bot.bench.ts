/**
 * Bot benchmark: `/today` through the grammY runtime. Figures printed, nothing asserted on time
 * (a lost, doubled or failed reply stops the run).
 *   - the demo school (core/demo/seed.ts: 22 classes, ~550 students, four weeks of journal),
 *     CHATS guardians' chats linked to them
 *   - the fake Bot API (test/fakes/telegram-api.ts) on loopback; the real grammY bot polls it
 *     with @grammyjs/runner (long polling, per-chat ordering, concurrency across chats)
 *   - latency per update: from pushing the update into the fake's queue (the poller's getUpdates
 *     is answered at once) to the bot holding the answer to its reply's sendMessage
 *       1. one chat at a time (closed loop, 1 in flight): the unloaded cost
 *       2. CONCURRENT chats each sending their next /today as soon as the last is answered
 *       3. a burst: BURST updates from CHATS chats pushed at once (queueing included)
 *   - for scale, the conversation layer alone (router handle(), no Telegram, no HTTP), serially
 * Real parts: the PostgreSQL server (database zvonok_bench_bot, dropped at the end), grammY, the
 * runner, the HTTP client and server. The bot, the fake and this driver share one Node process,
 * and the machine's CPUs with PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import pino from 'pino'
import postgres from 'postgres'
import { handle } from '../../bots/conversation/router.ts'
import { createGrammyBot, startPolling } from '../../bots/telegram/grammy.ts'
import type { HandledUpdate } from '../../bots/telegram/process.ts'
import { testConfig } from '../../core/config/config.ts'
import { connectionOptions } from '../../core/db/connect.ts'
import { migrate } from '../../core/db/migrate.ts'
import { seedDemo } from '../../core/demo/seed.ts'
import { startFakeTelegram, type FakeUpdate } from '../fakes/telegram-api.ts'
import { benchDatabase, ms } from './measure.ts'

const DB_NAME = 'zvonok_bench_bot'
const TOKEN = '5550100:bench-token-bench-token-bench'
const CHATS = 400
const POOL = 10
const SERIAL = 300
const CONCURRENT = 32
const CONCURRENT_UPDATES = 3000
const BURST = 1200
const WARMUP = 100
const FIRST_CHAT = 800_000

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
function report(label: string, lat: number[], wallMs: number) {
  const s = [...lat].sort((a, b) => a - b)
  process.stdout.write(
    `${label.padEnd(44)} ${(lat.length / (wallMs / 1000)).toFixed(0).padStart(5)} updates/s; ` +
    `p50 ${ms(quantile(s, 0.5))}, p99 ${ms(quantile(s, 0.99))}, max ${ms(s[s.length - 1]!)} (${lat.length} updates)\n`,
  )
}

// ---------------------------------------------------------------- setup

const benchDb = await benchDatabase(DB_NAME)
const sql = postgres(benchDb.url, connectionOptions(POOL))
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zvonok-bench-bot-'))
const fake = await startFakeTelegram({ token: TOKEN })
let errors = 0
// any error the bot logs (a failed update, a refused Bot API call) stops the run
const log = pino({ level: 'warn' }, new Writable({
  write(chunk, _enc, done) {
    errors++
    process.stderr.write(chunk)
    done()
  },
}))

try {
  await migrate(sql)
  const t0 = performance.now()
  const demo = await seedDemo(sql, testConfig({ dataDir }))
  process.stdout.write(`demo school: ${demo.counts.classes} classes, ${demo.counts.students} students, ` +
    `${demo.counts.guardians} guardians (${((performance.now() - t0) / 1000).toFixed(1)} s to seed)\n`)
  const guardians = await sql<{ id: string }[]>`
    select distinct on (g.guardian_id) g.guardian_id as id from guardianships g
    order by g.guardian_id limit ${CHATS}`
  if (guardians.length < CHATS) throw new Error(`only ${guardians.length} guardians`)
  const chats = guardians.map((_, i) => FIRST_CHAT + i)
  await sql`insert into chat_links ${sql(guardians.map((g, i) => ({ personId: g.id, chatId: String(chats[i]) })))}`

  // the bot's clock: 15:00 in Moscow on the last school day before today (a full day of lessons, marks
  // and homework in the demo journal, whatever day the bench runs)
  const day = new Date()
  do day.setUTCDate(day.getUTCDate() - 1)
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6)
  day.setUTCHours(12, 0, 0, 0)
  const now = () => day
  let withMarks = 0

  // ---------------------------------------------------------------- the bot
  const handled = new Map<number, (h: HandledUpdate) => void>()
  const bot = createGrammyBot({
    sql, token: TOKEN, apiRoot: fake.apiRoot, log, now,
    onHandled: (h) => handled.get(h.updateId)?.(h),
  })
  const polling = await startPolling(bot)

  /** Pushes updates at once; resolves with each one's latency once its reply was sent. */
  function push(updates: FakeUpdate[]): Promise<number[]> {
    const started = performance.now()
    const done = updates.map((u) => new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`update ${u.update_id} not handled in 60 s`)), 60_000)
      handled.set(u.update_id, (h) => {
        clearTimeout(timer)
        handled.delete(u.update_id)
        const reply = h.calls.find((c) => c.method === 'sendMessage')
        if (h.duplicate || !reply?.ok) return reject(new Error(`update ${u.update_id}: ${h.duplicate ? 'duplicate' : 'no reply'}`))
        const text = String(reply.params.text)
        if (!text.includes('Сегодня')) return reject(new Error(`update ${u.update_id}: not a /today answer: ${text.slice(0, 200)}`))
        if (text.includes('Отметки:')) withMarks++
        resolve(performance.now() - started)
      })
    }))
    fake.pushUpdate(...updates)
    return Promise.all(done)
  }
  const today = (chat: number) => fake.updates.command(chat, 'today')

  /** `inFlight` chats, each sending its next /today when the last is answered, `n` in all. */
  async function closedLoop(n: number, inFlight: number): Promise<{ lat: number[]; wall: number }> {
    const lat: number[] = []
    let next = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < n; i = next++) lat.push(...await push([today(chats[i % chats.length]!)]))
    }))
    return { lat, wall: performance.now() - t0 }
  }

  process.stdout.write(`\n/today on ${day.toISOString().slice(0, 10)} through grammY (runner, long polling) and the fake Bot API on loopback; ` +
    `${chats.length} linked chats, pool ${POOL}\n`)
  await closedLoop(WARMUP, 8)

  const serial = await closedLoop(SERIAL, 1)
  report('1 chat at a time', serial.lat, serial.wall)

  const conc = await closedLoop(CONCURRENT_UPDATES, CONCURRENT)
  report(`${CONCURRENT} chats at once (closed loop)`, conc.lat, conc.wall)

  const burstAt = performance.now()
  const burst = await push(Array.from({ length: BURST }, (_, i) => today(chats[i % chats.length]!)))
  report(`a burst of ${BURST} from ${Math.min(BURST, chats.length)} chats`, burst, performance.now() - burstAt)

  // the conversation layer alone, for scale
  const alone: number[] = []
  const aloneAt = performance.now()
  for (let i = 0; i < SERIAL; i++) {
    const s = performance.now()
    const r = await handle({ sql, now }, { platform: 'telegram', chatId: String(chats[i % chats.length]), command: { name: 'today', args: '' } })
    if (r.error) throw r.error
    alone.push(performance.now() - s)
  }
  report('handle() alone, serially (no Telegram)', alone, performance.now() - aloneAt)

  const sent = fake.counts().sent
  const expected = WARMUP + SERIAL + CONCURRENT_UPDATES + BURST
  process.stdout.write(`\nreplies sent: ${sent} (expected ${expected}), ${withMarks} of them with marks; errors logged: ${errors}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}\n`)
  await polling.stop()
  if (sent !== expected || errors) throw new Error('replies lost, doubled or failed')
} finally {
  await fake.close()
  await sql.end({ timeout: 5 })
  await benchDb.drop()
  rmSync(dataDir, { recursive: true, force: true })
}

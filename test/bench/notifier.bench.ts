/**
 * Notifier benchmark: figures printed, nothing asserted on time (a lost or doubled message stops the run).
 *   1. latency from a mark's commit (addMark returns) to the fake Bot API receiving the message, at a steady
 *      20 marks/s for 30 s, each mark to another guardian's chat, with a 50 ms coalescing window; then for
 *      10 s with the production window (3,000 ms), which dominates it
 *   2. deliveries per second for one worker: a grid save per school at once (3,000 marks, each to its own
 *      chat), with the Telegram limiter off (raw), then 600 with the default limiter (30/s)
 *   3. against a fake that enforces Telegram's limits (30/s in total, 1/s per chat), default limits:
 *      600 messages to 300 chats (two each, written ten children at a time, so a chat's two deliveries are due
 *      within a second: the per-chat gate works): the achieved rate, the 429s, every message exactly once
 *   4. dispatch: outbox events turned into deliveries per second, on a backlog of 6,000 events
 * Real parts: the PostgreSQL server (the database zvonok_bench_notifier, dropped at the end), Redis (REDIS_URL;
 * a queue prefix per run, its keys deleted afterwards), the notifier (bull, LISTEN/NOTIFY) and grammY talking
 * to test/fakes/telegram-api.ts on loopback. The writers and the notifier have their own pools (as the API
 * and `zvonok worker` would) but share this process, and the machine's CPUs with PostgreSQL and Redis.
 * The notifier's clock reads noon school time, running at real speed, so quiet hours never defer a message.
 */
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import pino from 'pino'
import postgres from 'postgres'
import { connectionOptions } from '../../core/db/connect.ts'
import { migrate } from '../../core/db/migrate.ts'
import { addMark, saveLessonGrid } from '../../core/journal/index.ts'
import { createTelegramProvider } from '../../notifier/channels/index.ts'
import { dispatchBatch } from '../../notifier/dispatch.ts'
import { DEFAULT_OPTIONS } from '../../notifier/options.ts'
import type { ChannelLimits } from '../../notifier/queue.ts'
import { CHANNEL_LIMITS } from '../../notifier/rate.ts'
import { createNotifier } from '../../notifier/worker.ts'
import { startFakeTelegram, type SentMessage } from '../fakes/telegram-api.ts'
import { buildJournal, type JournalFixture } from '../helpers/journal-fixture.ts'
import { noonToday, sleep, TOKEN, waitFor } from '../helpers/notifier.ts'
import { benchDatabase, ms } from './measure.ts'

const DB_NAME = 'zvonok_bench_notifier'
const SCHOOLS = 10
const STUDENTS = 300
const WINDOW_MS = 50
const RATE = 20
const STEADY_SECS = 30
const PROD_WINDOW_SECS = 10
const LIMITED_SCHOOLS = 2
/** children whose two marks are written together in the rate-limited run */
const CHUNK = 10
const POOL = 10
const SUBJECT = { 1: 'Математика', 2: 'Русский язык' } as const

const chatOf = (school: number, student: number) => 10_000 + school * 1_000 + student
const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]!, n: s.length }
}
const q3 = (q: ReturnType<typeof quantiles>) => `${ms(q.p50)} / ${ms(q.p99)} / ${ms(q.max)}`
const perSec = (n: number, msSpan: number) => `${(n / (msSpan / 1000)).toFixed(0)}/s`
const secs = (x: number) => `${(x / 1000).toFixed(2)} s`
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ')

// ---------------------------------------------------------------- setup

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const benchDb = await benchDatabase(DB_NAME)
const dbUrl = new URL(benchDb.url)
const writerSql = postgres(dbUrl.toString(), connectionOptions(POOL))
const workerSql = postgres(dbUrl.toString(), connectionOptions(POOL))
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 })
const tg = await startFakeTelegram({ token: TOKEN })
const log = pino({ level: 'warn' }, pino.destination(2))
let clock = () => new Date()

/** A notifier of its own (queue prefix, provider) for one measurement; stop() also deletes its Redis keys. */
async function startNotifier(coalesceMs: number, limits?: ChannelLimits) {
  const prefix = `zvonok-bench-${randomUUID().slice(0, 8)}`
  const outcomes: Record<string, number> = {}
  const notifier = createNotifier({
    sql: workerSql, log, redisUrl, listen: true, queuePrefix: prefix, limits,
    providers: { telegram: createTelegramProvider({ token: TOKEN, apiRoot: tg.apiRoot, timeoutSeconds: 10 }) },
    publicUrl: 'http://127.0.0.1:3000', secret: 'bench-secret-bench-secret-bench-secret-0123',
    options: { coalesceMs, clock },
    onOutcome: (o) => void (outcomes[o.status] = (outcomes[o.status] ?? 0) + 1),
  })
  await notifier.start()
  return {
    outcomes,
    async stop() {
      await notifier.stop()
      for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>)
        if (keys.length) await redis.del(...keys)
    },
  }
}

/** Waits for `n` messages after index `from`, then a while longer: a late duplicate would show. */
async function arrived(from: number, n: number, what: string, timeoutMs = 60_000): Promise<SentMessage[]> {
  await waitFor(() => tg.sent.length - from >= n, timeoutMs, what)
  await sleep(1_500)
  const got = tg.sent.slice(from)
  if (got.length !== n) throw new Error(`${what}: ${got.length} messages, expected ${n}`)
  return got
}

/** Starts fn(i) at i / perSec seconds, whether or not the earlier ones have returned (open loop). */
async function paced(n: number, rate: number, fn: (i: number) => Promise<void>): Promise<void> {
  const t0 = performance.now()
  const all: Promise<void>[] = []
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now()
    if (wait > 0) await sleep(wait)
    all.push(fn(i))
  }
  await Promise.all(all)
}

// ---------------------------------------------------------------- the measurements

/**
 * n marks at RATE/s, student by student of school s (round r on lesson number r + 1): latency from
 * addMark's return to the fake's receipt, matched by chat and subject (each exactly once).
 */
async function latencyRun(f: JournalFixture, s: number, n: number, offset: number, first: 1 | 2 = 1) {
  const rounds = Math.ceil(n / f.students.length)
  const lessons = await Promise.all(Array.from({ length: rounds }, (_, r) => f.lesson(offset, ((first - 1 + r) % 2 + 1) as 1 | 2)))
  const from = tg.sent.length
  const commits: Array<{ chat: string; subject: string; at: number }> = []
  const writes: number[] = []
  await paced(n, RATE, async (i) => {
    const r = Math.floor(i / f.students.length)
    const student = i % f.students.length
    const t = performance.now()
    await addMark(writerSql, f.teacher, lessons[r]!, { studentId: f.students[student]!.id, value: 2 + (i % 4) })
    const at = Date.now()
    writes.push(performance.now() - t)
    commits.push({ chat: String(chatOf(s, student)), subject: SUBJECT[((first - 1 + r) % 2 + 1) as 1 | 2], at })
  })
  const got = await arrived(from, n, 'the marks')
  const latency = commits.map((c) => {
    const m = got.filter((x) => x.chatId === c.chat && x.text.includes(c.subject))
    if (m.length !== 1) throw new Error(`${m.length} messages about ${c.subject} to chat ${c.chat}`)
    return m[0]!.at - c.at
  })
  return { latency: quantiles(latency), write: quantiles(writes) }
}

/** One grid save per school at once (a mark for every student, or those of [from, to)); resolves with each commit's time. */
async function saveGrids(fs: readonly JournalFixture[], offset: number, number: 1 | 2, from = 0, to = STUDENTS): Promise<number[]> {
  const lessons = await Promise.all(fs.map((f) => f.lesson(offset, number)))
  return Promise.all(fs.map(async (f, k) => {
    await saveLessonGrid(writerSql, f.teacher, lessons[k]!, {
      requestId: randomUUID(), attendance: [], removeMarkIds: [],
      marks: f.students.slice(from, to).map((st, i) => ({ studentId: st.id, value: 2 + (i % 4) })),
    })
    return Date.now()
  }))
}

/** Grid saves at once for schools fs: from the first commit to the last message received, one message per chat. */
async function throughputRun(fs: readonly JournalFixture[], offset: number) {
  const n = fs.length * STUDENTS
  const from = tg.sent.length
  const before = new Date()
  const commits = await saveGrids(fs, offset, 1)
  const got = await arrived(from, n, 'the grid marks', 180_000)
  if (new Set(got.map((m) => m.chatId)).size !== n) throw new Error('a chat got two messages')
  const [d] = await writerSql<{ last: Date }[]>`select max(created_at) as last from deliveries where created_at >= ${before}`
  const start = Math.min(...commits)
  return {
    n, span: Math.max(...got.map((m) => m.at)) - start, committed: Math.max(...commits) - start,
    dispatched: d!.last.getTime() - start, firstMessage: Math.min(...got.map((m) => m.at)) - start,
  }
}

try {
  await migrate(writerSql)
  const [pg] = await writerSql<{ version: string }[]>`select current_setting('server_version') as version`
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1]
  console.log(`Zvonok notifier benchmark (PostgreSQL ${pg!.version} server, Redis ${redisVersion}, node ${process.version}, ` +
    `${os.cpus().length} CPUs, pools ${POOL} + ${POOL})`)
  console.log(`load average (1/5/15 min) at start: ${load()}; other work on the machine makes the figures noisy`)

  let t = performance.now()
  const schools: JournalFixture[] = []
  for (let i = 0; i < SCHOOLS; i += 5)
    schools.push(...await Promise.all(Array.from({ length: Math.min(5, SCHOOLS - i) }, () => buildJournal(writerSql, { students: STUDENTS }))))
  await writerSql`insert into chat_links ${writerSql(schools.flatMap((f, s) =>
    f.students.map((st, i) => ({ personId: st.guardianId, chatId: chatOf(s, i) }))))}`
  await writerSql`vacuum analyze`
  console.log(`Setup: ${SCHOOLS} schools × ${STUDENTS} students, each guardian with a linked chat: ${secs(performance.now() - t)}`)
  const base = noonToday(schools[0]!.today).getTime()
  const realStart = Date.now()
  clock = () => new Date(base + (Date.now() - realStart))
  const rows: Array<[string, string]> = []

  // 1. latency at a steady load
  let run = await startNotifier(WINDOW_MS)
  await latencyRun(schools[0]!, 0, RATE, -1) // warm-up: connections, JIT, queues
  const steady = await latencyRun(schools[0]!, 0, RATE * STEADY_SECS, 0)
  await run.stop()
  console.log(`\n1. Latency, mark commit → fake Bot API, ${RATE} marks/s for ${STEADY_SECS} s (${RATE * STEADY_SECS} marks, ` +
    `${STUDENTS} chats, two marks each 15 s apart), coalesceMs ${WINDOW_MS}:`)
  console.log(`   p50 / p99 / max ${q3(steady.latency)}; the addMark transactions themselves ${q3(steady.write)}`)
  rows.push([`latency p50 / p99 / max, coalesceMs ${WINDOW_MS}`, q3(steady.latency)])

  run = await startNotifier(DEFAULT_OPTIONS.coalesceMs)
  const prod = await latencyRun(schools[0]!, 0, RATE * PROD_WINDOW_SECS, -1, 2)
  await run.stop()
  console.log(`   with the production window (coalesceMs ${DEFAULT_OPTIONS.coalesceMs}), ${RATE * PROD_WINDOW_SECS} marks over ` +
    `${PROD_WINDOW_SECS} s: p50 / p99 / max ${q3(prod.latency)}`)
  rows.push([`latency p50 / p99 / max, coalesceMs ${DEFAULT_OPTIONS.coalesceMs} (default)`, q3(prod.latency)])

  // 2. throughput of one worker
  run = await startNotifier(WINDOW_MS, { telegram: Infinity })
  const raw = await throughputRun(schools, -1)
  await run.stop()
  run = await startNotifier(WINDOW_MS)
  const limited = await throughputRun(schools.slice(2, 2 + LIMITED_SCHOOLS), -2)
  await run.stop()
  console.log('\n2. Deliveries per second, one worker (Telegram concurrency 8), fake without limits, ' +
    `${SCHOOLS} grid saves at once (${STUDENTS} marks each, one chat per mark):`)
  for (const [label, r] of [['no limiter', raw], [`default limiter ${CHANNEL_LIMITS.telegram}/s`, limited]] as const) {
    console.log(`   ${label}: ${r.n} messages, ${perSec(r.n, r.span)} (first commit → last message ${secs(r.span)}; ` +
      `all committed +${secs(r.committed)}, last dispatch transaction began +${secs(r.dispatched)}, first message +${secs(r.firstMessage)})`)
    rows.push([`deliveries/s, ${label} (${r.n})`, perSec(r.n, r.span)])
  }

  // 3. against Telegram's limits
  run = await startNotifier(WINDOW_MS)
  const before3 = tg.counts()
  const from3 = tg.sent.length
  const since3 = new Date()
  tg.setRateLimit({ total: 30, perChat: 1 })
  // CHUNK children at a time: their lesson 1 marks, then (once dispatched, so each is a message of its own
  // and not coalesced) their lesson 2 marks; a chat's two deliveries are CHUNK apart in the queue, < 1 s at 30/s
  const dispatched = () => waitFor(async () =>
    (await writerSql<{ n: number }[]>`select count(*)::int as n from outbox where dispatched_at is null`)[0]!.n === 0, 30_000, 'dispatch')
  let start3 = 0
  for (let c = 0; c < STUDENTS; c += CHUNK) {
    const [at] = await saveGrids([schools[1]!], 0, 1, c, c + CHUNK)
    start3 ||= at!
    await dispatched()
    await saveGrids([schools[1]!], 0, 2, c, c + CHUNK)
  }
  const wrote3 = Date.now() - start3
  const got3 = await arrived(from3, 2 * STUDENTS, 'the rate-limited messages', 120_000)
  tg.setRateLimit(null)
  await run.stop()
  const perChat = new Map<string, SentMessage[]>()
  for (const m of got3) perChat.set(m.chatId, [...(perChat.get(m.chatId) ?? []), m])
  const once = perChat.size === STUDENTS && [...perChat.values()].every((pair) =>
    pair.length === 2 && pair.some((x) => x.text.includes(SUBJECT[1])) && pair.some((x) => x.text.includes(SUBJECT[2])))
  const gaps = [...perChat.values()].map(([a, b]) => Math.abs(b!.at - a!.at))
  const [sent3] = await writerSql<{ n: number }[]>`
    select count(*)::int as n from deliveries d join chat_links c on c.person_id = d.person_id
    where d.status = 'sent' and d.created_at >= ${since3} and c.chat_id between ${chatOf(1, 0)} and ${chatOf(1, STUDENTS - 1)}`
  const tooMany = tg.counts().tooMany - before3.tooMany
  const gateWaits = (run.outcomes.retry ?? 0) - tooMany
  const span3 = Math.max(...got3.map((m) => m.at)) - start3
  const msgSpan3 = Math.max(...got3.map((m) => m.at)) - Math.min(...got3.map((m) => m.at))
  console.log(`\n3. Fake enforcing 30/s in total and 1/s per chat, default limits (telegram ${CHANNEL_LIMITS.telegram}/s), ` +
    `${2 * STUDENTS} messages to ${STUDENTS} chats, written ${CHUNK} children at a time in ${secs(wrote3)}:`)
  console.log(`   ${perSec(got3.length, span3)} from the first commit to the last message (${secs(span3)}); ` +
    `${perSec(got3.length - 1, msgSpan3)} between the first and the last message; ${tooMany} × 429; ` +
    `${gateWaits} other retries (the per-chat gate); notifier outcomes ${JSON.stringify(run.outcomes)}`)
  console.log(`   gap between a chat's two messages: min ${ms(Math.min(...gaps))}, p50 / p99 / max ${q3(quantiles(gaps))}`)
  console.log(`   exactly once: ${got3.length} received, ${perChat.size} chats × 2 (one per subject): ${once ? 'yes' : 'NO'}; ` +
    `${sent3!.n} deliveries sent`)
  if (!once || sent3!.n !== 2 * STUDENTS) throw new Error('the rate-limited run lost or doubled a message')
  rows.push(['Telegram-limited fake: rate, 429s, gate waits', `${perSec(got3.length, span3)}, ${tooMany} × 429, ${gateWaits}`])
  rows.push(['  every message exactly once', `${got3.length} of ${2 * STUDENTS}: ${once ? 'yes' : 'NO'}`])

  // 4. dispatch cost: a backlog while no notifier runs
  await saveGrids(schools, -2, 1)
  await saveGrids(schools, -2, 2)
  const [backlog] = await writerSql<{ n: number }[]>`select count(*)::int as n from outbox where dispatched_at is null`
  const opts = { ...DEFAULT_OPTIONS, coalesceMs: WINDOW_MS, clock }
  let events = 0, created = 0, batches = 0
  t = performance.now()
  for (;;) {
    const r = await dispatchBatch(workerSql, opts, ['email', 'sms'])
    if (!r.events) break
    events += r.events
    created += r.created.length
    batches++
  }
  const dispatchMs = performance.now() - t
  if (events !== backlog!.n) throw new Error(`dispatched ${events} of ${backlog!.n} events`)
  console.log(`\n4. Dispatch of a backlog of ${events} outbox events (marks, ${batches} batches of up to ${opts.batchSize}): ` +
    `${perSec(events, dispatchMs)} events, ${created} deliveries created, ${secs(dispatchMs)}; ${ms(dispatchMs / batches)} a batch`)
  rows.push(['dispatch, outbox events/s', perSec(events, dispatchMs)])

  console.log(`\nSummary (coalesceMs ${WINDOW_MS} unless said; production default ${DEFAULT_OPTIONS.coalesceMs} ms)`)
  const w = Math.max(...rows.map(([l]) => l.length))
  const v = Math.max(...rows.map(([, x]) => x.length))
  for (const [label, value] of rows) console.log(`  ${label.padEnd(w)}  │  ${value.padStart(v)}`)
  const mem = process.memoryUsage()
  console.log(`load average at end: ${load()}; memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`)
} finally {
  await tg.close()
  await redis.quit().catch(() => undefined)
  await writerSql.end({ timeout: 5 })
  await workerSql.end({ timeout: 5 })
  await benchDb.drop()
}

/**
 * The notifier worker: dispatch (outbox → deliveries, woken by NOTIFY or a short poll), the
 * sweeper (due deliveries enqueued again, interrupted sends taken up), the class teachers'
 * reports, the transport that sends, and SMS receipts. A pure factory: `start()` runs it,
 * `tick()` does one round by hand (tests and benchmarks), `stop()` lets sends in flight finish.
 */
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Sql } from '../core/db/connect.ts'
import type { Channel } from '../core/notifications/preferences.ts'
import type { Providers } from './channels/index.ts'
import { unavailable, type Outcome } from './deliver.ts'
import { dispatchBatch, type NewDelivery } from './dispatch.ts'
import { DEFAULT_OPTIONS, type NotifierOptions } from './options.ts'
import { memoryChatGate, redisChatGate } from './rate.ts'
import { bullTransport, localTransport, type ChannelLimits, type Transport } from './queue.ts'
import { scheduleReports } from './schedule.ts'

export interface NotifierDeps {
  readonly sql: Sql
  readonly providers: Providers
  readonly log: Logger
  readonly publicUrl: string
  readonly secret: string
  /** with Redis: bull queues and a shared chat gate; without: the in-process runner */
  readonly redisUrl?: string
  /** LISTEN on the outbox channel (needs a second connection: not on embedded PGlite) */
  readonly listen?: boolean
  readonly options?: Partial<NotifierOptions>
  readonly onOutcome?: (o: Outcome) => void
  /** Redis key prefix of the queues and the chat gate (one per installation sharing a Redis) */
  readonly queuePrefix?: string
  /** messages per second per channel instead of CHANNEL_LIMITS (benchmarks measure raw throughput with Infinity) */
  readonly limits?: ChannelLimits
}

export interface Notifier {
  start(): Promise<void>
  /** one round: dispatch everything pending, schedule reports, sweep */
  tick(): Promise<void>
  stop(): Promise<void>
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const options: NotifierOptions = { ...DEFAULT_OPTIONS, ...deps.options }
  const { sql, log } = deps
  const prefix = deps.queuePrefix ?? 'zvonok'
  const redis = deps.redisUrl ? new Redis(deps.redisUrl, { maxRetriesPerRequest: 3 }) : undefined
  redis?.on('error', (err) => log.warn({ err: err.message }, 'notifier Redis error'))
  const deliverDeps = {
    sql, providers: deps.providers, options, log, publicUrl: deps.publicUrl, secret: deps.secret,
    chatGate: redis ? redisChatGate(redis, prefix) : memoryChatGate(),
  }
  const transport: Transport = deps.redisUrl
    ? bullTransport(deps.redisUrl, prefix, deliverDeps, deps.onOutcome, deps.limits)
    : localTransport(sql, deliverDeps, deps.onOutcome, deps.limits)

  const enqueue = async (created: readonly NewDelivery[]) => {
    if (!created.length || !deps.redisUrl) return
    const now = options.clock().getTime()
    const soon = created.filter((d) => d.notBefore.getTime() - now < options.requeueAfterMs)
    if (!soon.length) return // quiet hours, digests: the sweeper enqueues them when due
    await transport.enqueue(soon.map((d) => ({ id: d.id, channel: d.channel, delayMs: d.notBefore.getTime() - now })))
    await sql`update deliveries set enqueued_at = not_before where id in ${sql(soon.map((d) => d.id))}`
  }

  const dispatchAll = async () => {
    for (;;) {
      const r = await dispatchBatch(sql, options, unavailable(deps.providers))
      await enqueue(r.created)
      if (r.events < options.batchSize) return
    }
  }

  /** Interrupted sends back to pending; due deliveries without a live job enqueued again. */
  const sweep = async () => {
    const now = options.clock()
    await sql`
      update deliveries set status = 'pending', interrupted = true, claimed_at = null, enqueued_at = null, updated_at = now()
      where status = 'sending' and claimed_at < ${new Date(now.getTime() - options.leaseMs)}`
    if (!deps.redisUrl) return
    const due = await sql<{ id: string; channel: Channel }[]>`
      update deliveries set enqueued_at = ${now}
      where id in (
        select id from deliveries
        where status in ('pending', 'deferred') and not_before <= ${now}
          and (enqueued_at is null or enqueued_at < ${new Date(now.getTime() - options.requeueAfterMs)})
        order by not_before limit 2000
        for update skip locked)
      returning id, channel`
    await transport.enqueue(due)
  }

  const tick = async () => {
    await dispatchAll()
    await enqueue(await scheduleReports(sql, options, unavailable(deps.providers)))
    await sweep()
  }

  let stopped = false
  let wake: (() => void) | undefined
  let listener: { unlisten(): Promise<void> } | undefined
  const timers: NodeJS.Timeout[] = []
  let loopDone: Promise<void> | undefined

  const dispatchLoop = async () => {
    while (!stopped) {
      await dispatchAll().catch((err) => log.warn({ err: err.message }, 'dispatch failed; retrying'))
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, options.pollMs)
        wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      wake = undefined
    }
  }
  const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
    let busy = false
    timers.push(setInterval(() => {
      if (busy || stopped) return
      busy = true
      fn().catch((err) => log.warn({ err: err.message }, `${what} failed`)).finally(() => (busy = false))
    }, ms))
  }

  const onReceipt = async (r: { providerId: string; status: 'delivered' | 'failed'; error?: string }) => {
    await sql`
      update deliveries set status = ${r.status}::delivery_status, delivered_at = case when ${r.status} = 'delivered' then now() end,
        last_error = ${r.error ?? null}, updated_at = now()
      where channel = 'sms' and provider_id = ${r.providerId} and status = 'sent'`
  }

  return {
    async start() {
      deps.providers.sms?.onReceipt((r) => onReceipt(r).catch((err) => log.warn({ err: err.message }, 'SMS receipt not recorded')))
      if (deps.listen) listener = await sql.listen('zvonok_outbox', () => wake?.())
      transport.start()
      loopDone = dispatchLoop()
      every(options.sweepMs, sweep, 'sweep')
      every(30_000, async () => enqueue(await scheduleReports(sql, options, unavailable(deps.providers))), 'report scheduling')
      log.info({ transport: deps.redisUrl ? 'bull' : 'in-process', listen: !!deps.listen }, 'notifier started')
    },
    tick,
    async stop() {
      stopped = true
      wake?.()
      for (const t of timers) clearInterval(t)
      await listener?.unlisten().catch(() => undefined)
      await loopDone
      await transport.close()
      await redis?.quit().catch(() => undefined)
      await Promise.all([deps.providers.telegram?.close?.(), deps.providers.email?.close?.(), deps.providers.sms?.close?.()])
    },
  }
}

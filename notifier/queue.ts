/**
 * Delivery transports. Both take delivery ids and call deliverOne; the delivery table is the
 * truth, so losing a transport's state (Redis restarted, a process killed) loses nothing: the
 * sweeper enqueues whatever is due again.
 *  - bull: one queue per channel, jobId = delivery id, the queue's limiter set to the provider's
 *    limit; a 429 or an outage throws RetryLater so bull delays the job by exactly that long.
 *  - local: without REDIS_URL, a loop in this process takes due deliveries from the table.
 */
import Queue from 'bull'
import type { Sql } from '../core/db/connect.ts'
import { CHANNELS, type Channel } from '../core/notifications/preferences.ts'
import { deliverOne, type DeliverDeps, type Outcome } from './deliver.ts'
import { CHANNEL_CONCURRENCY, CHANNEL_LIMITS, TokenBucket } from './rate.ts'

export interface Transport {
  /** hands deliveries over; `delayMs` for deliveries still collecting events */
  enqueue(items: ReadonlyArray<{ id: string; channel: Channel; delayMs?: number }>): Promise<void>
  start(): void
  close(): Promise<void>
}

class RetryLater extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`retry in ${retryAfterMs} ms`)
  }
}

/** Messages per second per channel; CHANNEL_LIMITS unless overridden (Infinity: no limit, for benchmarks). */
export type ChannelLimits = Partial<Record<Channel, number>>

const limitOf = (channel: Channel, limits: ChannelLimits | undefined): number => limits?.[channel] ?? CHANNEL_LIMITS[channel]

export function bullTransport(
  redisUrl: string, prefix: string, deps: DeliverDeps, onOutcome?: (o: Outcome) => void, limits?: ChannelLimits,
): Transport {
  const queues = new Map(CHANNELS.map((channel) => [channel, new Queue<{ deliveryId: string }>(`deliveries-${channel}`, redisUrl, {
    prefix,
    ...(Number.isFinite(limitOf(channel, limits)) ? { limiter: { max: limitOf(channel, limits), duration: 1000 } } : {}),
    settings: {
      backoffStrategies: { delivery: (_attempts: number, err: Error) => (err instanceof RetryLater ? err.retryAfterMs : 1000) },
      // a dead worker's active jobs come back once their lock lapses: 10 s, not bull's 30 s (a live
      // worker renews the lock every 5 s however long a send takes), checked every 5 s
      lockDuration: 10_000,
      stalledInterval: 5_000,
    },
    defaultJobOptions: { attempts: 1_000, backoff: { type: 'delivery' }, removeOnComplete: true, removeOnFail: true },
  })]))
  const enqueueAfter = async (d: { id: string; channel: Channel }) => transport.enqueue([d])
  const transport: Transport = {
    async enqueue(items) {
      await Promise.all(items.map((d) =>
        queues.get(d.channel)!.add({ deliveryId: d.id }, { jobId: d.id, delay: Math.max(0, d.delayMs ?? 0) })))
    },
    start() {
      for (const [channel, queue] of queues) {
        void queue.process(CHANNEL_CONCURRENCY[channel], async (job) => {
          const outcome = await deliverOne(deps, job.data.deliveryId)
          onOutcome?.(outcome)
          if (outcome.status === 'retry') throw new RetryLater(outcome.retryAfterMs)
          if (outcome.status === 'failed') await Promise.all(outcome.fallback.map(enqueueAfter))
        })
        queue.on('error', (err) => deps.log.warn({ err: err.message, channel }, 'delivery queue error'))
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()))
    },
  }
  return transport
}

/** Without Redis: poll due deliveries and send them here, within the same limits. */
export function localTransport(sql: Sql, deps: DeliverDeps, onOutcome?: (o: Outcome) => void, limits?: ChannelLimits): Transport {
  const buckets = new Map(CHANNELS.map((c) => [c, Number.isFinite(limitOf(c, limits)) ? new TokenBucket(limitOf(c, limits)) : null]))
  const running = new Map<Channel, Set<string>>(CHANNELS.map((c) => [c, new Set()]))
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const runOne = async (id: string, channel: Channel) => {
    const busy = running.get(channel)!
    busy.add(id)
    try {
      const outcome = await deliverOne(deps, id)
      onOutcome?.(outcome)
    } catch (err) {
      deps.log.error({ err, deliveryId: id }, 'local delivery failed')
    } finally {
      busy.delete(id)
    }
  }
  const tick = async () => {
    const now = deps.options.clock()
    const due = await sql<{ id: string; channel: Channel }[]>`
      select id, channel from deliveries
      where status in ('pending', 'deferred') and not_before <= ${now}
      order by not_before limit 200`
    for (const d of due) {
      const busy = running.get(d.channel)!
      if (busy.has(d.id) || busy.size >= CHANNEL_CONCURRENCY[d.channel]) continue
      if ((buckets.get(d.channel)?.take() ?? 0) > 0) continue
      void runOne(d.id, d.channel)
    }
  }
  const loop = async () => {
    if (stopped) return
    await tick().catch((err) => deps.log.warn({ err: err.message }, 'local delivery loop'))
    if (!stopped) timer = setTimeout(loop, 100)
  }
  return {
    async enqueue() {
      // the loop reads the table itself
    },
    start() {
      void loop()
    },
    async close() {
      stopped = true
      clearTimeout(timer)
      for (let i = 0; i < 100 && [...running.values()].some((s) => s.size); i++) await new Promise((r) => setTimeout(r, 50))
    },
  }
}

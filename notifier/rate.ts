/**
 * Provider limits that are not per queue. Telegram allows about one message per second to a
 * chat; with several workers the gate lives in Redis (SET NX PX), without Redis in memory.
 * The in-process runner also needs the per-channel total that bull's limiter gives queues.
 */
import type { Redis } from 'ioredis'

/**
 * The spacing of two messages to one chat. A slot is taken just before the request goes out,
 * but Telegram counts arrivals: a first request that is slower on the way (a new connection,
 * a busy event loop) would land less than a second before the next. The margin absorbs that.
 */
export const CHAT_INTERVAL_MS = 1_100

export interface ChatGate {
  /** 0 when a message may go to this chat now (and takes the slot), else ms to wait */
  acquire(chatId: string): Promise<number>
}

export function redisChatGate(redis: Redis, prefix: string, intervalMs = CHAT_INTERVAL_MS): ChatGate {
  return {
    async acquire(chatId) {
      const key = `${prefix}:tg:chat:${chatId}`
      const ok = await redis.set(key, '1', 'PX', intervalMs, 'NX')
      if (ok === 'OK') return 0
      const ttl = await redis.pttl(key)
      return ttl > 0 ? ttl : 1
    },
  }
}

export function memoryChatGate(intervalMs = CHAT_INTERVAL_MS, now = () => Date.now()): ChatGate {
  const next = new Map<string, number>()
  return {
    async acquire(chatId) {
      const t = now()
      const at = next.get(chatId) ?? 0
      if (at > t) return at - t
      next.set(chatId, t + intervalMs)
      if (next.size > 10_000) for (const [k, v] of next) if (v <= t) next.delete(k)
      return 0
    },
  }
}

/** A token bucket: at most `perSecond` takes in any second. */
export class TokenBucket {
  private tokens: number
  private last = Date.now()
  constructor(private readonly perSecond: number) {
    this.tokens = perSecond
  }

  /** ms until a token is available (0: taken now) */
  take(): number {
    const t = Date.now()
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond)
    this.last = t
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)
  }
}

/** Provider limits per channel (messages per second, in total for the bot / the account). */
export const CHANNEL_LIMITS = { telegram: 30, email: 20, sms: 20 } as const
export const CHANNEL_CONCURRENCY = { telegram: 8, email: 4, sms: 4 } as const

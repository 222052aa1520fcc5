/**
 * Runs the real notifier against a test database and local fake providers. The clock starts
 * at noon school time today (outside quiet hours, whatever the machine's time) and runs at
 * real speed; `setClock` jumps it (quiet hours, digest times).
 */
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import type { Sql } from '../../core/db/connect.ts'
import { zonedInstant } from '../../core/journal/time.ts'
import { createEmailProvider, createSmsProvider, createTelegramProvider, type Providers } from '../../notifier/channels/index.ts'
import type { NotifierOptions } from '../../notifier/options.ts'
import { createNotifier, type Notifier } from '../../notifier/worker.ts'
import { ZONE } from './journal-fixture.ts'

export const TOKEN = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz'

export interface TestNotifier {
  notifier: Notifier
  setClock(at: Date): void
  now(): Date
  stop(): Promise<void>
}

export function noonToday(today: string): Date {
  return zonedInstant(today, '12:00', ZONE)
}

export async function startTestNotifier(sql: Sql, opts: {
  today: string
  telegramApiRoot?: string
  smtpUrl?: string
  smsUrl?: string
  redis?: boolean
  /** another Redis than REDIS_URL (the Redis restart drill runs its own) */
  redisUrl?: string
  options?: Partial<NotifierOptions>
  start?: boolean
}): Promise<TestNotifier> {
  let base = noonToday(opts.today).getTime()
  let realStart = Date.now()
  const now = () => new Date(base + (Date.now() - realStart))
  const providers: Providers = {
    ...(opts.telegramApiRoot ? { telegram: createTelegramProvider({ token: TOKEN, apiRoot: opts.telegramApiRoot, timeoutSeconds: 5 }) } : {}),
    ...(opts.smtpUrl ? { email: createEmailProvider({ url: opts.smtpUrl, from: 'Звонок <noreply@zvonok.test>' }) } : {}),
    ...(opts.smsUrl ? { sms: createSmsProvider(opts.smsUrl) } : {}),
  }
  const notifier = createNotifier({
    sql, providers, log: pino({ level: 'silent' }), publicUrl: 'http://127.0.0.1:3000', secret: 'test-secret-test-secret-test-secret-0123456789',
    redisUrl: opts.redisUrl ?? (opts.redis ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : undefined),
    queuePrefix: `zvonok-test-${randomUUID().slice(0, 8)}`,
    options: { coalesceMs: 300, pollMs: 100, sweepMs: 200, requeueAfterMs: 2_000, leaseMs: 5_000, clock: now, ...opts.options },
  })
  if (opts.start !== false) await notifier.start()
  return {
    notifier, now,
    setClock(at) {
      base = at.getTime()
      realStart = Date.now()
    },
    stop: () => notifier.stop(),
  }
}

/** Polls `check` until it returns a truthy value, or fails after `ms`. */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

export async function waitFor<T>(check: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<Truthy<T>> {
  const until = Date.now() + ms
  let last: T | undefined
  while (Date.now() < until) {
    last = await check()
    if (last) return last as Truthy<T>
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** 'YYYY-MM-DD' → '22.11', as the messages write dates */
export const dm = (date: string) => `${date.slice(8, 10)}.${date.slice(5, 7)}`

/**
 * The channels' sweeper, run by every bot process: removes members who stopped belonging to
 * their class (core's `reconcileMembers`), carries out effects left pending (a 429, a crash
 * between the decision and the call), and prunes the flood counters. Safe to run in several
 * processes at once: removals are guarded updates and effects are claimed with SKIP LOCKED.
 */
import type { Logger } from 'pino'
import { reconcileMembers } from '../../core/channels/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import { loggable } from '../telegram/process.ts'
import type { CallApi, ExecutedCall } from '../telegram/send.ts'
import { carryOutEffects } from './effects.ts'

export const SWEEP_EVERY_MS = 30_000

export interface SweepResult {
  readonly removed: number
  readonly calls: ExecutedCall[]
}

export async function sweepChannels(sql: Sql, callApi: CallApi, log: Logger): Promise<SweepResult> {
  const removed = await reconcileMembers(sql)
  if (removed) log.info({ removed }, 'members who no longer belong to their class were removed from its group')
  const calls = await carryOutEffects(sql, callApi, log)
  await sql`delete from channel_posts where posted_at < now() - interval '1 hour'`
  return { removed, calls }
}

/** Sweeps now and then every `everyMs`; `stop()` waits for a sweep in progress. */
export function startChannelSweeper(sql: Sql, callApi: CallApi, log: Logger, everyMs = SWEEP_EVERY_MS): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined
  let stopped = false
  const tick = () => {
    // a slow sweep is not overtaken by the next one
    if (running) return
    running = sweepChannels(sql, callApi, log)
      .catch((err: unknown) => log.error({ err: loggable(err) }, 'the channel sweep failed'))
      .finally(() => { running = undefined })
  }
  tick()
  const timer = setInterval(() => {
    if (!stopped) tick()
  }, everyMs)
  timer.unref()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await running?.catch(() => undefined)
    },
  }
}

/** The notifier's timings. Tests shorten them and drive the clock; production uses the defaults. */
export interface NotifierOptions {
  /** changes for one recipient within this window become one message */
  readonly coalesceMs: number
  /** outbox events claimed per dispatch transaction */
  readonly batchSize: number
  /** how often the dispatcher looks at the outbox without a NOTIFY (always, as a safety net) */
  readonly pollMs: number
  /** how often due deliveries are (re)enqueued and interrupted sends taken up again */
  readonly sweepMs: number
  /** a due delivery whose job was enqueued this long ago without an outcome is enqueued again */
  readonly requeueAfterMs: number
  /** a send that has not finished after this long is taken as interrupted (its worker died) */
  readonly leaseMs: number
  /** transient failures before the delivery falls back to the next channel */
  readonly maxAttempts: number
  /** the class teacher's digest goes out this long after the class's last lesson */
  readonly digestGraceMinutes: number
  readonly clock: () => Date
}

export const DEFAULT_OPTIONS: NotifierOptions = {
  coalesceMs: 3_000,
  batchSize: 500,
  pollMs: 1_000,
  sweepMs: 2_000,
  requeueAfterMs: 15_000,
  leaseMs: 60_000,
  maxAttempts: 12,
  digestGraceMinutes: 15,
  clock: () => new Date(),
}

/** Retry delay after the n-th transient failure: 2 s, 4 s … capped at 10 min. */
export function backoffMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempts - 1), 600_000)
}

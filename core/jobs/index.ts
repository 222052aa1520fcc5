/**
 * Periodic work of the `worker` role besides the notifier: the daily backup, archive
 * retention, print jobs. Each task is safe to run in several workers at once (it claims its
 * work in the database), so the runner only calls it on its interval and logs failures.
 */
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Database } from '../db/connect.ts'
import { dailyBackupTask } from '../backup/daily.ts'
import { archiveRetentionTask } from '../archive/retention.ts'
import { printJobsTask } from '../printouts/jobs.ts'

export interface TaskContext {
  readonly db: Database
  readonly config: Config
  readonly log: Logger
  readonly clock: () => Date
}

export interface PeriodicTask {
  readonly name: string
  readonly everyMs: number
  run(ctx: TaskContext): Promise<void>
  /** called once when the runner stops (close queues, wait for work in flight) */
  stop?(): Promise<void>
}

/** The tasks every worker runs. Each area adds its own entry here. */
export function workerTasks(): PeriodicTask[] {
  return [dailyBackupTask(), archiveRetentionTask(), printJobsTask()]
}

export interface TaskRunner {
  start(): void
  /** runs one task now by name (tests, the CLI) */
  runNow(name: string): Promise<void>
  stop(): Promise<void>
}

export function createTaskRunner(ctx: TaskContext, tasks: readonly PeriodicTask[]): TaskRunner {
  const timers: NodeJS.Timeout[] = []
  const running = new Map<string, Promise<void>>()
  let stopped = false
  const once = (t: PeriodicTask): Promise<void> => {
    const current = running.get(t.name)
    if (current) return current
    const p = t.run(ctx)
      .catch((err: Error) => ctx.log.warn({ task: t.name, err: err.message }, 'periodic task failed; it runs again on its interval'))
      .finally(() => running.delete(t.name))
    running.set(t.name, p)
    return p
  }
  return {
    start() {
      for (const t of tasks) {
        timers.push(setInterval(() => {
          if (!stopped) void once(t)
        }, t.everyMs))
        // first run soon after start, not a whole interval later
        timers.push(setTimeout(() => {
          if (!stopped) void once(t)
        }, 1_000))
      }
    },
    async runNow(name) {
      const t = tasks.find((x) => x.name === name)
      if (!t) throw new Error(`no periodic task named ${name}`)
      await once(t)
    },
    async stop() {
      stopped = true
      for (const t of timers) clearTimeout(t)
      await Promise.all(running.values())
      await Promise.all(tasks.map((t) => t.stop?.()))
    },
  }
}

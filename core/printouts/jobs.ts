/**
 * Print jobs: a whole school's (or a class's) weekly diaries are made in the worker, never on
 * the request path. The print_jobs row is the job's record and progress; each class becomes one
 * PDF (one registered printout) kept in print_files for FILE_DAYS days for download.
 *
 *  - enqueue: the row (status queued, total = the students to print) and its audit row in one
 *    transaction; then, with REDIS_URL, a bull job (jobId = the print job's id) wakes a worker
 *    at once. Without Redis the worker's task finds it on its next poll (every few seconds).
 *  - claim: `for update skip locked` on a queued job, or on a running one whose lease
 *    (claimed_at) has lapsed: its worker died. claimed_at is also the claim's token: each
 *    class's progress is written only while it still holds, so a worker that lost its lease
 *    stops instead of writing beside the one that took the job over.
 *  - resume: a job taken over skips the classes whose file the first worker already stored.
 */
import Queue from 'bull'
import type { Logger } from 'pino'
import { writeAudit } from '../audit/audit.ts'
import type { Db, Sql } from '../db/connect.ts'
import type { PeriodicTask, TaskContext } from '../jobs/index.ts'
import { addDays, localDate, weekday } from '../journal/time.ts'
import { madeByLabel, sha256Hex, systemLabel } from '../print/index.ts'
import { assertMonday, printWeekForClass, type MadeBy } from './diary-week.ts'
import { classPrintoutRecipients } from './preferences.ts'

/** How long a claimed job may go without progress before another worker takes it. */
export const LEASE_MS = 5 * 60_000
/** Files are kept this long, then the task deletes them. */
export const FILE_DAYS = 14
const POLL_MS = 5_000
const SWEEP_EVERY_MS = 60 * 60_000
export const QUEUE_NAME = 'print-jobs'

export interface WeeklyParams {
  monday: string
  classId?: string
  /** only the students whose guardian takes the week on paper, with the cover listing them */
  onlyPaper?: boolean
}

export interface PrintJobView {
  id: string
  schoolId: string
  kind: 'weekly'
  params: WeeklyParams
  requestedBy: string | null
  status: 'queued' | 'running' | 'done' | 'failed'
  total: number
  done: number
  error: string | null
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
}

export interface PrintFileView {
  id: string
  name: string
  size: number
  sha256: string
  createdAt: Date
}

// ---------------------------------------------------------------- what a weekly job prints

export interface ClassPlan {
  classId: string
  className: string
  /** the students to print; all of the class when undefined */
  studentIds?: string[]
  /** the cover's list when only paper is printed */
  cover?: { recipients: { guardian: string; student: string }[] }
  students: number
}

/** The Monday of the week containing `date`. */
export const mondayOf = (date: string): string => addDays(date, 1 - weekday(date))

/** This week's Monday in the school's time zone (Sunday belongs to the week it ends). */
export async function currentMonday(db: Db, schoolId: string, now = new Date()): Promise<string> {
  const [s] = await db<{ timezone: string }[]>`select timezone from schools where id = ${schoolId}`
  return mondayOf(localDate(now, s?.timezone ?? 'UTC'))
}

const fullName = (p: { lastName: string; firstName: string; middleName: string | null }) =>
  [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ')

/**
 * The classes of the school (or the one class) with students enrolled during the week, in
 * grade and letter order, and how many students each prints.
 */
export async function weeklyPlan(db: Db, schoolId: string, params: WeeklyParams): Promise<ClassPlan[]> {
  const sunday = addDays(params.monday, 6)
  const classes = await db<{ classId: string; className: string; students: number }[]>`
    select c.id as class_id, c.grade || c.letter as class_name, count(distinct e.student_id)::int as students
    from classes c join enrolments e on e.class_id = c.id and e.started_on <= ${sunday}
      and (e.ended_on is null or e.ended_on >= ${params.monday})
    where c.school_id = ${schoolId} ${params.classId ? db`and c.id = ${params.classId}` : db``}
    group by c.id order by c.grade, c.letter`
  if (!params.onlyPaper) return classes
  const plans: ClassPlan[] = []
  for (const c of classes) {
    const { paper } = await classPrintoutRecipients(db, c.classId)
    if (!paper.length) continue
    const studentIds = [...new Set(paper.map((r) => r.student.personId))]
    plans.push({
      ...c, studentIds, students: studentIds.length,
      cover: { recipients: paper.map((r) => ({ guardian: fullName(r.guardian), student: `${r.student.lastName} ${r.student.firstName}` })) },
    })
  }
  return plans
}

/** The file name of a class's PDF: «7А_2026-11-16.pdf». */
export const classFileName = (className: string, monday: string) => `${className}_${monday}.pdf`

// ---------------------------------------------------------------- enqueueing

/** Wakes a worker at once through bull (jobId = the print job's id); the table stays the truth. */
export interface PrintJobWaker {
  wake(jobId: string): Promise<void>
  close(): Promise<void>
}

export function printJobWaker(redisUrl: string, prefix = 'zvonok'): PrintJobWaker {
  const queue = new Queue(QUEUE_NAME, redisUrl, { prefix })
  return {
    async wake(jobId) {
      await queue.add({}, { jobId, removeOnComplete: true, removeOnFail: true })
    },
    close: () => queue.close(),
  }
}

const JOB_COLUMNS = (db: Db) =>
  db`id, school_id, kind, params, requested_by, status, total, done, error, created_at, started_at, finished_at`

/**
 * Queues a weekly print job. The caller has checked the policy (school.printWeekly, or
 * class.printWeekly for one class). A failed wake-up is logged, not fatal: the poll finds it.
 */
export async function enqueuePrintJob(sql: Sql, input: {
  schoolId: string
  requestedBy: string | null
  params: WeeklyParams
  requestId?: string
  waker?: PrintJobWaker | null
  log?: { warn(obj: object, msg: string): void }
}): Promise<PrintJobView> {
  assertMonday(input.params.monday)
  const params: WeeklyParams = {
    monday: input.params.monday,
    ...(input.params.classId ? { classId: input.params.classId } : {}),
    ...(input.params.onlyPaper ? { onlyPaper: true } : {}),
  }
  const job = await sql.begin(async (tx) => {
    const total = (await weeklyPlan(tx, input.schoolId, params)).reduce((n, c) => n + c.students, 0)
    const [row] = await tx<PrintJobView[]>`
      insert into print_jobs (school_id, kind, params, requested_by, total)
      values (${input.schoolId}, 'weekly', ${tx.json(params as never)}, ${input.requestedBy}, ${total})
      returning ${JOB_COLUMNS(tx)}`
    await writeAudit(tx, {
      schoolId: input.schoolId, actorAccountId: input.requestedBy, action: 'print_job.queued', entityType: 'print_job',
      entityId: row!.id, after: { kind: 'weekly', params, total }, requestId: input.requestId ?? null,
    })
    return row!
  }) as PrintJobView
  if (input.waker) {
    await input.waker.wake(job.id).catch((err: Error) =>
      input.log?.warn({ err: err.message, jobId: job.id }, 'print job queued; the worker will find it on its next poll'))
  }
  return job
}

export async function getPrintJob(db: Db, id: string): Promise<(PrintJobView & { files: PrintFileView[] }) | null> {
  const [job] = await db<PrintJobView[]>`select ${JOB_COLUMNS(db)} from print_jobs where id = ${id}`
  if (!job) return null
  const files = await db<PrintFileView[]>`
    select id, name, octet_length(content)::int as size, sha256, created_at from print_files where job_id = ${id} order by created_at, name`
  return { ...job, files }
}

export async function getPrintFile(db: Db, jobId: string, fileId: string) {
  const [file] = await db<{ name: string; mediaType: string; content: Buffer }[]>`
    select name, media_type, content from print_files where id = ${fileId} and job_id = ${jobId}`
  return file ?? null
}

// ---------------------------------------------------------------- running

interface Claimed {
  id: string
  schoolId: string
  params: WeeklyParams
  requestedBy: string | null
  claimedAt: Date
}

/** Takes the oldest queued job, or a running one whose lease lapsed. */
export async function claimPrintJob(sql: Sql, now: Date, leaseMs = LEASE_MS): Promise<Claimed | null> {
  const [job] = await sql<Claimed[]>`
    update print_jobs set status = 'running', claimed_at = ${now}, started_at = coalesce(started_at, ${now})
    where id = (
      select id from print_jobs
      where status = 'queued' or (status = 'running' and claimed_at < ${new Date(now.getTime() - leaseMs)})
      order by created_at
      limit 1
      for update skip locked)
    returning id, school_id, params, requested_by, claimed_at`
  return job ?? null
}

class LeaseLost extends Error {}

/**
 * Makes a claimed job's PDFs, one class at a time; `done` grows by each class's students.
 * Returns false when the lease was lost to another worker (it carries on from the files).
 */
export async function runPrintJob(sql: Sql, job: Claimed, opts: { clock: () => Date; log: Logger }): Promise<boolean> {
  let token = job.claimedAt
  const log = opts.log.child({ printJob: job.id })
  try {
    const plan = await weeklyPlan(sql, job.schoolId, job.params)
    const madeBy: MadeBy = job.requestedBy
      ? { accountId: job.requestedBy, label: await madeByLabel(sql, job.requestedBy, job.schoolId) }
      : { accountId: null, label: systemLabel('job') }
    const stored = new Set((await sql<{ name: string }[]>`select name from print_files where job_id = ${job.id}`).map((f) => f.name))
    const total = plan.reduce((n, c) => n + c.students, 0)
    let done = plan.filter((c) => stored.has(classFileName(c.className, job.params.monday))).reduce((n, c) => n + c.students, 0)
    token = await progress(sql, job.id, token, opts.clock(), { total, done })
    for (const c of plan) {
      const name = classFileName(c.className, job.params.monday)
      if (stored.has(name)) continue
      const r = await printWeekForClass(sql, {
        classId: c.classId, monday: job.params.monday, madeBy,
        ...(c.studentIds ? { studentIds: c.studentIds } : {}), ...(c.cover ? { cover: c.cover } : {}),
      })
      done += c.students
      token = await sql.begin(async (tx) => {
        const next = await progress(tx, job.id, token, opts.clock(), { done })
        await tx`insert into print_files (job_id, name, media_type, content, sha256)
                 values (${job.id}, ${name}, 'application/pdf', ${r.pdf}, ${sha256Hex(r.pdf)})`
        return next
      }) as Date
      log.debug({ class: c.className, pages: r.pages, code: r.code }, 'class printed')
    }
    await sql`update print_jobs set status = 'done', finished_at = ${opts.clock()}, error = null
              where id = ${job.id} and claimed_at = ${token}`
    log.info({ total, classes: plan.length }, 'print job done')
    return true
  } catch (err) {
    if (err instanceof LeaseLost) {
      log.warn('print job lease lost: another worker took it over')
      return false
    }
    const message = (err as Error).message.slice(0, 1000)
    log.error({ err }, 'print job failed')
    await sql`update print_jobs set status = 'failed', finished_at = ${opts.clock()}, error = ${message}
              where id = ${job.id} and claimed_at = ${token}`
    return true
  }
}

/** Writes progress and renews the lease while the claim still holds; returns the new token. */
async function progress(db: Db, id: string, token: Date, now: Date, set: { total?: number; done: number }): Promise<Date> {
  const [row] = await db<{ claimedAt: Date }[]>`
    update print_jobs set done = ${set.done}, total = ${set.total ?? db`total`}, claimed_at = ${now}
    where id = ${id} and status = 'running' and claimed_at = ${token}
    returning claimed_at`
  if (!row) throw new LeaseLost()
  return row.claimedAt
}

/** Deletes the files older than FILE_DAYS days; returns how many. */
export async function sweepPrintFiles(sql: Sql, now: Date): Promise<number> {
  const removed = await sql`delete from print_files where created_at < ${new Date(now.getTime() - FILE_DAYS * 86_400_000)}`
  return removed.count
}

/**
 * The worker's task: drains the queue (claim, run, repeat) on every poll and, with REDIS_URL,
 * as soon as bull hands it a wake-up; deletes expired files hourly. One drain at a time per
 * process; several processes share the work through the claim.
 */
export function printJobsTask(opts: { queuePrefix?: string; pollMs?: number; leaseMs?: number } = {}): PeriodicTask {
  let queue: Queue.Queue | null = null
  let draining: Promise<void> | null = null
  let again = false
  let lastSweep = 0
  let stopped = false

  const drainOnce = async (ctx: TaskContext) => {
    for (;;) {
      again = false
      while (!stopped) {
        const job = await claimPrintJob(ctx.db.sql, ctx.clock(), opts.leaseMs)
        if (!job) break
        await runPrintJob(ctx.db.sql, job, { clock: ctx.clock, log: ctx.log })
      }
      if (!again || stopped) return
    }
  }
  const drain = (ctx: TaskContext): Promise<void> => {
    if (draining) {
      again = true
      return draining
    }
    draining = drainOnce(ctx).finally(() => {
      draining = null
    })
    return draining
  }

  return {
    name: 'print-jobs',
    everyMs: opts.pollMs ?? POLL_MS,
    async run(ctx) {
      if (!queue && ctx.config.redisUrl && !stopped) {
        queue = new Queue(QUEUE_NAME, ctx.config.redisUrl, { prefix: opts.queuePrefix ?? 'zvonok' })
        queue.on('error', (err) => ctx.log.warn({ err: err.message }, 'print job queue error'))
        void queue.process(1, async () => drain(ctx))
      }
      await drain(ctx)
      const now = ctx.clock()
      if (now.getTime() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now.getTime()
        const removed = await sweepPrintFiles(ctx.db.sql, now)
        if (removed) ctx.log.info({ removed, olderThanDays: FILE_DAYS }, 'old print files deleted')
      }
    },
    async stop() {
      stopped = true
      await queue?.close()
      await draining
    },
  }
}


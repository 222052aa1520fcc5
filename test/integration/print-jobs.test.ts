/**
 * Print jobs: the school's weekly diaries queued over HTTP and made by the worker's task, one PDF
 * per class, with progress, downloads, a dead worker's job taken over and resumed, a worker that
 * lost its lease stopping, the bull wake-up on the real Redis, the 14-day file sweep, and the
 * `zvonok printouts weekly` command run as a real process.
 *
 * 7А (the journal fixture, 3 students, a week of lessons) and 8Б (2 students, no lessons).
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTaskRunner, type TaskRunner } from '../../core/jobs/index.ts'
import { addDays, generateLessons, saveLessonGrid, weekday } from '../../core/journal/index.ts'
import { displayCode } from '../../core/print/index.ts'
import {
  claimPrintJob, enqueuePrintJob, getPrintJob, LEASE_MS, printJobsTask, printJobWaker, runPrintJob,
} from '../../core/printouts/jobs.ts'
import { printWeekForClass } from '../../core/printouts/diary-week.ts'
import { bearer, createAccount, createClass, createPerson, createTestApp, login, type TestApp, type Tokens } from '../helpers/app.ts'
import { buildJournal, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'
import { waitFor } from '../helpers/notifier.ts'
import { pdfPageCount, pdfText } from '../helpers/pdf.ts'

const ROOT = new URL('../..', import.meta.url).pathname
const silent = pino({ level: 'silent' })
let t: TestApp, f: JournalFixture, c8b: string
let deputyAccount: string
const tok = {} as Record<'deputy' | 'teacher' | 'classTeacher', Tokens>

const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date())
const monday = addDays(today, 1 - weekday(today) - 7)

const runnerOf = (task = printJobsTask(), config = t.config): TaskRunner =>
  createTaskRunner({ db: { sql: t.sql, embedded: false, close: async () => {} }, config, log: silent, clock: () => new Date() }, [task])

async function post(who: Tokens, payload: object) {
  const res = await t.app.inject({ method: 'POST', url: `/v1/schools/${f.schoolId}/print-jobs`, headers: bearer(who), payload })
  return { status: res.statusCode, body: res.json() }
}
const get = (who: Tokens, url: string) => t.app.inject({ method: 'GET', url: `/v1${url}`, headers: bearer(who) })

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 3 })
  await generateLessons(t.sql, f.admin, f.schoolId, { from: monday, to: addDays(monday, 6), classId: f.classId })
  const [l] = await t.sql<{ id: string }[]>`select id from lessons where class_id = ${f.classId} and date = ${monday} and lesson_number = 1`
  await saveLessonGrid(t.sql, f.teacher, l!.id, {
    requestId: randomUUID(), topic: 'Линейные уравнения', attendance: [], removeMarkIds: [],
    marks: [{ studentId: f.students[0]!.id, value: 4 }],
  })
  c8b = await createClass(t.sql, f.schoolId, 8, 'Б')
  for (const name of ['Восьмая', 'Восьмой']) await createPerson(t.sql, f.schoolId, 'student', { classId: c8b, lastName: name, firstName: 'Ученик' })

  const deputyPerson = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Завучева', firstName: 'Елена' })
  const deputy = await createAccount(t.sql, { personId: deputyPerson, roles: [{ role: 'deputy', schoolId: f.schoolId }] })
  deputyAccount = deputy.accountId
  tok.deputy = await login(t.app, deputy)
  const teacherPerson = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Предметникова', firstName: 'Ольга' })
  tok.teacher = await login(t.app, await createAccount(t.sql, { personId: teacherPerson, roles: [{ role: 'teacher', schoolId: f.schoolId }] }))
  tok.classTeacher = await login(t.app, await createAccount(t.sql, {
    personId: f.classTeacherId,
    roles: [{ role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: f.classId }],
  }))
})
afterAll(async () => { await t?.close() })

let deputyJob: string, classTeacherJob: string

describe('queueing over HTTP', () => {
  it('403 for a teacher who is not the class teacher; the class teacher for their own class only', async () => {
    expect(await post(tok.teacher, { kind: 'weekly', monday, classId: f.classId })).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    expect(await post(tok.teacher, { kind: 'weekly', monday })).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    expect(await post(tok.classTeacher, { kind: 'weekly', monday })).toMatchObject({ status: 403 })
    expect(await post(tok.classTeacher, { kind: 'weekly', monday, classId: c8b })).toMatchObject({ status: 403 })
    const own = await post(tok.classTeacher, { kind: 'weekly', monday, classId: f.classId })
    expect(own).toMatchObject({ status: 202, body: { status: 'queued', total: 3, done: 0 } })
    classTeacherJob = own.body.id
    expect(await t.sql`select 1 from print_jobs`).toHaveLength(1)
  })

  it('202 for the deputy: the whole school queued, nothing made on the request path', async () => {
    const r = await post(tok.deputy, { kind: 'weekly', monday })
    expect(r).toMatchObject({ status: 202, body: { status: 'queued', total: 5, done: 0 } })
    deputyJob = r.body.id
    expect(await t.sql`select 1 from print_files`).toHaveLength(0)
    expect(await t.sql`select 1 from printouts`).toHaveLength(0)
    const [audit] = await t.sql`select action, actor_account_id, after from audit_log where entity_id = ${deputyJob}`
    expect(audit).toEqual({ action: 'print_job.queued', actorAccountId: deputyAccount, after: { kind: 'weekly', params: { monday }, total: 5 } })
  })

  it('a week is given by its Monday; by default this week', async () => {
    expect(await post(tok.deputy, { kind: 'weekly', monday: addDays(monday, 2) })).toMatchObject({ status: 400, body: { code: 'validation_failed' } })
    expect(await post(tok.deputy, { kind: 'weekly', monday: '2026-02-30' })).toMatchObject({ status: 400, body: { code: 'validation_failed' } })
    const r = await post(tok.deputy, { kind: 'weekly', classId: c8b })
    expect(r.status).toBe(202)
    const job = await getPrintJob(t.sql, r.body.id)
    expect(job!.params).toEqual({ monday: addDays(monday, 7), classId: c8b })
    // not this test's business: out of the way of the worker below
    await t.sql`delete from print_jobs where id = ${r.body.id}`
  })

  it('the job is seen by its requester and by whoever may queue it; hidden from others', async () => {
    expect((await get(tok.teacher, `/print-jobs/${deputyJob}`)).statusCode).toBe(404)
    expect((await get(tok.classTeacher, `/print-jobs/${deputyJob}`)).statusCode).toBe(404)
    const own = await get(tok.classTeacher, `/print-jobs/${classTeacherJob}`)
    expect(own.statusCode).toBe(200)
    expect(own.json()).toMatchObject({ status: 'queued', total: 3, done: 0, params: { monday, classId: f.classId }, files: [] })
    expect((await get(tok.deputy, `/print-jobs/${classTeacherJob}`)).statusCode).toBe(200)
  })
})

describe('the worker task', () => {
  it('runs the queued jobs to done, class by class, with progress and downloadable PDFs', async () => {
    const seen: number[] = []
    let watching = true
    const watch = (async () => {
      while (watching) {
        const [j] = await t.sql<{ done: number }[]>`select done from print_jobs where id = ${deputyJob}`
        if (seen[seen.length - 1] !== j!.done) seen.push(j!.done)
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    const runner = runnerOf()
    await runner.runNow('print-jobs')
    watching = false
    await watch
    await runner.stop()
    // the watcher may stop between the last update and its next look
    const [last] = await t.sql<{ done: number }[]>`select done from print_jobs where id = ${deputyJob}`
    if (seen[seen.length - 1] !== last!.done) seen.push(last!.done)

    // progress per class: 7А's 3 students, then 8Б's 2
    expect(seen).toContain(3)
    expect(seen[seen.length - 1]).toBe(5)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)

    const r = await get(tok.deputy, `/print-jobs/${deputyJob}`)
    const job = r.json()
    expect(job).toMatchObject({ status: 'done', total: 5, done: 5, error: null })
    expect(job.finishedAt).not.toBeNull()
    expect(job.files.map((x: { name: string }) => x.name)).toEqual([`7А_${monday}.pdf`, `8Б_${monday}.pdf`])

    const file = await get(tok.deputy, `/print-jobs/${deputyJob}/files/${job.files[0].id}`)
    expect(file.statusCode).toBe(200)
    expect(file.headers['content-type']).toBe('application/pdf')
    expect(file.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(`7А_${monday}.pdf`)}`)
    expect(file.rawPayload.length).toBe(job.files[0].size)
    expect(await pdfPageCount(file.rawPayload)).toBe(3)
    const pages = await pdfText(file.rawPayload)
    expect(pages[0]).toContain('Ученикова0 Анна')
    expect(pages[0]).toContain('Линейные уравнения')
    expect(pages[0]).toContain('Завучева Е. П., заместитель директора')
    // each class a registered printout made by the deputy
    const printouts = await t.sql<{ code: string; kind: string; madeBy: string; pages: number }[]>`
      select code, kind, made_by, pages from printouts where made_by = ${deputyAccount} order by pages desc`
    expect(printouts.map((p) => [p.kind, p.pages])).toEqual([['diary_week_class', 3], ['diary_week_class', 2]])
    expect(pages[0]).toContain(displayCode(printouts[0]!.code))
    // someone else's file id under this job is not found
    expect((await get(tok.deputy, `/print-jobs/${deputyJob}/files/${randomUUID()}`)).statusCode).toBe(404)
    expect((await get(tok.teacher, `/print-jobs/${deputyJob}/files/${job.files[0].id}`)).statusCode).toBe(404)

    expect(await getPrintJob(t.sql, classTeacherJob)).toMatchObject({ status: 'done', total: 3, done: 3, files: [{ name: `7А_${monday}.pdf` }] })
  })

  it("a job whose worker died mid-way is left alone while its lease holds, then taken again and resumed", async () => {
    const job = await enqueuePrintJob(t.sql, { schoolId: f.schoolId, requestedBy: deputyAccount, params: { monday } })
    // a worker claims it, prints 7А, stores the file and its progress, and dies
    const claimed = (await claimPrintJob(t.sql, new Date()))!
    expect(claimed.id).toBe(job.id)
    const first = await printWeekForClass(t.sql, { classId: f.classId, monday, madeBy: { accountId: deputyAccount, label: 'Завучева Е. П.' } })
    const [kept] = await t.sql<{ id: string }[]>`
      insert into print_files (job_id, name, media_type, content, sha256)
      values (${job.id}, ${`7А_${monday}.pdf`}, 'application/pdf', ${first.pdf}, 'x') returning id`
    await t.sql`update print_jobs set done = 3 where id = ${job.id}`

    // its lease still holds: another worker leaves it
    const runner = runnerOf()
    await runner.runNow('print-jobs')
    expect(await getPrintJob(t.sql, job.id)).toMatchObject({ status: 'running', done: 3, files: [{ id: kept!.id }] })

    // the lease lapses: taken again, only 8Б is made
    await t.sql`update print_jobs set claimed_at = ${new Date(Date.now() - LEASE_MS - 1000)} where id = ${job.id}`
    await runner.runNow('print-jobs')
    await runner.stop()
    const done = await getPrintJob(t.sql, job.id)
    expect(done).toMatchObject({ status: 'done', total: 5, done: 5 })
    expect(done!.files.map((x) => [x.name, x.id === kept!.id])).toEqual([[`7А_${monday}.pdf`, true], [`8Б_${monday}.pdf`, false]])
  })

  it('a worker that lost its lease to another stops without writing beside it', async () => {
    const job = await enqueuePrintJob(t.sql, { schoolId: f.schoolId, requestedBy: null, params: { monday, classId: c8b } })
    const stale = (await claimPrintJob(t.sql, new Date(Date.now() - LEASE_MS - 5000)))!
    const fresh = (await claimPrintJob(t.sql, new Date()))!
    expect(fresh.id).toBe(job.id)
    expect(await runPrintJob(t.sql, stale, { clock: () => new Date(), log: silent })).toBe(false)
    expect(await getPrintJob(t.sql, job.id)).toMatchObject({ status: 'running', done: 0, files: [] })
    expect(await runPrintJob(t.sql, fresh, { clock: () => new Date(), log: silent })).toBe(true)
    const done = await getPrintJob(t.sql, job.id)
    expect(done).toMatchObject({ status: 'done', total: 2, done: 2, files: [{ name: `8Б_${monday}.pdf` }] })
    // nobody asked: the system made it
    const [p] = await t.sql`select made_by, made_by_label from printouts where class_id = ${c8b} and made_by is null`
    expect(p).toEqual({ madeBy: null, madeByLabel: '«Звонок», пакетная печать' })
  })

  it('only paper: the students whose guardian takes paper, after a cover listing who gets one', async () => {
    await t.sql`insert into printout_preferences (person_id, weekly) values (${f.students[1]!.guardianId}, 'paper')`
    const job = await enqueuePrintJob(t.sql, { schoolId: f.schoolId, requestedBy: deputyAccount, params: { monday, onlyPaper: true } })
    expect(job.total).toBe(1)
    const runner = runnerOf()
    await runner.runNow('print-jobs')
    await runner.stop()
    const done = await getPrintJob(t.sql, job.id)
    expect(done).toMatchObject({ status: 'done', total: 1, done: 1, files: [{ name: `7А_${monday}.pdf` }] })
    const [file] = await t.sql<{ content: Buffer }[]>`select content from print_files where job_id = ${job.id}`
    const pages = await pdfText(file!.content)
    expect(pages).toHaveLength(2)
    expect(pages[0]).toContain('Родителева1 Мария Петрович')
    expect(pages[0]).toContain('Подпись в получении')
    expect(pages[1]).toContain('Ученикова1 Борис')
  })

  it('with Redis, a queued job wakes the worker at once (no poll)', async () => {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    const prefix = `zvonok-test-print-${randomUUID().slice(0, 8)}`
    const runner = runnerOf(printJobsTask({ queuePrefix: prefix, pollMs: 600_000 }), { ...t.config, redisUrl })
    await runner.runNow('print-jobs') // subscribes to the queue; nothing is queued
    const waker = printJobWaker(redisUrl, prefix)
    try {
      const job = await enqueuePrintJob(t.sql, { schoolId: f.schoolId, requestedBy: deputyAccount, params: { monday, classId: c8b }, waker })
      await waitFor(async () => (await getPrintJob(t.sql, job.id))?.status === 'done', 15_000, 'the woken worker to finish the job')
    } finally {
      await waker.close()
      await runner.stop()
    }
  })

  it('files older than 14 days are deleted by the task; newer ones stay', async () => {
    const [old] = await t.sql<{ id: string }[]>`select id from print_files where job_id = ${deputyJob} order by name limit 1`
    await t.sql`update print_files set created_at = now() - interval '15 days' where id = ${old!.id}`
    const before = (await t.sql`select 1 from print_files`).length
    const runner = runnerOf()
    await runner.runNow('print-jobs')
    await runner.stop()
    expect(await t.sql`select 1 from print_files where id = ${old!.id}`).toHaveLength(0)
    expect((await t.sql`select 1 from print_files`).length).toBe(before - 1)
    expect((await getPrintJob(t.sql, deputyJob))!.files.map((x) => x.name)).toEqual([`8Б_${monday}.pdf`])
  })
})

describe('zvonok printouts weekly', () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['core/bin.mjs', 'printouts', 'weekly', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', DATABASE_URL: t.db.url, JWT_SECRET: 'cli-test-secret-cli-test-secret-0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
    })
    let stdout = '', stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

  it('writes one PDF per class to --out and prints a summary; --week takes any day of the week', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'zvonok-weekly-'))
    try {
      const r = await run(['--school', f.schoolId, '--week', addDays(monday, 3), '--out', out])
      expect(r.code, r.stderr).toBe(0)
      expect(readdirSync(out).sort()).toEqual([`7А_${monday}.pdf`, `8Б_${monday}.pdf`])
      expect(await pdfPageCount(readFileSync(path.join(out, `7А_${monday}.pdf`)))).toBe(3)
      expect(r.stdout).toContain('классов — 2, учеников — 5, страниц — 5')
      expect(r.stdout).toMatch(new RegExp(`7А_${monday}\\.pdf — 3 страницы, код проверки [0-9A-Z]{5}-[0-9A-Z]{5}`))
      const [text] = await pdfText(readFileSync(path.join(out, `8Б_${monday}.pdf`)))
      expect(text).toContain('«Звонок», пакетная печать')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 90_000)

  it('exit 2 on usage errors', async () => {
    expect((await run([])).code).toBe(2)
    const bad = await run(['--school', f.schoolId, '--week', '2026-13-01'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--week must be a date')
    expect((await run(['--school', 'nope'])).code).toBe(2)
  }, 90_000)
})

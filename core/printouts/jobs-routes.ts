/**
 * Print jobs over HTTP: queue a school's (or a class's) weekly diaries, follow the job's
 * progress, download its PDFs. The request only queues: the worker makes the files.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { assertCan, can, type Actor } from '../auth/policy.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { currentMonday, enqueuePrintJob, getPrintFile, getPrintJob, printJobWaker, type PrintJobView, type PrintJobWaker } from './jobs.ts'

const secured = [{ bearer: [] }]
const tags = ['printouts']
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
const status = z.enum(['queued', 'running', 'done', 'failed'])
const jobView = z.object({
  id: z.uuid(), schoolId: z.uuid(), kind: z.literal('weekly'),
  params: z.object({ monday: date, classId: z.uuid().optional(), onlyPaper: z.boolean().optional() }),
  status, total: z.number().int(), done: z.number().int(), error: z.string().nullable(),
  createdAt: z.date(), startedAt: z.date().nullable(), finishedAt: z.date().nullable(),
  files: z.array(z.object({ id: z.uuid(), name: z.string(), size: z.number().int(), sha256: z.string() })),
})

/** Who may see a job: its requester, or whoever may queue the same job now. */
function mayRead(actor: Actor, job: PrintJobView): boolean {
  if (job.requestedBy === actor.accountId) return true
  return job.params.classId
    ? can(actor, 'class.printWeekly', { type: 'class', schoolId: job.schoolId, classId: job.params.classId })
    : can(actor, 'school.printWeekly', { type: 'school', schoolId: job.schoolId })
}

async function readableJob(sql: Sql, actor: Actor, id: string) {
  const job = await getPrintJob(sql, id)
  if (!job || !mayRead(actor, job)) throw errors.notFound('print job', id)
  return job
}

/** RFC 6266: a plain ASCII name, and the real one in UTF-8. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

export const printJobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql, config } = app.deps
  let waker: PrintJobWaker | null | undefined
  const wakerOf = () => (waker ??= config.redisUrl ? printJobWaker(config.redisUrl) : null)
  app.addHook('onClose', async () => {
    await waker?.close()
  })

  app.post('/schools/:schoolId/print-jobs', {
    schema: {
      tags, security: secured,
      summary: "Queue the week's diary printouts of the school (deputy, director, admin) or of a class (also its class teacher); the worker makes one PDF per class",
      params: z.strictObject({ schoolId: z.uuid() }),
      body: z.strictObject({
        kind: z.literal('weekly'),
        monday: date.optional().describe("the week's Monday; default this week's, in the school's time zone"),
        classId: z.uuid().optional(),
        onlyPaper: z.boolean().optional().describe('only students whose guardian takes the week on paper, with the list of who gets one'),
      }),
      response: { 202: z.object({ id: z.uuid(), status, total: z.number().int(), done: z.number().int() }) },
    },
  }, async (req, reply) => {
    const { schoolId } = req.params
    const { classId } = req.body
    if (classId) {
      const [c] = await sql<{ schoolId: string }[]>`select school_id from classes where id = ${classId}`
      if (!c || c.schoolId !== schoolId) throw errors.notFound('class', classId)
      assertCan(req.actor, 'class.printWeekly', { type: 'class', schoolId, classId })
    } else {
      assertCan(req.actor, 'school.printWeekly', { type: 'school', schoolId })
    }
    const monday = req.body.monday ?? await currentMonday(sql, schoolId)
    const job = await enqueuePrintJob(sql, {
      schoolId, requestedBy: req.actor.accountId, requestId: req.id, waker: wakerOf(), log: req.log,
      params: { monday, ...(classId ? { classId } : {}), ...(req.body.onlyPaper ? { onlyPaper: true } : {}) },
    })
    return reply.code(202).send({ id: job.id, status: job.status, total: job.total, done: job.done })
  })

  app.get('/print-jobs/:id', {
    schema: {
      tags, security: secured, summary: 'A print job: status, progress (students done of total), its files',
      params: z.strictObject({ id: z.uuid() }), response: { 200: jobView },
    },
  }, async (req) => {
    const job = await readableJob(sql, req.actor, req.params.id)
    return { ...job, files: job.files.map(({ id, name, size, sha256 }) => ({ id, name, size, sha256 })) }
  })

  app.get('/print-jobs/:id/files/:fileId', {
    schema: {
      tags, security: secured, summary: "A print job's PDF (kept 14 days)",
      params: z.strictObject({ id: z.uuid(), fileId: z.uuid() }),
    },
  }, async (req, reply) => {
    await readableJob(sql, req.actor, req.params.id)
    const file = await getPrintFile(sql, req.params.id, req.params.fileId)
    if (!file) throw errors.notFound('print file', req.params.fileId)
    return reply.type(file.mediaType).header('content-disposition', attachment(file.name)).send(file.content)
  })
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Actor } from '../auth/policy.ts'
import { PROBLEMS } from './chain.ts'
import { closePeriod } from './close-period.ts'
import { entryFile, listArchive, verifySchoolArchive } from './service.ts'

const secured = [{ bearer: [] }]
const tags = ['archive']
const uuid = z.uuid()
const kind = z.enum(['summary_sheet', 'class_journal'])

const entryView = z.object({
  id: uuid, schoolId: uuid, seq: z.number().int(), kind, title: z.string(),
  academicYearId: uuid.nullable(), periodId: uuid.nullable(), classId: uuid.nullable(),
  archivedAt: z.date(), archivedBy: uuid.nullable(), retainUntil: z.string(), printoutCode: z.string().nullable(),
  dataSha256: z.string(), pdfSha256: z.string().nullable(), prevHash: z.string(), hash: z.string(), purgedAt: z.date().nullable(),
})
const verifyView = z.object({
  ok: z.boolean(), chains: z.number().int(), entries: z.number().int(), purged: z.number().int(),
  problems: z.array(z.object({ schoolId: uuid, seq: z.number().int(), entryId: uuid.nullable(), problem: z.enum(PROBLEMS), detail: z.string() })),
})

/** RFC 6266 with RFC 5987 for the Russian title; the ASCII fallback keeps only safe characters. */
function attachment(title: string, ext: 'pdf' | 'json'): string {
  const name = `${title.replace(/[^\p{L}\p{N} .,()«»№_-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 150) || 'archive'}.${ext}`
  return `attachment; filename="archive.${ext}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** Closing a period and the archive; registered inside the authenticated context. */
export const archiveRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  app.post('/periods/:periodId/close', {
    schema: {
      tags, summary: "Close a period: its classes' summary sheets (data and PDF) are frozen in the archive for 25 years; its final marks can no longer change",
      security: secured, params: z.strictObject({ periodId: uuid }),
      response: { 200: z.object({ periodId: uuid, closedAt: z.date(), entries: z.array(entryView) }) },
    },
  }, (req) => closePeriod(sql, ctx(req), req.params.periodId))

  app.get('/schools/:schoolId/archive', {
    schema: {
      tags, summary: "The school's archive in chain order: summary sheets and class journals, their retention and checksums",
      security: secured, params: z.strictObject({ schoolId: uuid }),
      querystring: z.strictObject({
        kind: kind.optional(), classId: uuid.optional(), periodId: uuid.optional(), academicYearId: uuid.optional(),
        afterSeq: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      response: { 200: z.object({ items: z.array(entryView.extend({ hasPdf: z.boolean() })) }) },
    },
  }, async (req) => ({ items: await listArchive(sql, ctx(req), req.params.schoolId, req.query) }))

  for (const which of ['pdf', 'data'] as const) {
    app.get(`/archive/:entryId/${which}`, {
      schema: {
        tags, security: secured, params: z.strictObject({ entryId: uuid }),
        summary: which === 'pdf' ? "An archive entry's frozen PDF (404 once purged)" : "An archive entry's frozen data: its canonical JSON exactly as hashed (404 once purged)",
      },
    }, async (req, reply) => {
      const f = await entryFile(sql, ctx(req), req.params.entryId, which)
      reply.header('content-disposition', attachment(f.title, which === 'pdf' ? 'pdf' : 'json'))
      reply.header('x-archive-sha256', f.sha256 ?? '')
      if (which === 'pdf' && f.printoutCode) reply.header('x-printout-code', f.printoutCode)
      return reply.type(which === 'pdf' ? 'application/pdf' : 'application/json; charset=utf-8').send(f.content)
    })
  }

  app.post('/schools/:schoolId/archive/verify', {
    schema: {
      tags, summary: "Check the school's archive: the hash chain, its head, and every stored file against its checksum",
      security: secured, params: z.strictObject({ schoolId: uuid }), response: { 200: verifyView },
    },
  }, (req) => verifySchoolArchive(sql, ctx(req), req.params.schoolId))
}

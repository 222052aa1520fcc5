/**
 * The reports' HTTP API (registered inside the authenticated context). Each answers JSON by
 * default; `?format=pdf` or `?format=xlsx` answers the file, registered as a printout whose
 * verification code comes in the X-Printout-Code header.
 */
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { assertCan, can, type Actor } from '../auth/policy.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { requireClass, requireSchoolAction } from '../journal/access.ts'
import { personResource } from '../people/service.ts'
import { madeByLabel, producePrintout, type PrintDoc } from '../print/index.ts'
import { render } from '../render/render.ts'
import { activityDoc, activityReport } from './activity.ts'
import { attendanceDoc, attendanceSummary, type AttendanceScope } from './attendance.ts'
import { classTeacherDoc, classTeacherReport } from './class-teacher.ts'
import { fileName } from './format.ts'
import * as s from './schema.ts'
import { summarySheet, summarySheetDoc } from './summary-sheet.ts'
import { timelinessDoc, timelinessReport, type TimelinessScope } from './timeliness.ts'

const secured = [{ bearer: [] }]
const tags = ['reports']
const uuid = z.uuid()
const isoDate = z.iso.date()
const classParams = z.strictObject({ classId: uuid })
const format = { format: s.formatQuery }
const fileDescription = 'JSON by default; format=pdf or format=xlsx answers the document as a file (X-Printout-Code: its verification code).'

const MEDIA = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const

/** Either a period or a from–to range (both ends). */
function scopeOf(q: { periodId?: string | undefined; from?: string | undefined; to?: string | undefined }): { periodId: string } | { from: string; to: string } {
  if (q.periodId !== undefined) {
    if (q.from !== undefined || q.to !== undefined)
      throw errors.validation([{ path: 'periodId', message: 'give either periodId or from and to, not both' }])
    return { periodId: q.periodId }
  }
  if (q.from === undefined || q.to === undefined)
    throw errors.validation([{ path: q.from === undefined ? 'from' : 'to', message: 'give periodId, or both from and to' }])
  return { from: q.from, to: q.to }
}

interface Printable<T> {
  schoolId: string
  classId?: string | null
  kind: 'summary_sheet' | 'attendance' | 'class_teacher' | 'timeliness' | 'activity'
  params: Record<string, unknown>
  data: T
  /** what the title template needs besides the kind */
  title: object
  doc: (data: T) => PrintDoc
}

/** Answers the report as JSON, or registers it as a printout and answers the file. */
async function answer<T>(sql: Sql, actor: Actor, reply: FastifyReply, fmt: 'json' | 'pdf' | 'xlsx', p: Printable<T>) {
  if (fmt === 'json') return p.data
  const title = render('print/report-title.text', { kind: p.kind, ...p.title }).replace(/\s+/g, ' ').trim()
  const printout = await producePrintout(sql, {
    schoolId: p.schoolId, kind: p.kind, title, classId: p.classId ?? null, params: p.params, data: p.data,
    madeBy: { accountId: actor.accountId, label: await madeByLabel(sql, actor.accountId, p.schoolId) },
    docs: p.doc(p.data), formats: [fmt],
  })
  const name = fileName(title, fmt)
  return reply
    .type(MEDIA[fmt])
    .header('content-disposition', `attachment; filename="${p.kind}.${fmt}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('x-printout-code', printout.code)
    .send(fmt === 'pdf' ? printout.pdf! : printout.xlsx!)
}

export const reportsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  app.get('/classes/:classId/reports/summary-sheet', {
    schema: {
      tags, security: secured, params: classParams, description: fileDescription,
      summary: "The period's summary sheet of final marks (сводная ведомость) with the class's tallies",
      querystring: z.strictObject({ periodId: uuid, ...format }), response: { 200: s.summarySheet },
    },
  }, async (req, reply) => {
    const c = await requireClass(sql, ctx(req), req.params.classId, 'class.readReports')
    const data = await summarySheet(sql, c.id, req.query.periodId)
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: c.schoolId, classId: c.id, kind: 'summary_sheet', params: { periodId: req.query.periodId },
      data, title: { class: data.class, period: data.period }, doc: summarySheetDoc,
    })
  })

  app.get('/classes/:classId/reports/attendance', {
    schema: {
      tags, security: secured, params: classParams, description: fileDescription,
      summary: "The class's attendance over a period or a date range: lessons and days missed, of them ill and excused",
      querystring: z.strictObject({ periodId: uuid.optional(), from: isoDate.optional(), to: isoDate.optional(), ...format }),
      response: { 200: s.attendanceReport },
    },
  }, async (req, reply) => {
    const scope: AttendanceScope = scopeOf(req.query)
    const c = await requireClass(sql, ctx(req), req.params.classId, 'class.readReports')
    const data = await attendanceSummary(sql, c.id, scope)
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: c.schoolId, classId: c.id, kind: 'attendance', params: { ...scope },
      data, title: { class: data.class, period: data.period, from: data.from, to: data.to }, doc: attendanceDoc,
    })
  })

  app.get('/classes/:classId/reports/class-teacher', {
    schema: {
      tags, security: secured, params: classParams, description: fileDescription,
      summary: "The class teacher's period report: composition, tallies, attendance, who fails, missing finals",
      querystring: z.strictObject({ periodId: uuid, ...format }), response: { 200: s.classTeacherReport },
    },
  }, async (req, reply) => {
    const c = await requireClass(sql, ctx(req), req.params.classId, 'class.readReports')
    const data = await classTeacherReport(sql, c.id, req.query.periodId)
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: c.schoolId, classId: c.id, kind: 'class_teacher', params: { periodId: req.query.periodId },
      data, title: { class: data.class, period: data.period }, doc: classTeacherDoc,
    })
  })

  app.get('/classes/:classId/reports/activity', {
    schema: {
      tags, security: secured, params: classParams, description: fileDescription,
      summary: 'Students and guardians of the class linked to the bot and active in the last 7 days (names only)',
      querystring: z.strictObject({ ...format }), response: { 200: s.activityReport },
    },
  }, async (req, reply) => {
    const c = await requireClass(sql, ctx(req), req.params.classId, 'class.readReports')
    const data = await activityReport(sql, c.id)
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: c.schoolId, classId: c.id, kind: 'activity', params: {},
      data, title: { class: data.class, day: data.activeSince.slice(0, 10) }, doc: activityDoc,
    })
  })

  const timelinessQuery = { periodId: uuid.optional(), from: isoDate.optional(), to: isoDate.optional(), ...format }

  app.get('/schools/:schoolId/reports/timeliness', {
    schema: {
      tags, security: secured, params: z.strictObject({ schoolId: uuid }), description: fileDescription,
      summary: "Journal filling and timeliness per teacher, class and subject (the administration's control)",
      querystring: z.strictObject({ ...timelinessQuery, teacherId: uuid.optional() }), response: { 200: s.timelinessReport },
    },
  }, async (req, reply) => {
    const scope: TimelinessScope = { ...scopeOf(req.query), teacherId: req.query.teacherId }
    requireSchoolAction(ctx(req), req.params.schoolId, 'school.readReports')
    const data = await timelinessReport(sql, req.params.schoolId, scope)
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: req.params.schoolId, kind: 'timeliness', params: { ...scope },
      data, title: { period: data.period, from: data.from, to: data.to, teacher: data.teacher }, doc: timelinessDoc,
    })
  })

  app.get('/staff/:personId/reports/timeliness', {
    schema: {
      tags, security: secured, params: z.strictObject({ personId: uuid }), description: fileDescription,
      summary: "A teacher's own journal filling and timeliness (the teacher, the administration)",
      querystring: z.strictObject(timelinessQuery), response: { 200: s.timelinessReport },
    },
  }, async (req, reply) => {
    const scope = scopeOf(req.query)
    const person = await personResource(sql, req.params.personId)
    if (!person || person.kind !== 'staff' || !can(req.actor, 'person.read', person)) throw errors.notFound('staff member', req.params.personId)
    assertCan(req.actor, 'staff.readTimeliness', person)
    const data = await timelinessReport(sql, person.schoolId, { ...scope, teacherId: person.personId })
    return answer(sql, req.actor, reply, req.query.format, {
      schoolId: person.schoolId, kind: 'timeliness', params: { ...scope, teacherId: person.personId },
      data, title: { period: data.period, from: data.from, to: data.to, teacher: data.teacher }, doc: timelinessDoc,
    })
  })
}

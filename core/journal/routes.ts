import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Actor } from '../auth/policy.ts'
import { studentDiary } from './diary.ts'
import { confirmAttendanceReason, setAttendance } from './attendance.ts'
import { classFinalMarks, removeFinalMark, setFinalMark } from './final-marks.ts'
import { saveLessonGrid } from './grid.ts'
import { removeHomework, setHomework } from './homework.ts'
import { addMark, changeMark, removeMark } from './marks.ts'
import {
  cancelLesson, classLessons, generateLessons, getLessonJournal, moveLesson, myLessons, patchLesson, setSubstitute,
} from './lessons.ts'
import { createSubgroup, listMovements, listSubgroups, moveToSubgroup, recordMovement } from './movement.ts'
import * as s from './schema.ts'
import {
  closeYear, createAssignment, createClass, createHoliday, createPeriod, createSlot, createSubject, createWorkType, createYear,
  listAssignments, listClasses, listSlots, listSubjects, listWorkTypes, listYears, setBells, setClassTeacher, setPlan,
} from './setup.ts'
import { listVoided } from './voiding.ts'

const secured = [{ bearer: [] }]
const uuid = z.uuid()
const schoolParams = z.strictObject({ schoolId: uuid })
const yearParams = z.strictObject({ schoolId: uuid, yearId: uuid })
const classParams = z.strictObject({ classId: uuid })
const lessonParams = z.strictObject({ lessonId: uuid })
const items = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) })
const range = z.strictObject({ from: s.isoDate, to: s.isoDate })
const tags = { setup: ['journal: setup'], lessons: ['journal: lessons'], entries: ['journal: entries'], diary: ['journal: diary'] }

/** The journal's HTTP API; registered inside the authenticated context. */
export const journalRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  // ---- the school year ----
  app.get('/schools/:schoolId/years', {
    schema: {
      tags: tags.setup, summary: 'Academic years with their periods and holidays', security: secured, params: schoolParams,
      response: { 200: items(s.yearView.extend({ periods: z.array(s.periodView), holidays: z.array(s.holidayView) })) },
    },
  }, async (req) => ({ items: await listYears(sql, ctx(req), req.params.schoolId) }))

  app.post('/schools/:schoolId/years', {
    schema: { tags: tags.setup, summary: 'Create an academic year (the default work types come with the first)', security: secured, params: schoolParams, body: s.yearBody, response: { 201: s.yearView } },
  }, async (req, reply) => reply.code(201).send(await createYear(sql, ctx(req), req.params.schoolId, req.body)))

  app.post('/schools/:schoolId/years/:yearId/periods', {
    schema: { tags: tags.setup, summary: 'Add a period (quarter, trimester, half, year) for a range of grades', security: secured, params: yearParams, body: s.periodBody, response: { 201: s.periodView } },
  }, async (req, reply) => reply.code(201).send(await createPeriod(sql, ctx(req), req.params.schoolId, req.params.yearId, req.body)))

  app.post('/schools/:schoolId/years/:yearId/holidays', {
    schema: { tags: tags.setup, summary: 'Add holidays (каникулы) for a range of grades', security: secured, params: yearParams, body: s.holidayBody, response: { 201: s.holidayView } },
  }, async (req, reply) => reply.code(201).send(await createHoliday(sql, ctx(req), req.params.schoolId, req.params.yearId, req.body)))

  app.post('/schools/:schoolId/years/:yearId/close', {
    schema: {
      tags: tags.setup, summary: 'Close the year: promote classes into the next, graduate the 11th grade', security: secured,
      params: yearParams, body: s.closeYearBody,
      response: { 200: z.object({ nextYear: s.yearView, promoted: z.number(), graduated: z.number(), retained: z.number(), classes: z.number() }) },
    },
  }, async (req) => closeYear(sql, ctx(req), req.params.schoolId, req.params.yearId, req.body))

  app.get('/schools/:schoolId/classes', {
    schema: {
      tags: tags.setup, summary: "Classes of a year (the current open year by default)", security: secured, params: schoolParams,
      querystring: z.strictObject({ academicYearId: uuid.optional() }), response: { 200: items(s.classView) },
    },
  }, async (req) => ({ items: await listClasses(sql, ctx(req), req.params.schoolId, req.query.academicYearId) }))

  app.post('/schools/:schoolId/classes', {
    schema: { tags: tags.setup, summary: 'Create a class of a year, with its class teacher', security: secured, params: schoolParams, body: s.classBody, response: { 201: s.classView } },
  }, async (req, reply) => reply.code(201).send(await createClass(sql, ctx(req), req.params.schoolId, req.body)))

  app.put('/classes/:classId/class-teacher', {
    schema: {
      tags: tags.setup, summary: 'Change the class teacher (the role follows)', security: secured, params: classParams,
      body: z.strictObject({ teacherId: uuid }), response: { 200: s.classView },
    },
  }, async (req) => setClassTeacher(sql, ctx(req), req.params.classId, req.body.teacherId))

  // ---- the movement book ----
  app.get('/schools/:schoolId/movements', {
    schema: {
      tags: tags.setup, summary: 'The movement book (latest first)', security: secured, params: schoolParams,
      querystring: z.strictObject({ studentId: uuid.optional() }), response: { 200: items(s.movementView) },
    },
  }, async (req) => ({ items: await listMovements(sql, ctx(req), req.params.schoolId, req.query) }))

  app.post('/schools/:schoolId/movements', {
    schema: { tags: tags.setup, summary: 'Record an admission, a transfer between classes or a departure', security: secured, params: schoolParams, body: s.movementBody, response: { 201: s.movementView } },
  }, async (req, reply) => reply.code(201).send(await recordMovement(sql, ctx(req), req.params.schoolId, req.body)))

  // ---- curriculum and timetable ----
  app.get('/schools/:schoolId/subjects', {
    schema: { tags: tags.setup, summary: 'Subjects', security: secured, params: schoolParams, response: { 200: items(s.subjectView) } },
  }, async (req) => ({ items: await listSubjects(sql, ctx(req), req.params.schoolId) }))

  app.post('/schools/:schoolId/subjects', {
    schema: { tags: tags.setup, summary: 'Add a subject', security: secured, params: schoolParams, body: s.subjectBody, response: { 201: s.subjectView } },
  }, async (req, reply) => reply.code(201).send(await createSubject(sql, ctx(req), req.params.schoolId, req.body)))

  app.get('/schools/:schoolId/work-types', {
    schema: { tags: tags.setup, summary: 'Work types with weight and entry deadline', security: secured, params: schoolParams, response: { 200: items(s.workTypeView) } },
  }, async (req) => ({ items: await listWorkTypes(sql, ctx(req), req.params.schoolId) }))

  app.post('/schools/:schoolId/work-types', {
    schema: { tags: tags.setup, summary: 'Add a work type', security: secured, params: schoolParams, body: s.workTypeBody, response: { 201: s.workTypeView } },
  }, async (req, reply) => reply.code(201).send(await createWorkType(sql, ctx(req), req.params.schoolId, req.body)))

  app.get('/schools/:schoolId/assignments', {
    schema: {
      tags: tags.setup, summary: 'Teaching assignments (нагрузка)', security: secured, params: schoolParams,
      querystring: z.strictObject({ classId: uuid.optional() }), response: { 200: items(s.assignmentView) },
    },
  }, async (req) => ({ items: await listAssignments(sql, ctx(req), req.params.schoolId, req.query.classId) }))

  app.post('/schools/:schoolId/assignments', {
    schema: { tags: tags.setup, summary: 'Assign a teacher to a subject in a class or subgroup', security: secured, params: schoolParams, body: s.assignmentBody, response: { 201: s.assignmentView } },
  }, async (req, reply) => reply.code(201).send(await createAssignment(sql, ctx(req), req.params.schoolId, req.body)))

  app.put('/assignments/:assignmentId/plan', {
    schema: {
      tags: tags.setup, summary: 'Set the calendar-thematic plan (КТП): lesson n gets topic n', security: secured,
      params: z.strictObject({ assignmentId: uuid }), body: s.planBody, response: { 200: z.object({ topics: z.number() }) },
    },
  }, async (req) => setPlan(sql, ctx(req), req.params.assignmentId, req.body))

  app.put('/schools/:schoolId/bells', {
    schema: { tags: tags.setup, summary: 'Replace the bell schedule of a shift', security: secured, params: schoolParams, body: s.bellsBody, response: { 200: s.bellsBody } },
  }, async (req) => setBells(sql, ctx(req), req.params.schoolId, req.body))

  app.get('/schools/:schoolId/timetable', {
    schema: {
      tags: tags.setup, summary: 'The weekly timetable', security: secured, params: schoolParams,
      querystring: z.strictObject({ classId: uuid.optional() }), response: { 200: items(s.slotView) },
    },
  }, async (req) => ({ items: await listSlots(sql, ctx(req), req.params.schoolId, req.query.classId) }))

  app.post('/schools/:schoolId/timetable', {
    schema: { tags: tags.setup, summary: 'Add a weekly timetable slot', security: secured, params: schoolParams, body: s.slotBody, response: { 201: s.slotView } },
  }, async (req, reply) => reply.code(201).send(await createSlot(sql, ctx(req), req.params.schoolId, req.body)))

  app.post('/schools/:schoolId/lessons/generate', {
    schema: {
      tags: tags.setup, summary: 'Create the dated lessons of the timetable for a range (again: only what is missing)', security: secured,
      params: schoolParams, body: s.generateBody, response: { 200: z.object({ created: z.number() }) },
    },
  }, async (req) => generateLessons(sql, ctx(req), req.params.schoolId, req.body))

  // ---- classes ----
  app.get('/classes/:classId/lessons', {
    schema: {
      tags: tags.lessons, summary: "A class's lessons (a teacher sees their own)", security: secured, params: classParams,
      querystring: range, response: { 200: items(s.lessonView) },
    },
  }, async (req) => ({ items: await classLessons(sql, ctx(req), req.params.classId, req.query.from, req.query.to) }))

  app.get('/classes/:classId/subgroups', {
    schema: {
      tags: tags.setup, summary: 'Subgroups and their current members', security: secured, params: classParams,
      response: { 200: items(s.subgroupView.extend({ studentIds: z.array(uuid) })) },
    },
  }, async (req) => ({ items: await listSubgroups(sql, ctx(req), req.params.classId) }))

  app.post('/classes/:classId/subgroups', {
    schema: { tags: tags.setup, summary: 'Divide the class for a subject: add a subgroup', security: secured, params: classParams, body: s.subgroupBody, response: { 201: s.subgroupView } },
  }, async (req, reply) => reply.code(201).send(await createSubgroup(sql, ctx(req), req.params.classId, req.body)))

  app.post('/subgroups/:subgroupId/members', {
    schema: {
      tags: tags.setup, summary: 'Move a student into a subgroup from a date, with the reason', security: secured,
      params: z.strictObject({ subgroupId: uuid }), body: s.subgroupMoveBody,
      response: { 201: z.object({ id: uuid, subgroupId: uuid, studentId: uuid, startedOn: s.isoDate, reason: z.string().nullable() }) },
    },
  }, async (req, reply) => reply.code(201).send(await moveToSubgroup(sql, ctx(req), req.params.subgroupId, req.body)))

  app.get('/classes/:classId/final-marks', {
    schema: {
      tags: tags.entries, summary: "A class's final marks for a period", security: secured, params: classParams,
      querystring: z.strictObject({ periodId: uuid }), response: { 200: items(s.finalMarkView) },
    },
  }, async (req) => ({ items: await classFinalMarks(sql, ctx(req), req.params.classId, req.query.periodId) }))

  // ---- lessons ----
  app.get('/me/lessons', {
    schema: {
      tags: tags.lessons, summary: "A teacher's lessons on a day, substitutions included", security: secured,
      querystring: z.strictObject({ date: s.isoDate }), response: { 200: items(s.lessonView) },
    },
  }, async (req) => ({ items: await myLessons(sql, ctx(req), req.query.date) }))

  app.get('/lessons/:lessonId', {
    schema: { tags: tags.lessons, summary: 'The journal page of a lesson', security: secured, params: lessonParams, response: { 200: s.lessonJournalView } },
  }, async (req) => getLessonJournal(sql, ctx(req), req.params.lessonId) as never)

  app.patch('/lessons/:lessonId', {
    schema: { tags: tags.lessons, summary: "Edit the lesson's topic or room (its teacher)", security: secured, params: lessonParams, body: s.lessonPatchBody, response: { 200: s.lessonView } },
  }, async (req) => patchLesson(sql, ctx(req), req.params.lessonId, req.body))

  app.post('/lessons/:lessonId/cancel', {
    schema: { tags: tags.lessons, summary: 'Cancel a lesson', security: secured, params: lessonParams, body: s.lessonCancelBody, response: { 200: s.lessonView } },
  }, async (req) => cancelLesson(sql, ctx(req), req.params.lessonId, req.body.reason))

  app.post('/lessons/:lessonId/move', {
    schema: { tags: tags.lessons, summary: 'Move a lesson to another date or lesson number', security: secured, params: lessonParams, body: s.lessonMoveBody, response: { 200: s.lessonView } },
  }, async (req) => moveLesson(sql, ctx(req), req.params.lessonId, req.body))

  app.put('/lessons/:lessonId/substitute', {
    schema: { tags: tags.lessons, summary: 'Record the substitute teacher (null clears it)', security: secured, params: lessonParams, body: s.substituteBody, response: { 200: s.lessonView } },
  }, async (req) => setSubstitute(sql, ctx(req), req.params.lessonId, req.body.substituteTeacherId))

  // ---- entries ----
  app.post('/lessons/:lessonId/grid', {
    schema: {
      tags: tags.entries, summary: "Save a lesson's topic, attendance and marks in one request (idempotent by requestId)", security: secured,
      params: lessonParams, body: s.gridBody, response: { 200: s.gridResult },
    },
  }, async (req, reply) => {
    const { replayed, result } = await saveLessonGrid(sql, ctx(req), req.params.lessonId, req.body)
    if (replayed) reply.header('idempotent-replayed', 'true')
    return result as never
  })

  app.put('/lessons/:lessonId/homework', {
    schema: { tags: tags.entries, summary: 'Set the homework given at a lesson', security: secured, params: lessonParams, body: s.homeworkBody, response: { 200: s.homeworkView } },
  }, async (req) => setHomework(sql, ctx(req), req.params.lessonId, req.body))

  app.delete('/lessons/:lessonId/homework', {
    schema: { tags: tags.entries, summary: 'Remove the homework of a lesson', security: secured, params: lessonParams, response: { 204: z.null() } },
  }, async (req, reply) => {
    await removeHomework(sql, ctx(req), req.params.lessonId)
    return reply.code(204).send(null)
  })

  app.post('/lessons/:lessonId/marks', {
    schema: { tags: tags.entries, summary: 'Give a student a mark on a lesson', security: secured, params: lessonParams, body: s.markBody, response: { 201: s.markView } },
  }, async (req, reply) => reply.code(201).send(await addMark(sql, ctx(req), req.params.lessonId, req.body)))

  app.patch('/marks/:markId', {
    schema: { tags: tags.entries, summary: 'Correct a mark', security: secured, params: z.strictObject({ markId: uuid }), body: s.markPatchBody, response: { 200: s.markView } },
  }, async (req) => changeMark(sql, ctx(req), req.params.markId, req.body))

  app.delete('/marks/:markId', {
    schema: { tags: tags.entries, summary: 'Remove a mark', security: secured, params: z.strictObject({ markId: uuid }), response: { 204: z.null() } },
  }, async (req, reply) => {
    await removeMark(sql, ctx(req), req.params.markId)
    return reply.code(204).send(null)
  })

  const attendanceParams = z.strictObject({ lessonId: uuid, studentId: uuid })
  app.put('/lessons/:lessonId/attendance/:studentId', {
    schema: { tags: tags.entries, summary: 'Mark a student absent, ill, excused or late', security: secured, params: attendanceParams, body: s.attendanceBody, response: { 204: z.null() } },
  }, async (req, reply) => {
    await setAttendance(sql, ctx(req), req.params.lessonId, req.params.studentId, req.body)
    return reply.code(204).send(null)
  })

  app.delete('/lessons/:lessonId/attendance/:studentId', {
    schema: { tags: tags.entries, summary: 'The student was present after all', security: secured, params: attendanceParams, response: { 204: z.null() } },
  }, async (req, reply) => {
    await setAttendance(sql, ctx(req), req.params.lessonId, req.params.studentId, null)
    return reply.code(204).send(null)
  })

  app.post('/attendance/:attendanceId/confirm', {
    schema: {
      tags: tags.entries, summary: 'Confirm the reason of an absence (ill or excused): the class teacher', security: secured,
      params: z.strictObject({ attendanceId: uuid }), body: s.confirmReasonBody, response: { 200: s.attendanceView },
    },
  }, async (req) => confirmAttendanceReason(sql, ctx(req), req.params.attendanceId, req.body))

  app.post('/final-marks', {
    schema: { tags: tags.entries, summary: 'Set a final mark for a period and subject', security: secured, body: s.finalMarkBody, response: { 200: s.finalMarkView } },
  }, async (req) => setFinalMark(sql, ctx(req), req.body))

  app.delete('/final-marks/:finalMarkId', {
    schema: { tags: tags.entries, summary: 'Remove a final mark', security: secured, params: z.strictObject({ finalMarkId: uuid }), response: { 204: z.null() } },
  }, async (req, reply) => {
    await removeFinalMark(sql, ctx(req), req.params.finalMarkId)
    return reply.code(204).send(null)
  })

  // ---- the diary ----
  app.get('/students/:studentId/diary', {
    schema: {
      tags: tags.diary, summary: "A student's diary for a range: lessons, homework, marks, attendance; averages and forecasts",
      security: secured, params: z.strictObject({ studentId: uuid }), querystring: s.diaryQuery, response: { 200: s.diaryView },
    },
  }, async (req) => studentDiary(sql, ctx(req), req.params.studentId, req.query.from, req.query.to) as never)

  // ---- compromise voiding ----
  app.get('/compromise-reports/:reportId/voided', {
    schema: {
      tags: ['accounts'], summary: 'The journal operations taken back after a compromise report', security: secured,
      params: z.strictObject({ reportId: uuid }),
      response: {
        200: items(z.object({
          auditId: z.number(), entityType: z.string(), entityId: uuid, action: z.string(),
          outcome: z.enum(['reverted', 'skipped_changed_later']), voidedAt: s.instant, operatedAt: s.instant,
          before: z.unknown(), after: z.unknown(),
        })),
      },
    },
  }, async (req) => ({ items: await listVoided(sql, ctx(req), req.params.reportId) }))
}

/**
 * Journal entries on a lesson: homework, marks, attendance; final marks per period; and the
 * grid, the teacher's one-request save of a whole lesson. Each function is the one used by the
 * API and the bots. Every change goes with its audit row and one outbox event in the same
 * transaction (changes.ts); an entry that changes nothing records nothing.
 *
 * Rules (DESIGN.md, regulations): grade 1 gets no marks and no homework (school14 3.6); only
 * the teacher of the lesson or its substitute writes (school26 2.4, 2.10); a mark may sit on a
 * lesson the student missed and the absence stays (school26 2.5); marks and attendance wait
 * for the lesson's day; late entries are accepted and flagged (time.ts).
 */
import { createHash } from 'node:crypto'
import { can } from '../auth/policy.ts'
import type { Db, Sql, Tx } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import { lessonResource, lessonStudentIds, requireClass, requireLesson, subjectTeaching, type LessonFacts } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import type { z } from 'zod'
import type {
  attendanceBody, attendanceKind, confirmReasonBody, finalMarkBody, GridBody, homeworkBody, markBody, markPatchBody,
} from './schema.ts'
import { attendanceDueAt, finalMarkDueAt, homeworkDueAt, localDate, markDueAt } from './time.ts'
import { lessonJournal } from './lessons.ts'

type AttendanceKind = z.infer<typeof attendanceKind>

interface MarkRow {
  id: string; schoolId: string; lessonId: string; studentId: string; value: number | null; passed: boolean | null
  workTypeId: string; weight: number; comment: string | null; enteredAt: Date; enteredBy: string | null
  updatedAt: Date; late: boolean; removedAt: Date | null
}
interface AttendanceRow {
  id: string; schoolId: string; lessonId: string; studentId: string; kind: AttendanceKind; reason: string | null
  reasonConfirmedAt: Date | null; reasonConfirmedBy: string | null; enteredAt: Date; enteredBy: string | null
  updatedAt: Date; late: boolean; removedAt: Date | null
}
interface WorkType { id: string; name: string; weight: number; deadlineDays: number; isDefault: boolean }

const MARK_COLUMNS = (db: Db) => db`id, school_id, lesson_id, student_id, value, passed, work_type_id, weight::float8 as weight,
  comment, entered_at, entered_by, updated_at, late, removed_at`
const ATTENDANCE_COLUMNS = (db: Db) => db`id, school_id, lesson_id, student_id, kind, reason, reason_confirmed_at,
  reason_confirmed_by, entered_at, entered_by, updated_at, late, removed_at`

// ---------------------------------------------------------------- shared checks

function assertGradedLesson(l: LessonFacts, what: 'marks' | 'homework'): void {
  if (l.grade === 1) throw errors.rule(`Grade 1 gets no ${what} (school14 3.6)`)
}

function assertHeld(l: LessonFacts, now: Date): void {
  if (l.status === 'cancelled') throw errors.rule('The lesson was cancelled')
  if (l.date > localDate(now, l.timezone)) throw errors.rule('The lesson has not taken place yet')
}

async function workTypes(db: Db, schoolId: string): Promise<WorkType[]> {
  return db<WorkType[]>`select id, name, weight::float8 as weight, deadline_days, is_default from work_types where school_id = ${schoolId}`
}

function pickWorkType(types: WorkType[], id: string | undefined): WorkType {
  const wt = id ? types.find((t) => t.id === id) : types.find((t) => t.isDefault)
  if (!wt) throw errors.invalidReference(id ? `work type ${id} is not a work type of this school` : 'the school has no default work type')
  return wt
}

function studentOf(students: Set<string>, studentId: string): string {
  if (!students.has(studentId)) throw errors.invalidReference(`student ${studentId} does not attend this lesson`)
  return studentId
}

/** A new mark needs exactly one of value and passed; a correction at most one. */
function checkMarkValue(m: { value?: number | undefined; passed?: boolean | undefined }, path: string, isNew: boolean): void {
  const given = Number(m.value !== undefined) + Number(m.passed !== undefined)
  if (given > 1 || (isNew && given === 0))
    throw errors.validation([{ path: `${path}value`, message: 'give either value (1–5) or passed (pass/fail)' }])
}

const lessonEventBase = (l: LessonFacts) => ({ lessonId: l.id, subjectId: l.subjectId, date: l.date })

// ---------------------------------------------------------------- marks

async function insertMark(
  tx: Tx, ctx: RequestContext, l: LessonFacts, wt: WorkType, studentId: string,
  input: { value?: number | undefined; passed?: boolean | undefined; comment?: string | null | undefined }, now: Date,
): Promise<{ row: MarkRow; change: Change }> {
  const late = now > markDueAt(l.date, wt.deadlineDays, l.timezone)
  const [row] = await tx<MarkRow[]>`
    insert into marks (school_id, lesson_id, student_id, value, passed, work_type_id, weight, comment, entered_at, entered_by, updated_at, late)
    values (${l.schoolId}, ${l.id}, ${studentId}, ${input.value ?? null}, ${input.passed ?? null}, ${wt.id}, ${wt.weight},
            ${input.comment ?? null}, ${now}, ${ctx.actor.accountId}, ${now}, ${late})
    returning ${MARK_COLUMNS(tx)}`
  return {
    row: row!,
    change: {
      schoolId: l.schoolId, kind: 'mark.created', entityType: 'mark', entityId: row!.id, before: null, after: row!,
      studentId, classId: l.classId,
      payload: { ...lessonEventBase(l), markId: row!.id, value: row!.value, passed: row!.passed, workTypeId: wt.id, late },
    },
  }
}

async function updateMark(
  tx: Tx, ctx: RequestContext, l: LessonFacts, before: MarkRow, wt: WorkType,
  input: { value?: number | undefined; passed?: boolean | undefined; comment?: string | null | undefined }, now: Date,
): Promise<Change | null> {
  // a value replaces a pass/fail and the other way round
  const value = input.value !== undefined ? input.value : input.passed !== undefined ? null : before.value
  const passed = input.passed !== undefined ? input.passed : input.value !== undefined ? null : before.passed
  const comment = input.comment !== undefined ? input.comment : before.comment
  if (value === before.value && passed === before.passed && comment === before.comment && wt.id === before.workTypeId) return null
  const [after] = await tx<MarkRow[]>`
    update marks set value = ${value}, passed = ${passed}, comment = ${comment}, work_type_id = ${wt.id}, weight = ${wt.weight},
      updated_at = ${now}
    where id = ${before.id} returning ${MARK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'mark.changed', entityType: 'mark', entityId: before.id, before, after: after!,
    studentId: before.studentId, classId: l.classId,
    payload: {
      ...lessonEventBase(l), markId: before.id, value, passed, workTypeId: wt.id,
      previous: { value: before.value, passed: before.passed },
    },
  }
}

async function removeMarkRow(tx: Tx, l: LessonFacts, before: MarkRow, now: Date): Promise<Change> {
  const [after] = await tx<MarkRow[]>`update marks set removed_at = ${now}, updated_at = ${now} where id = ${before.id} returning ${MARK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'mark.removed', entityType: 'mark', entityId: before.id, before, after: after!,
    studentId: before.studentId, classId: l.classId,
    payload: { ...lessonEventBase(l), markId: before.id, previous: { value: before.value, passed: before.passed } },
  }
}

async function liveMark(db: Db, markId: string): Promise<MarkRow | null> {
  const [row] = await db<MarkRow[]>`select ${MARK_COLUMNS(db)} from marks where id = ${markId} and removed_at is null`
  return row ?? null
}

export async function addMark(sql: Sql, ctx: RequestContext, lessonId: string, input: z.infer<typeof markBody>) {
  checkMarkValue(input, '', true)
  return sql.begin(async (tx) => {
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    assertGradedLesson(l, 'marks')
    assertHeld(l, now)
    const wt = pickWorkType(await workTypes(tx, l.schoolId), input.workTypeId)
    studentOf(await lessonStudentIds(tx, l), input.studentId)
    const { row, change } = await insertMark(tx, ctx, l, wt, input.studentId, input, now)
    await recordChanges(tx, ctx, [change])
    return { ...row, workType: wt.name }
  })
}

/** The lesson of a mark, for a write; a mark the actor may not read is "not found". */
async function markForWrite(tx: Tx, ctx: RequestContext, markId: string) {
  const before = await liveMark(tx, markId)
  if (!before) throw errors.notFound('mark', markId)
  try {
    return { before, lesson: await requireLesson(tx, ctx, before.lessonId, 'lesson.write') }
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw errors.notFound('mark', markId)
    throw e
  }
}

export async function changeMark(sql: Sql, ctx: RequestContext, markId: string, input: z.infer<typeof markPatchBody>) {
  checkMarkValue(input, '', false)
  return sql.begin(async (tx) => {
    const now = new Date()
    const { before, lesson } = await markForWrite(tx, ctx, markId)
    const wt = pickWorkType(await workTypes(tx, lesson.schoolId), input.workTypeId ?? before.workTypeId)
    const change = await updateMark(tx, ctx, lesson, before, wt, input, now)
    if (change) await recordChanges(tx, ctx, [change])
    return { ...((change?.after as MarkRow | undefined) ?? before), workType: wt.name }
  })
}

export async function removeMark(sql: Sql, ctx: RequestContext, markId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const { before, lesson } = await markForWrite(tx, ctx, markId)
    await recordChanges(tx, ctx, [await removeMarkRow(tx, lesson, before, new Date())])
  })
}

// ---------------------------------------------------------------- attendance

/** Sets (kind) or clears (null: the student was present) a student's attendance on a lesson. */
async function putAttendance(
  tx: Tx, ctx: RequestContext, l: LessonFacts, studentId: string, kind: AttendanceKind | null, reason: string | undefined, now: Date,
): Promise<Change | null> {
  const [before] = await tx<AttendanceRow[]>`
    select ${ATTENDANCE_COLUMNS(tx)} from attendance where lesson_id = ${l.id} and student_id = ${studentId} and removed_at is null for update`
  const base = { ...lessonEventBase(l), studentId }
  if (kind === null) {
    if (!before) return null
    const [after] = await tx<AttendanceRow[]>`
      update attendance set removed_at = ${now}, updated_at = ${now} where id = ${before.id} returning ${ATTENDANCE_COLUMNS(tx)}`
    return {
      schoolId: l.schoolId, kind: 'attendance.removed', entityType: 'attendance', entityId: before.id, before, after: after!,
      studentId, classId: l.classId, payload: { ...base, attendanceId: before.id, previous: before.kind },
    }
  }
  if (before) {
    const newReason = reason ?? before.reason
    if (before.kind === kind && before.reason === newReason) return null
    const [after] = await tx<AttendanceRow[]>`
      update attendance set kind = ${kind}, reason = ${newReason}, updated_at = ${now} where id = ${before.id} returning ${ATTENDANCE_COLUMNS(tx)}`
    return {
      schoolId: l.schoolId, kind: 'attendance.changed', entityType: 'attendance', entityId: before.id, before, after: after!,
      studentId, classId: l.classId, payload: { ...base, attendanceId: before.id, kind, previous: before.kind },
    }
  }
  const late = now > attendanceDueAt(l.date, l.timezone)
  const [after] = await tx<AttendanceRow[]>`
    insert into attendance (school_id, lesson_id, student_id, kind, reason, entered_at, entered_by, updated_at, late)
    values (${l.schoolId}, ${l.id}, ${studentId}, ${kind}, ${reason ?? null}, ${now}, ${ctx.actor.accountId}, ${now}, ${late})
    returning ${ATTENDANCE_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'attendance.set', entityType: 'attendance', entityId: after!.id, before: null, after: after!,
    studentId, classId: l.classId, payload: { ...base, attendanceId: after!.id, kind, late },
  }
}

export async function setAttendance(
  sql: Sql, ctx: RequestContext, lessonId: string, studentId: string, input: z.infer<typeof attendanceBody> | null,
): Promise<void> {
  await sql.begin(async (tx) => {
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    assertHeld(l, now)
    studentOf(await lessonStudentIds(tx, l), studentId)
    const change = await putAttendance(tx, ctx, l, studentId, input?.kind ?? null, input?.reason, now)
    if (change) await recordChanges(tx, ctx, [change])
  })
}

/**
 * The class teacher (or the lesson's teacher) confirms the reason of an absence later: it
 * becomes ill (б) or excused (уп).
 */
export async function confirmAttendanceReason(sql: Sql, ctx: RequestContext, attendanceId: string, input: z.infer<typeof confirmReasonBody>) {
  return sql.begin(async (tx) => {
    const now = new Date()
    const [before] = await tx<AttendanceRow[]>`
      select ${ATTENDANCE_COLUMNS(tx)} from attendance where id = ${attendanceId} and removed_at is null for update`
    if (!before) throw errors.notFound('attendance', attendanceId)
    const l = await requireLesson(tx, ctx, before.lessonId, 'lesson.read').catch((e: unknown) => {
      if (e instanceof AppError && e.code === 'not_found') throw errors.notFound('attendance', attendanceId)
      throw e
    })
    const classTeacher = can(ctx.actor, 'attendance.confirmReason', { type: 'class', schoolId: l.schoolId, classId: l.classId })
    if (!classTeacher && !can(ctx.actor, 'lesson.write', lessonResource(l))) throw errors.forbidden()
    if (l.yearClosed) throw new AppError('year_closed', 'The school year of this lesson is closed')
    const [after] = await tx<AttendanceRow[]>`
      update attendance set kind = ${input.kind}, reason = ${input.reason}, reason_confirmed_at = ${now},
        reason_confirmed_by = ${ctx.actor.accountId}, updated_at = ${now}
      where id = ${attendanceId} returning ${ATTENDANCE_COLUMNS(tx)}`
    await recordChanges(tx, ctx, [{
      schoolId: l.schoolId, kind: 'attendance.changed', entityType: 'attendance', entityId: attendanceId, before, after: after!,
      studentId: before.studentId, classId: l.classId,
      payload: { ...lessonEventBase(l), studentId: before.studentId, attendanceId, kind: input.kind, previous: before.kind, confirmed: true },
    }])
    return after!
  })
}

// ---------------------------------------------------------------- homework

interface HomeworkRow {
  id: string; schoolId: string; lessonId: string; text: string; pages: string | null; exercises: string | null
  attachments: { name: string; ref: string }[]; dueLessonId: string | null; dueOn: string | null
  enteredAt: Date; enteredBy: string | null; late: boolean; removedAt: Date | null
}
const HOMEWORK_COLUMNS = (db: Db) => db`id, school_id, lesson_id, text, pages, exercises, attachments, due_lesson_id, due_on,
  entered_at, entered_by, late, removed_at`

export async function setHomework(sql: Sql, ctx: RequestContext, lessonId: string, input: z.infer<typeof homeworkBody>) {
  return sql.begin(async (tx) => {
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    const change = await putHomework(tx, ctx, l, input, now)
    if (change) await recordChanges(tx, ctx, [change])
    const [row] = await tx<HomeworkRow[]>`select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null`
    return row!
  })
}

async function putHomework(tx: Tx, ctx: RequestContext, l: LessonFacts, input: z.infer<typeof homeworkBody>, now: Date): Promise<Change | null> {
  assertGradedLesson(l, 'homework')
  if (l.status === 'cancelled') throw errors.rule('The lesson was cancelled')
  const [before] = await tx<HomeworkRow[]>`
    select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null for update`
  const fields = { text: input.text, pages: input.pages ?? null, exercises: input.exercises ?? null, attachments: input.attachments }
  if (before && before.text === fields.text && before.pages === fields.pages && before.exercises === fields.exercises &&
      JSON.stringify(before.attachments) === JSON.stringify(fields.attachments)) return null
  if (before) {
    const [after] = await tx<HomeworkRow[]>`
      update homework set text = ${fields.text}, pages = ${fields.pages}, exercises = ${fields.exercises},
        attachments = ${tx.json(fields.attachments)} where id = ${before.id} returning ${HOMEWORK_COLUMNS(tx)}`
    return {
      schoolId: l.schoolId, kind: 'homework.changed', entityType: 'homework', entityId: before.id, before, after: after!,
      classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: before.id, dueOn: before.dueOn, subgroupId: l.subgroupId },
    }
  }
  // due at the next lesson of the same assignment; late after 1.5 h past the class's last lesson that day
  const [next] = await tx<{ id: string; date: string }[]>`
    select id, date from lessons
    where assignment_id = ${l.assignmentId} and status = 'planned' and (date, lesson_number) > (${l.date}::date, ${l.lessonNumber}::smallint)
    order by date, lesson_number limit 1`
  const [day] = await tx<{ lastEnd: Date }[]>`
    select max(ends_at) as last_end from lessons where class_id = ${l.classId} and date = ${l.date} and status = 'planned'`
  const late = now > homeworkDueAt(day?.lastEnd ?? l.endsAt)
  const [after] = await tx<HomeworkRow[]>`
    insert into homework (school_id, lesson_id, text, pages, exercises, attachments, due_lesson_id, due_on, entered_at, entered_by, late)
    values (${l.schoolId}, ${l.id}, ${fields.text}, ${fields.pages}, ${fields.exercises}, ${tx.json(fields.attachments)},
            ${next?.id ?? null}, ${next?.date ?? null}, ${now}, ${ctx.actor.accountId}, ${late})
    returning ${HOMEWORK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'homework.set', entityType: 'homework', entityId: after!.id, before: null, after: after!,
    classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: after!.id, dueOn: after!.dueOn, subgroupId: l.subgroupId, late },
  }
}

export async function removeHomework(sql: Sql, ctx: RequestContext, lessonId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    const [before] = await tx<HomeworkRow[]>`
      select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null for update`
    if (!before) throw errors.notFound('homework of lesson', lessonId)
    const [after] = await tx<HomeworkRow[]>`update homework set removed_at = now() where id = ${before.id} returning ${HOMEWORK_COLUMNS(tx)}`
    await recordChanges(tx, ctx, [{
      schoolId: l.schoolId, kind: 'homework.removed', entityType: 'homework', entityId: before.id, before, after: after!,
      classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: before.id, subgroupId: l.subgroupId },
    }])
  })
}

// ---------------------------------------------------------------- final marks

interface FinalMarkRow {
  id: string; schoolId: string; periodId: string; classId: string; subjectId: string; studentId: string
  value: number | null; passed: boolean | null; status: 'exempt' | 'not_attested' | 'ungraded' | null
  comment: string | null; enteredAt: Date; enteredBy: string | null; updatedAt: Date; late: boolean; removedAt: Date | null
}
const FINAL_COLUMNS = (db: Db) => db`id, school_id, period_id, class_id, subject_id, student_id, value, passed, status, comment,
  entered_at, entered_by, updated_at, late, removed_at`

/** Sets a student's final mark for a period and subject (a value, pass/fail or a status). */
export async function setFinalMark(sql: Sql, ctx: RequestContext, input: z.infer<typeof finalMarkBody>) {
  if ([input.value, input.passed, input.status].filter((x) => x !== undefined).length !== 1)
    throw errors.validation([{ path: 'value', message: 'give exactly one of value (1–5), passed (зачёт/незачёт) or status' }])
  return sql.begin(async (tx) => {
    const now = new Date()
    const [p] = await tx<{ schoolId: string; timezone: string; endsOn: string; startsOn: string; gradeFrom: number; gradeTo: number; academicYearId: string; yearClosed: boolean }[]>`
      select p.school_id, s.timezone, p.starts_on, p.ends_on, p.grade_from, p.grade_to, p.academic_year_id, y.closed_at is not null as year_closed
      from periods p join schools s on s.id = p.school_id join academic_years y on y.id = p.academic_year_id
      where p.id = ${input.periodId}`
    if (!p) throw errors.invalidReference(`period ${input.periodId} does not exist`)
    // the student's class in that year during the period (the latest, after a transfer)
    const [cls] = await tx<{ classId: string; grade: number }[]>`
      select c.id as class_id, c.grade from enrolments e join classes c on c.id = e.class_id
      where e.student_id = ${input.studentId} and c.academic_year_id = ${p.academicYearId} and c.school_id = ${p.schoolId}
        and e.started_on <= ${p.endsOn} and (e.ended_on is null or e.ended_on >= ${p.startsOn})
      order by e.started_on desc limit 1`
    if (!cls) throw errors.invalidReference(`student ${input.studentId} is not in a class of this school during the period`)
    const teaching = await subjectTeaching(tx, cls.classId, input.subjectId, p.schoolId)
    if (!can(ctx.actor, 'finalMark.write', teaching)) {
      // who may see the student (their teachers, the class teacher, the administration) is
      // refused; anyone else learns nothing of them
      const student = await personResource(tx, input.studentId)
      throw student && can(ctx.actor, 'person.read', student) ? errors.forbidden() : errors.notFound('student', input.studentId)
    }
    if (p.yearClosed) throw new AppError('year_closed', 'The school year of this period is closed')
    if (cls.grade < p.gradeFrom || cls.grade > p.gradeTo) throw errors.rule(`The period does not apply to grade ${cls.grade}`)
    if (cls.grade === 1 && input.status !== 'ungraded') throw errors.rule('Grade 1 is taught without marks (school14 3.6): only the status «безотметочное» applies')
    const [before] = await tx<FinalMarkRow[]>`
      select ${FINAL_COLUMNS(tx)} from final_marks
      where period_id = ${input.periodId} and subject_id = ${input.subjectId} and student_id = ${input.studentId} and removed_at is null
      for update`
    const value = input.value ?? null, passed = input.passed ?? null, status = input.status ?? null, comment = input.comment ?? null
    if (before && before.value === value && before.passed === passed && before.status === status && before.comment === comment) return before
    const late = now > finalMarkDueAt(p.endsOn, p.timezone)
    const [after] = before
      ? await tx<FinalMarkRow[]>`
          update final_marks set value = ${value}, passed = ${passed}, status = ${status}, comment = ${comment}, updated_at = ${now}
          where id = ${before.id} returning ${FINAL_COLUMNS(tx)}`
      : await tx<FinalMarkRow[]>`
          insert into final_marks (school_id, period_id, class_id, subject_id, student_id, value, passed, status, comment, entered_at, entered_by, updated_at, late)
          values (${p.schoolId}, ${input.periodId}, ${cls.classId}, ${input.subjectId}, ${input.studentId}, ${value}, ${passed}, ${status},
                  ${comment}, ${now}, ${ctx.actor.accountId}, ${now}, ${late})
          returning ${FINAL_COLUMNS(tx)}`
    await recordChanges(tx, ctx, [{
      schoolId: p.schoolId, kind: before ? 'final_mark.changed' : 'final_mark.set', entityType: 'final_mark', entityId: after!.id,
      before: before ?? null, after: after!, studentId: input.studentId, classId: cls.classId,
      payload: {
        finalMarkId: after!.id, periodId: input.periodId, subjectId: input.subjectId, value, passed, status,
        ...(before ? { previous: { value: before.value, passed: before.passed, status: before.status } } : { late }),
      },
    }])
    return after!
  })
}

export async function removeFinalMark(sql: Sql, ctx: RequestContext, finalMarkId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const [before] = await tx<FinalMarkRow[]>`select ${FINAL_COLUMNS(tx)} from final_marks where id = ${finalMarkId} and removed_at is null for update`
    if (!before) throw errors.notFound('final mark', finalMarkId)
    const teaching = await subjectTeaching(tx, before.classId, before.subjectId, before.schoolId)
    if (!can(ctx.actor, 'finalMark.write', teaching)) {
      const readable = can(ctx.actor, 'class.readJournal', { type: 'class', schoolId: before.schoolId, classId: before.classId })
      throw readable ? errors.forbidden() : errors.notFound('final mark', finalMarkId)
    }
    const [after] = await tx<FinalMarkRow[]>`update final_marks set removed_at = now() where id = ${finalMarkId} returning ${FINAL_COLUMNS(tx)}`
    await recordChanges(tx, ctx, [{
      schoolId: before.schoolId, kind: 'final_mark.removed', entityType: 'final_mark', entityId: finalMarkId, before, after: after!,
      studentId: before.studentId, classId: before.classId,
      payload: { finalMarkId, periodId: before.periodId, subjectId: before.subjectId, previous: { value: before.value, passed: before.passed, status: before.status } },
    }])
  })
}

/** Final marks of a class for a period: for its class teacher, the administration and the subject teachers. */
export async function classFinalMarks(sql: Sql, ctx: RequestContext, classId: string, periodId: string) {
  const c = await requireClass(sql, ctx, classId, 'class.readRoster')
  const teachesHere = await sql<{ subjectId: string }[]>`
    select distinct subject_id from teaching_assignments where class_id = ${classId} and teacher_id in ${sql(ctx.actor.personIds.length ? ctx.actor.personIds : ['00000000-0000-0000-0000-000000000000'])}`
  const readsAll = can(ctx.actor, 'class.readJournal', { type: 'class', schoolId: c.schoolId, classId })
  if (!readsAll && teachesHere.length === 0) throw errors.forbidden()
  const subjects = readsAll ? null : teachesHere.map((t) => t.subjectId)
  return sql<FinalMarkRow[]>`
    select ${FINAL_COLUMNS(sql)} from final_marks
    where class_id = ${classId} and period_id = ${periodId} and removed_at is null
      ${subjects ? sql`and subject_id in ${sql(subjects)}` : sql``}
    order by subject_id, student_id`
}

// ---------------------------------------------------------------- the grid

const GRID_OPERATION = 'lesson.grid'

function requestHash(lessonId: string, body: GridBody): string {
  const { requestId: _id, ...rest } = body
  return createHash('sha256').update(JSON.stringify({ lessonId, ...rest })).digest('hex')
}

/**
 * The teacher's save of a whole lesson: topic, attendance and marks in one request and one
 * transaction. Idempotent under the client's request id: the first request's answer is stored
 * with its changes, and a retry gets that answer back and changes nothing. The same id with a
 * different request is refused (idempotency_key_reused).
 */
export async function saveLessonGrid(sql: Sql, ctx: RequestContext, lessonId: string, body: GridBody): Promise<{ replayed: boolean; result: unknown }> {
  for (const [i, m] of body.marks.entries()) checkMarkValue(m, `marks.${i}.`, !m.markId)
  const hash = requestHash(lessonId, body)
  return sql.begin(async (tx) => {
    // claim the id first: a concurrent retry waits here for this transaction, then replays
    const claimed = await tx`
      insert into idempotency_keys (account_id, key, operation, request_hash, response)
      values (${ctx.actor.accountId}, ${body.requestId}, ${GRID_OPERATION}, ${hash}, 'null')
      on conflict do nothing returning 1`
    if (claimed.length === 0) {
      const [prior] = await tx<{ operation: string; requestHash: string; response: unknown }[]>`
        select operation, request_hash, response from idempotency_keys where account_id = ${ctx.actor.accountId} and key = ${body.requestId}`
      if (!prior || prior.operation !== GRID_OPERATION || prior.requestHash !== hash)
        throw new AppError('idempotency_key_reused', 'This request id was already used for a different request')
      return { replayed: true, result: prior.response }
    }
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    if (body.marks.length || body.removeMarkIds.length) assertGradedLesson(l, 'marks')
    if (body.marks.length || body.removeMarkIds.length || body.attendance.length) assertHeld(l, now)
    const students = await lessonStudentIds(tx, l)
    const types = await workTypes(tx, l.schoolId)
    const changes: Change[] = []

    if (body.topic !== undefined && body.topic !== l.topic) {
      const [after] = await tx`update lessons set topic = ${body.topic}, updated_at = ${now} where id = ${l.id} returning id, topic`
      changes.push({
        schoolId: l.schoolId, kind: 'lesson.changed', entityType: 'lesson', entityId: l.id, before: { id: l.id, topic: l.topic },
        after: after!, classId: l.classId, payload: { ...lessonEventBase(l), fields: ['topic'] },
      })
    }
    const seen = new Set<string>()
    for (const [i, a] of body.attendance.entries()) {
      if (seen.has(a.studentId)) throw errors.validation([{ path: `attendance.${i}.studentId`, message: 'the student appears twice' }])
      seen.add(a.studentId)
      studentOf(students, a.studentId)
      const c = await putAttendance(tx, ctx, l, a.studentId, a.kind, a.reason, now)
      if (c) changes.push(c)
    }
    for (const markId of body.removeMarkIds) {
      const before = await liveMark(tx, markId)
      if (!before || before.lessonId !== l.id) throw errors.invalidReference(`mark ${markId} is not a mark of this lesson`)
      changes.push(await removeMarkRow(tx, l, before, now))
    }
    for (const m of body.marks) {
      studentOf(students, m.studentId)
      if (m.markId) {
        const before = await liveMark(tx, m.markId)
        if (!before || before.lessonId !== l.id || before.studentId !== m.studentId)
          throw errors.invalidReference(`mark ${m.markId} is not this student's mark on this lesson`)
        const c = await updateMark(tx, ctx, l, before, pickWorkType(types, m.workTypeId ?? before.workTypeId), m, now)
        if (c) changes.push(c)
      } else {
        changes.push((await insertMark(tx, ctx, l, pickWorkType(types, m.workTypeId), m.studentId, m, now)).change)
      }
    }
    const result = { changes: changes.length, journal: await lessonJournal(tx, l) }
    // last: the audit insert locks the school's chain head until commit, so nothing else waits behind it
    await recordChanges(tx, ctx, changes)
    await tx`update idempotency_keys set response = ${tx.json(JSON.parse(JSON.stringify(result)))}
             where account_id = ${ctx.actor.accountId} and key = ${body.requestId}`
    return { replayed: false, result }
  })
}

/** Attendance per lesson (н, б, уп, оп) and the later confirmation of its reason. */
import { can } from '../auth/policy.ts'
import type { Sql, Tx } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { lessonResource, lessonStudentIds, requireLesson, type LessonFacts } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import type { z } from 'zod'
import type { attendanceBody, confirmReasonBody } from './schema.ts'
import { attendanceDueAt } from './time.ts'
import {
  ATTENDANCE_COLUMNS, assertHeld, lessonEventBase, studentOf, type AttendanceKind, type AttendanceRow,
} from './entry-rules.ts'


/** Sets (kind) or clears (null: the student was present) a student's attendance on a lesson. */
export async function putAttendance(
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

/**
 * What every journal entry shares: the row shapes of marks and attendance, the work types, and
 * the regulation checks — grade 1 gets no marks and no homework (school14 3.6); marks and
 * attendance wait for the lesson's day; a student must attend the lesson. Entries live in
 * marks.ts, attendance.ts, homework.ts, final-marks.ts and grid.ts; each change goes with its
 * audit row and one outbox event in the same transaction (changes.ts), and an entry that
 * changes nothing records nothing. Late entries are accepted and flagged (time.ts).
 */
import type { Db } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { LessonFacts } from './access.ts'
import type { z } from 'zod'
import type { attendanceKind } from './schema.ts'
import { localDate } from './time.ts'

export type AttendanceKind = z.infer<typeof attendanceKind>

export interface MarkRow {
  id: string; schoolId: string; lessonId: string; studentId: string; value: number | null; passed: boolean | null
  workTypeId: string; weight: number; comment: string | null; enteredAt: Date; enteredBy: string | null
  updatedAt: Date; late: boolean; removedAt: Date | null
}
export interface AttendanceRow {
  id: string; schoolId: string; lessonId: string; studentId: string; kind: AttendanceKind; reason: string | null
  reasonConfirmedAt: Date | null; reasonConfirmedBy: string | null; enteredAt: Date; enteredBy: string | null
  updatedAt: Date; late: boolean; removedAt: Date | null
}
export interface WorkType { id: string; name: string; weight: number; deadlineDays: number; isDefault: boolean }

export const MARK_COLUMNS = (db: Db) => db`id, school_id, lesson_id, student_id, value, passed, work_type_id, weight::float8 as weight,
  comment, entered_at, entered_by, updated_at, late, removed_at`
export const ATTENDANCE_COLUMNS = (db: Db) => db`id, school_id, lesson_id, student_id, kind, reason, reason_confirmed_at,
  reason_confirmed_by, entered_at, entered_by, updated_at, late, removed_at`

// ---------------------------------------------------------------- shared checks

export function assertGradedLesson(l: LessonFacts, what: 'marks' | 'homework'): void {
  if (l.grade === 1) throw errors.rule(`Grade 1 gets no ${what} (school14 3.6)`)
}

export function assertHeld(l: LessonFacts, now: Date): void {
  if (l.status === 'cancelled') throw errors.rule('The lesson was cancelled')
  if (l.date > localDate(now, l.timezone)) throw errors.rule('The lesson has not taken place yet')
}

export async function workTypes(db: Db, schoolId: string): Promise<WorkType[]> {
  return db<WorkType[]>`select id, name, weight::float8 as weight, deadline_days, is_default from work_types where school_id = ${schoolId}`
}

export function pickWorkType(types: WorkType[], id: string | undefined): WorkType {
  const wt = id ? types.find((t) => t.id === id) : types.find((t) => t.isDefault)
  if (!wt) throw errors.invalidReference(id ? `work type ${id} is not a work type of this school` : 'the school has no default work type')
  return wt
}

export function studentOf(students: Set<string>, studentId: string): string {
  if (!students.has(studentId)) throw errors.invalidReference(`student ${studentId} does not attend this lesson`)
  return studentId
}

/** A new mark needs exactly one of value and passed; a correction at most one. */
export function checkMarkValue(m: { value?: number | undefined; passed?: boolean | undefined }, path: string, isNew: boolean): void {
  const given = Number(m.value !== undefined) + Number(m.passed !== undefined)
  if (given > 1 || (isNew && given === 0))
    throw errors.validation([{ path: `${path}value`, message: 'give either value (1–5) or passed (pass/fail)' }])
}

export const lessonEventBase = (l: LessonFacts) => ({ lessonId: l.id, subjectId: l.subjectId, date: l.date })

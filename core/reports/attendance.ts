/**
 * The attendance summary of a class over a period or a date range: per student the lessons
 * missed, of them for illness (б), with an excuse (уп) and without (н), late arrivals (оп)
 * apart, and the days missed. Counted over the lessons that took place (not cancelled, not in
 * the future) at which the student was expected (enrolled then; a subgroup's member then).
 * A confirmed reason turns an «н» into «б» or «уп» (core/journal/attendance.ts), so the kind
 * of the entry is what counts.
 */
import type { Db } from '../db/connect.ts'
import { classHead, classPeriod, classRoster, EXPECTED_STUDENTS, heldUntil, scopeRange, type DateRange } from './common.ts'
import { printNumber } from './format.ts'
import { percent } from './rules.ts'
import type { AttendanceCounts, AttendanceReport } from './schema.ts'
import { printDoc, type PrintDoc } from '../print/index.ts'

export type AttendanceScope = { periodId: string } | DateRange

const ZERO: AttendanceCounts = {
  lessons: 0, missed: 0, ill: 0, excused: 0, unexcused: 0, late: 0, daysMissed: 0, daysIll: 0, daysExcused: 0, daysUnexcused: 0,
}

export async function attendanceSummary(db: Db, classId: string, scope: AttendanceScope, now = new Date()): Promise<AttendanceReport> {
  const { school, cls } = await classHead(db, classId)
  const { period, range } = await scopeRange(scope, (id) => classPeriod(db, cls, id))
  const until = heldUntil(range.to, school.timezone, now)
  const roster = await classRoster(db, classId, range.from, range.to)
  // per student and day: lessons expected, and the entries of each kind; a day is missed when
  // every lesson the student had that day was missed
  const rows = await db<(AttendanceCounts & { studentId: string })[]>`
    with day as (
      select e.student_id, l.date, count(*)::int as lessons,
        count(*) filter (where a.kind in ('absent', 'ill', 'excused'))::int as missed,
        count(*) filter (where a.kind = 'ill')::int as ill,
        count(*) filter (where a.kind = 'excused')::int as excused,
        count(*) filter (where a.kind = 'absent')::int as unexcused,
        count(*) filter (where a.kind = 'late')::int as late
      from lessons l ${EXPECTED_STUDENTS(db)}
      left join attendance a on a.lesson_id = l.id and a.student_id = e.student_id and a.removed_at is null
      where l.class_id = ${classId} and l.status = 'planned' and l.date between ${range.from} and ${until}
      group by e.student_id, l.date)
    select student_id, sum(lessons)::int as lessons, sum(missed)::int as missed, sum(ill)::int as ill,
      sum(excused)::int as excused, sum(unexcused)::int as unexcused, sum(late)::int as late,
      count(*) filter (where missed = lessons)::int as days_missed,
      count(*) filter (where missed = lessons and ill = lessons)::int as days_ill,
      count(*) filter (where missed = lessons and ill < lessons and unexcused = 0)::int as days_excused,
      count(*) filter (where missed = lessons and unexcused > 0)::int as days_unexcused
    from day group by student_id`
  const [held] = await db<{ lessonsHeld: number; schoolDays: number }[]>`
    select count(distinct (l.date, l.lesson_number))::int as lessons_held, count(distinct l.date)::int as school_days
    from lessons l where l.class_id = ${classId} and l.status = 'planned' and l.date between ${range.from} and ${until}`
  const byStudent = new Map(rows.map(({ studentId, ...c }) => [studentId, c]))
  const students = roster.map((s, i) => ({
    number: i + 1, id: s.id, name: s.name, arrivedOn: s.arrivedOn, leftOn: s.leftOn, ...(byStudent.get(s.id) ?? ZERO),
  }))
  const totals = { ...ZERO }
  for (const s of students) for (const k of Object.keys(ZERO) as (keyof AttendanceCounts)[]) totals[k] += s[k]
  return {
    school, class: cls, period, from: range.from, to: range.to, heldUntil: until,
    lessonsHeld: held?.lessonsHeld ?? 0, schoolDays: held?.schoolDays ?? 0, students,
    totals: { ...totals, attendancePercent: percent(totals.lessons - totals.missed, totals.lessons) },
  }
}

export function attendanceDoc(report: AttendanceReport): PrintDoc {
  return printDoc('report-attendance', {
    ...report,
    attendancePercent: printNumber(report.totals.attendancePercent, 1),
  })
}

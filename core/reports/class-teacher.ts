/**
 * The class teacher's period report: the class's composition and its movement, the summary
 * sheet's tallies, attendance totals, who fails and in what, who missed many lessons without
 * an excuse, and which subjects still lack final marks.
 */
import type { Db } from '../db/connect.ts'
import { printDoc, type PrintDoc } from '../print/index.ts'
import { attendanceSummary } from './attendance.ts'
import { byName, ru, staffName, studentName } from './common.ts'
import { printNumber } from './format.ts'
import type { ClassTeacherReport } from './schema.ts'
import { summarySheet } from './summary-sheet.ts'

/** A student who missed this many lessons or more without an excuse (н) in the period is named in the report. */
export const UNEXCUSED_LESSONS_THRESHOLD = 10

export async function classTeacherReport(db: Db, classId: string, periodId: string, now = new Date()): Promise<ClassTeacherReport> {
  const sheet = await summarySheet(db, classId, periodId)
  const { period } = sheet
  const attendance = await attendanceSummary(db, classId, { periodId }, now)

  // the movement: enrolments that began or ended inside the period, with the order of the
  // movement book when there is one
  const moves = await db<{ lastName: string; firstName: string; middleName: string | null; date: string; arrived: boolean; orderNumber: string | null }[]>`
    select p.last_name, p.first_name, p.middle_name, e.started_on as date, true as arrived,
      (select m.order_number from movements m where m.student_id = e.student_id and m.to_class_id = e.class_id
         and m.occurred_on = e.started_on order by m.recorded_at desc limit 1) as order_number
    from enrolments e join persons p on p.id = e.student_id
    where e.class_id = ${classId} and e.started_on > ${period.startsOn} and e.started_on <= ${period.endsOn}
    union all
    select p.last_name, p.first_name, p.middle_name, e.ended_on as date, false as arrived,
      (select m.order_number from movements m where m.student_id = e.student_id and m.from_class_id = e.class_id
         and m.occurred_on = e.ended_on + 1 order by m.recorded_at desc limit 1) as order_number
    from enrolments e join persons p on p.id = e.student_id
    where e.class_id = ${classId} and e.ended_on >= ${period.startsOn} and e.ended_on < ${period.endsOn}`
  const [counts] = await db<{ atStart: number; atEnd: number }[]>`
    select count(distinct student_id) filter (where started_on <= ${period.startsOn} and (ended_on is null or ended_on >= ${period.startsOn}))::int as at_start,
      count(distinct student_id) filter (where started_on <= ${period.endsOn} and (ended_on is null or ended_on >= ${period.endsOn}))::int as at_end
    from enrolments where class_id = ${classId}`
  const dated = (arrived: boolean) => moves.filter((m) => m.arrived === arrived)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : byName(a, b)))
    .map((m) => ({ name: studentName(m), date: m.date, orderNumber: m.orderNumber }))

  // subjects where a student on the roll has no final mark yet, with their teachers
  const onRoll = sheet.students.filter((s) => s.onRoll)
  const teachers = await db<{ subjectId: string; lastName: string; firstName: string; middleName: string | null }[]>`
    select distinct a.subject_id, p.last_name, p.first_name, p.middle_name
    from teaching_assignments a join persons p on p.id = a.teacher_id where a.class_id = ${classId}`
  const missingFinals = sheet.subjects.flatMap((sj, k) => {
    const missing = onRoll.filter((s) => s.finals[k] === null).length
    if (missing === 0) return []
    const names = teachers.filter((t) => t.subjectId === sj.id).sort(byName).map(staffName)
    return [{ subject: sj.name, teachers: names, missing, students: onRoll.length }]
  }).sort((a, b) => ru.compare(a.subject, b.subject))

  const { totals } = attendance
  return {
    school: sheet.school, class: sheet.class, period,
    composition: { atStart: counts?.atStart ?? 0, arrived: dated(true), left: dated(false), atEnd: counts?.atEnd ?? 0 },
    tallies: sheet.totals,
    attendance: { ...totals, lessonsHeld: attendance.lessonsHeld, schoolDays: attendance.schoolDays },
    unexcusedThreshold: UNEXCUSED_LESSONS_THRESHOLD,
    unexcused: attendance.students
      .filter((s) => s.unexcused >= UNEXCUSED_LESSONS_THRESHOLD)
      .sort((a, b) => b.unexcused - a.unexcused || ru.compare(a.name, b.name))
      .map((s) => ({ name: s.name, lessons: s.unexcused, days: s.daysUnexcused })),
    missingFinals,
  }
}

export function classTeacherDoc(report: ClassTeacherReport): PrintDoc {
  const t = report.tallies
  return printDoc('report-class-teacher', {
    ...report,
    print: {
      progress: printNumber(t.progressPercent, 1), quality: printNumber(t.qualityPercent, 1), sou: printNumber(t.sou, 1),
      attendance: printNumber(report.attendance.attendancePercent, 1),
    },
  })
}

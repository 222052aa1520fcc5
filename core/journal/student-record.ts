/**
 * A student's record beside the diary, for readers that already checked access (the bots:
 * the chat's children list is the check): the periods of the student's classes, all kinds
 * including the year, with the final marks; the marks of a date range with their details; the
 * absences of a date range. One statement each, on the student's indexes.
 */
import type { Db } from '../db/connect.ts'

export interface StudentPeriod {
  id: string
  academicYearId: string
  kind: 'quarter' | 'trimester' | 'half' | 'year'
  number: number
  startsOn: string
  endsOn: string
  finals: { subjectId: string; subject: string; value: number | null; passed: boolean | null; status: 'exempt' | 'not_attested' | 'ungraded' | null; comment: string | null }[]
}

export interface StudentMark {
  id: string
  date: string
  lessonNumber: number
  subjectId: string
  subject: string
  value: number | null
  passed: boolean | null
  workType: string
  weight: number
  comment: string | null
}

export interface StudentAbsence {
  date: string
  lessonNumber: number
  subject: string
  kind: 'absent' | 'ill' | 'excused' | 'late'
  reason: string | null
  confirmed: boolean
}

/** The periods of every class the student was enrolled in while the period ran, oldest first. */
export async function studentPeriods(db: Db, studentId: string): Promise<StudentPeriod[]> {
  return db<StudentPeriod[]>`
    with sp as (
      select distinct p.id, p.academic_year_id, p.kind, p.number, p.starts_on, p.ends_on
      from enrolments e join classes c on c.id = e.class_id
      join periods p on p.academic_year_id = c.academic_year_id and c.grade between p.grade_from and p.grade_to
      where e.student_id = ${studentId} and e.started_on <= p.ends_on and (e.ended_on is null or e.ended_on >= p.starts_on))
    select sp.id, sp.academic_year_id, sp.kind, sp.number, sp.starts_on, sp.ends_on,
      coalesce((select json_agg(json_build_object('subjectId', f.subject_id, 'subject', sj.name, 'value', f.value,
                  'passed', f.passed, 'status', f.status, 'comment', f.comment) order by sj.name)
        from final_marks f join subjects sj on sj.id = f.subject_id
        where f.student_id = ${studentId} and f.period_id = sp.id and f.removed_at is null), '[]') as finals
    from sp order by sp.starts_on, sp.ends_on`
}

/** The student's live marks of lessons in from..to, in the order they were given. */
export async function studentMarks(db: Db, studentId: string, from: string, to: string): Promise<StudentMark[]> {
  return db<StudentMark[]>`
    select m.id, l.date, l.lesson_number, l.subject_id, sj.name as subject, m.value, m.passed, w.name as work_type,
      m.weight::float8 as weight, m.comment
    from marks m join lessons l on l.id = m.lesson_id join subjects sj on sj.id = l.subject_id
    join work_types w on w.id = m.work_type_id
    where m.student_id = ${studentId} and m.removed_at is null and l.date between ${from} and ${to}
    order by l.date, l.lesson_number, m.entered_at, m.id`
}

/** The student's attendance entries (absences and lateness) of lessons in from..to, newest first. */
export async function studentAbsences(db: Db, studentId: string, from: string, to: string): Promise<StudentAbsence[]> {
  return db<StudentAbsence[]>`
    select l.date, l.lesson_number, sj.name as subject, a.kind, a.reason, a.reason_confirmed_at is not null as confirmed
    from attendance a join lessons l on l.id = a.lesson_id join subjects sj on sj.id = l.subject_id
    where a.student_id = ${studentId} and a.removed_at is null and l.date between ${from} and ${to}
    order by l.date desc, l.lesson_number desc`
}

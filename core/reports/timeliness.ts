/**
 * Journal filling and timeliness per teacher × class × subject (наполняемость и
 * своевременность, school14 4.4.3–4.4.4) over a date range or a period. The deadlines are the
 * journal's own (core/journal/time.ts): a mark is late when it was entered after its work
 * type's deadline (the lesson's day, +3 days for tests, +10 for written work) — the `late` flag
 * core/journal/marks.ts stores at entry; homework when entered later than 1.5 h after the
 * class's last lesson of the day — homework.late; a final mark after the period's end —
 * final_marks.late. A final mark entered before the period's last week is counted as early.
 *
 * Lessons are the teacher's who taught them: the substitute of a replaced lesson. The КТП is
 * counted per teaching assignment, from the start of the year: «due» are the plan topics the
 * timetable has reached by the range's end (every lesson of the assignment so far, cancelled
 * ones too, at most the plan's length); «covered» the plan topics of lessons held; a
 * cancelled lesson therefore leaves the plan behind.
 */
import type { Db } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { printDoc, type PrintDoc } from '../print/index.ts'
import { addDays } from '../journal/time.ts'
import { byName, EXPECTED_STUDENTS, heldUntil, ru, schoolHead, schoolPeriod, scopeRange, staffName, type DateRange } from './common.ts'
import { printNumber } from './format.ts'
import { round } from './rules.ts'
import type { TimelinessReport, TimelinessRow } from './schema.ts'

/** Final marks are due in the period's last week (school26 2.13): its last this many days. */
export const FINALS_WINDOW_DAYS = 7

export type TimelinessScope = ({ periodId: string } | DateRange) & { teacherId?: string | undefined }

type Key = `${string}|${string}|${string}`
type Counts = Omit<TimelinessRow, 'teacherId' | 'teacher' | 'classId' | 'class' | 'subjectId' | 'subject'>

const zero = (): Counts => ({
  lessonsHeld: 0, lessonsCancelled: 0, lessonsWithTopic: 0, planTopics: null, planDue: null, planCovered: null, planBehind: null,
  students: 0, marks: 0, marksPerStudent: null, marksLate: 0, marksLateSameDay: 0, marksLateTest: 0, marksLateWritten: 0,
  homework: 0, homeworkLate: 0, finals: 0, finalsEarly: 0, finalsLate: 0,
})

export async function timelinessReport(db: Db, schoolId: string, scope: TimelinessScope, now = new Date()): Promise<TimelinessReport> {
  const school = await schoolHead(db, schoolId)
  const { period, range } = await scopeRange(scope, (id) => schoolPeriod(db, schoolId, id))
  const teacherId = scope.teacherId ?? null
  let teacher: { id: string; name: string } | null = null
  if (teacherId) {
    const [t] = await db<{ id: string; lastName: string; firstName: string; middleName: string | null }[]>`
      select id, last_name, first_name, middle_name from persons where id = ${teacherId} and school_id = ${schoolId} and kind = 'staff'`
    if (!t) throw errors.validation([{ path: 'teacherId', message: 'is not a staff member of this school' }])
    teacher = { id: t.id, name: staffName(t) }
  }
  const until = heldUntil(range.to, school.timezone, now)
  // the teacher a row belongs to: who taught the lesson, whose assignment, who entered the final
  const TEACHER = {
    taught: db`coalesce(l.substitute_teacher_id, l.teacher_id)`,
    assigned: db`a.teacher_id`,
    entered: db`ap.person_id`,
  }
  const taughtBy = TEACHER.taught
  const who = (col: keyof typeof TEACHER) => (teacherId ? db`and ${TEACHER[col]} = ${teacherId}` : db``)

  const rows = new Map<Key, Counts & { teacherId: string; classId: string; subjectId: string }>()
  const row = (t: string, c: string, s: string) => {
    const k: Key = `${t}|${c}|${s}`
    let r = rows.get(k)
    if (!r) rows.set(k, r = { teacherId: t, classId: c, subjectId: s, ...zero() })
    return r
  }
  type Ids = { teacherId: string; classId: string; subjectId: string }

  // lessons held and cancelled, topics, homework
  for (const x of await db<(Ids & { held: number; cancelled: number; withTopic: number; homework: number; homeworkLate: number })[]>`
    select ${taughtBy} as teacher_id, l.class_id, l.subject_id,
      count(*) filter (where l.status = 'planned' and l.date <= ${until})::int as held,
      count(*) filter (where l.status = 'cancelled')::int as cancelled,
      count(*) filter (where l.status = 'planned' and l.date <= ${until} and l.topic is not null)::int as with_topic,
      count(h.id) filter (where l.status = 'planned')::int as homework,
      count(h.id) filter (where l.status = 'planned' and h.late)::int as homework_late
    from lessons l left join homework h on h.lesson_id = l.id and h.removed_at is null
    where l.school_id = ${schoolId} and l.date between ${range.from} and ${range.to} ${who('taught')}
    group by 1, 2, 3`) {
    Object.assign(row(x.teacherId, x.classId, x.subjectId), {
      lessonsHeld: x.held, lessonsCancelled: x.cancelled, lessonsWithTopic: x.withTopic, homework: x.homework, homeworkLate: x.homeworkLate,
    })
  }

  // the students taught: expected at the lessons held
  for (const x of await db<(Ids & { students: number })[]>`
    select ${taughtBy} as teacher_id, l.class_id, l.subject_id, count(distinct e.student_id)::int as students
    from lessons l ${EXPECTED_STUDENTS(db)}
    where l.school_id = ${schoolId} and l.status = 'planned' and l.date between ${range.from} and ${until} ${who('taught')}
    group by 1, 2, 3`) row(x.teacherId, x.classId, x.subjectId).students = x.students

  // marks of the lessons held, and the late ones by their work type's deadline
  for (const x of await db<(Ids & { marks: number; late: number; lateSameDay: number; lateTest: number; lateWritten: number })[]>`
    select ${taughtBy} as teacher_id, l.class_id, l.subject_id, count(*)::int as marks,
      count(*) filter (where m.late)::int as late,
      count(*) filter (where m.late and w.deadline_days = 0)::int as late_same_day,
      count(*) filter (where m.late and w.deadline_days between 1 and 3)::int as late_test,
      count(*) filter (where m.late and w.deadline_days > 3)::int as late_written
    from marks m join lessons l on l.id = m.lesson_id join work_types w on w.id = m.work_type_id
    where m.removed_at is null and l.school_id = ${schoolId} and l.status = 'planned'
      and l.date between ${range.from} and ${until} ${who('taught')}
    group by 1, 2, 3`) {
    Object.assign(row(x.teacherId, x.classId, x.subjectId), {
      marks: x.marks, marksLate: x.late, marksLateSameDay: x.lateSameDay, marksLateTest: x.lateTest, marksLateWritten: x.lateWritten,
    })
  }

  // the КТП of the assignments of classes whose year overlaps the range
  for (const x of await db<(Ids & { topics: number; due: number; covered: number })[]>`
    select a.teacher_id, a.class_id, a.subject_id,
      sum(pt.topics)::int as topics,
      sum(least(pt.topics, (select count(*) from lessons l where l.assignment_id = a.id and l.date <= ${until})))::int as due,
      sum((select count(distinct l.plan_topic_id) from lessons l
           where l.assignment_id = a.id and l.status = 'planned' and l.date <= ${until}))::int as covered
    from teaching_assignments a
    join classes c on c.id = a.class_id join academic_years y on y.id = c.academic_year_id
    cross join lateral (select count(*)::int as topics from plan_topics where assignment_id = a.id) pt
    where a.school_id = ${schoolId} and y.starts_on <= ${range.to} and y.ends_on >= ${range.from} and pt.topics > 0
      ${who('assigned')}
    group by 1, 2, 3`) {
    Object.assign(row(x.teacherId, x.classId, x.subjectId), {
      planTopics: x.topics, planDue: x.due, planCovered: x.covered, planBehind: Math.max(0, x.due - x.covered),
    })
  }

  // final marks of the periods that end in the range, by the teacher who entered them
  for (const x of await db<(Ids & { finals: number; early: number; late: number })[]>`
    select ap.person_id as teacher_id, f.class_id, f.subject_id, count(*)::int as finals,
      count(*) filter (where (f.entered_at at time zone ${school.timezone})::date < p.ends_on - ${FINALS_WINDOW_DAYS - 1}::int)::int as early,
      count(*) filter (where f.late)::int as late
    from final_marks f join periods p on p.id = f.period_id
    join account_persons ap on ap.account_id = f.entered_by
    join persons t on t.id = ap.person_id and t.kind = 'staff' and t.school_id = ${schoolId}
    where f.school_id = ${schoolId} and f.removed_at is null and p.ends_on between ${range.from} and ${range.to}
      ${who('entered')}
    group by 1, 2, 3`) {
    Object.assign(row(x.teacherId, x.classId, x.subjectId), { finals: x.finals, finalsEarly: x.early, finalsLate: x.late })
  }

  const list = [...rows.values()]
  const [people, classes, subjects] = list.length === 0 ? [[], [], []] : await Promise.all([
    db<{ id: string; lastName: string; firstName: string; middleName: string | null }[]>`
      select id, last_name, first_name, middle_name from persons where id in ${db([...new Set(list.map((r) => r.teacherId))])}`,
    db<{ id: string; grade: number; letter: string }[]>`select id, grade, letter from classes where id in ${db([...new Set(list.map((r) => r.classId))])}`,
    db<{ id: string; name: string }[]>`select id, name from subjects where id in ${db([...new Set(list.map((r) => r.subjectId))])}`,
  ])
  const person = new Map(people.map((p) => [p.id, p]))
  const cls = new Map(classes.map((c) => [c.id, c]))
  const subject = new Map(subjects.map((s) => [s.id, s.name]))
  const out: TimelinessRow[] = list
    .map((r) => ({
      ...r, teacher: staffName(person.get(r.teacherId)!), class: `${cls.get(r.classId)!.grade}${cls.get(r.classId)!.letter}`,
      subject: subject.get(r.subjectId)!,
      marksPerStudent: r.students ? round(r.marks / r.students, 1) : null,
    }))
    .sort((a, b) =>
      byName(person.get(a.teacherId)!, person.get(b.teacherId)!) || a.teacherId.localeCompare(b.teacherId) ||
      cls.get(a.classId)!.grade - cls.get(b.classId)!.grade || ru.compare(a.class, b.class) || ru.compare(a.subject, b.subject))
    .map(({ teacherId: t, teacher: n, classId: c, class: k, subjectId: s, subject: j, ...counts }) => ({
      teacherId: t, teacher: n, classId: c, class: k, subjectId: s, subject: j, ...counts,
    }))

  const totals = zero()
  const sumOf = (k: keyof Counts) => out.reduce((a, r) => a + ((r[k] as number | null) ?? 0), 0)
  for (const k of Object.keys(totals) as (keyof Counts)[]) (totals[k] as number | null) = sumOf(k)
  const anyPlan = out.some((r) => r.planTopics !== null)
  if (!anyPlan) Object.assign(totals, { planTopics: null, planDue: null, planCovered: null, planBehind: null })
  totals.marksPerStudent = totals.students ? round(totals.marks / totals.students, 1) : null
  return { school, period, from: range.from, to: range.to, heldUntil: until, teacher, rows: out, totals }
}

export function timelinessDoc(report: TimelinessReport): PrintDoc {
  const perStudent = (x: number | null) => printNumber(x, 1)
  return printDoc('report-timeliness', {
    ...report,
    rows: report.rows.map((r) => ({ ...r, perStudent: perStudent(r.marksPerStudent) })),
    totalsPerStudent: perStudent(report.totals.marksPerStudent),
    finalsWindowDays: FINALS_WINDOW_DAYS,
    windowFrom: report.period ? addDays(report.period.endsOn, -(FINALS_WINDOW_DAYS - 1)) : null,
  })
}

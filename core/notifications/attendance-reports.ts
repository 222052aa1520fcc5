/**
 * What the class teacher reads about the class's attendance: the day's absence digest, which
 * classes are due for it, and the weekly summary (school14 4.6.2). Plain reads with no policy
 * check: the notifier calls them for the class teacher it resolved itself.
 */
import type { Db } from '../db/connect.ts'
import { errors } from '../http/errors.ts'

type Kind = 'absent' | 'ill' | 'excused' | 'late'
const LABEL = { absent: 'н', ill: 'б', excused: 'уп', late: 'оп' } as const
interface Student { studentId: string; lastName: string; firstName: string }

export interface DigestStudent extends Student {
  lessons: { number: number; subject: string; kind: Kind; kindLabel: (typeof LABEL)[Kind]; reason: string | null; reasonConfirmed: boolean }[]
  /** lessons missed (н, б, уп): 0 for a student who was only late */
  missedLessons: number
  /** every missed lesson is б or уп, or its reason was confirmed */
  reasonKnown: boolean
}
export interface AbsenceDigest {
  classId: string; classLabel: string; date: string; lessonsHeld: number; wholeDay: DigestStudent[]; partial: DigestStudent[]
  /** students who missed at least one lesson (being late is not missing it) */
  absentCount: number
}
interface Counts { absent: number; ill: number; excused: number; late: number; unconfirmed: number }
export interface WeekStudent extends Student, Counts { missedLessons: number }
export interface AttendanceWeek {
  classId: string; classLabel: string; from: string; to: string; lessonsHeld: number; students: WeekStudent[]; totals: Counts
  /** student-lessons attended (late counts as attended) of those expected, one decimal; 100 when none were expected */
  attendancePercent: number
}

const ru = new Intl.Collator('ru')
const byName = (a: Student, b: Student) =>
  ru.compare(a.lastName, b.lastName) || ru.compare(a.firstName, b.firstName)

/**
 * Pairs each planned lesson `l` with the students expected at it, `e`: the condition of
 * lessonStudentsQuery (core/journal/access.ts), over every lesson of a range at once.
 */
const EXPECTED = (db: Db) => db`
  join enrolments e on e.class_id = l.class_id and e.started_on <= l.date and (e.ended_on is null or e.ended_on >= l.date)
    and (l.subgroup_id is null or exists (
      select 1 from subgroup_members sm where sm.subgroup_id = l.subgroup_id and sm.student_id = e.student_id
        and sm.started_on <= l.date and (sm.ended_on is null or sm.ended_on >= l.date)))
  join persons p on p.id = e.student_id
  left join attendance a on a.lesson_id = l.id and a.student_id = e.student_id and a.removed_at is null`

/** The class's label and how many lesson periods it had (two subgroups in one period count once). */
async function classHeader(db: Db, classId: string, from: string, to: string) {
  const [c] = await db<{ classLabel: string; lessonsHeld: number }[]>`
    select c.grade || c.letter as class_label,
      (select count(distinct (l.date, l.lesson_number)) from lessons l
       where l.class_id = c.id and l.date between ${from} and ${to} and l.status = 'planned')::int as lessons_held
    from classes c where c.id = ${classId}`
  if (!c) throw errors.notFound('class', classId)
  return c
}

/**
 * The class's absences on a date: "whole day" are the students who missed every lesson they
 * were expected at; everyone else with an entry (also only late) is "partial".
 */
export async function classAbsenceDigest(db: Db, classId: string, date: string): Promise<AbsenceDigest> {
  const { classLabel, lessonsHeld } = await classHeader(db, classId, date, date)
  const rows = await db<(Student & { number: number; subject: string; kind: Kind | null; reason: string | null; reasonConfirmed: boolean })[]>`
    select e.student_id, p.last_name, p.first_name, l.lesson_number as number, sj.name as subject,
      a.kind, a.reason, a.reason_confirmed_at is not null as reason_confirmed
    from lessons l join subjects sj on sj.id = l.subject_id ${EXPECTED(db)}
    where l.class_id = ${classId} and l.date = ${date} and l.status = 'planned'
    order by l.lesson_number, l.starts_at, sj.name`
  const students = new Map<string, DigestStudent & { expected: number }>()
  for (const { kind, reason, reasonConfirmed, number, subject, ...who } of rows) {
    let s = students.get(who.studentId)
    if (!s) students.set(who.studentId, s = { ...who, lessons: [], missedLessons: 0, reasonKnown: true, expected: 0 })
    s.expected++
    if (!kind) continue
    s.lessons.push({ number, subject, kind, kindLabel: LABEL[kind], reason, reasonConfirmed })
    if (kind === 'late') continue
    s.missedLessons++
    if (kind === 'absent' && !reasonConfirmed) s.reasonKnown = false
  }
  const listed = [...students.values()].filter((s) => s.lessons.length > 0).sort(byName)
  const out = ({ expected: _, ...s }: DigestStudent & { expected: number }): DigestStudent => s
  return {
    classId, classLabel, date, lessonsHeld,
    wholeDay: listed.filter((s) => s.missedLessons === s.expected).map(out),
    partial: listed.filter((s) => s.missedLessons < s.expected).map(out),
    absentCount: listed.filter((s) => s.missedLessons > 0).length,
  }
}

/**
 * Classes with a class teacher whose last planned lesson of the school-local day of `now`
 * ended at least `graceMinutes` ago. A class stays due until the school's midnight: the caller
 * sends one digest per class and date (its delivery key).
 */
export async function classesDueForAbsenceDigest(db: Db, now: Date, graceMinutes = 15) {
  return db<{ classId: string; schoolId: string; classTeacherId: string; date: string }[]>`
    select c.id as class_id, c.school_id, c.class_teacher_id, d.date
    from schools s
    cross join lateral (select (${now}::timestamptz at time zone s.timezone)::date as date) d
    join classes c on c.school_id = s.id and c.class_teacher_id is not null
    join academic_years y on y.id = c.academic_year_id and y.closed_at is null
    where (select max(l.ends_at) from lessons l where l.class_id = c.id and l.date = d.date and l.status = 'planned')
      <= ${now}::timestamptz - make_interval(mins => ${graceMinutes})
    order by c.school_id, c.grade, c.letter`
}

/** The class's attendance over from..to (inclusive) for the class teacher's weekly control. */
export async function classAttendanceWeek(db: Db, classId: string, from: string, to: string): Promise<AttendanceWeek> {
  const { classLabel, lessonsHeld } = await classHeader(db, classId, from, to)
  const rows = await db<(WeekStudent & { expected: number })[]>`
    select e.student_id, p.last_name, p.first_name, count(*)::int as expected,
      count(*) filter (where a.kind = 'absent')::int as absent, count(*) filter (where a.kind = 'ill')::int as ill,
      count(*) filter (where a.kind = 'excused')::int as excused, count(*) filter (where a.kind = 'late')::int as late,
      count(*) filter (where a.kind = 'absent' and a.reason_confirmed_at is null)::int as unconfirmed,
      count(*) filter (where a.kind <> 'late')::int as missed_lessons
    from lessons l ${EXPECTED(db)}
    where l.class_id = ${classId} and l.date between ${from} and ${to} and l.status = 'planned'
    group by e.student_id, p.last_name, p.first_name`
  const totals: Counts = { absent: 0, ill: 0, excused: 0, late: 0, unconfirmed: 0 }
  let expected = 0, missed = 0
  for (const r of rows) {
    for (const k of Object.keys(totals) as (keyof Counts)[]) totals[k] += r[k]
    expected += r.expected
    missed += r.missedLessons
  }
  const students = rows.filter((r) => r.missedLessons + r.late > 0)
    .sort((a, b) => b.missedLessons - a.missedLessons || byName(a, b))
    .map(({ expected: _, ...s }) => s)
  const attendancePercent = expected ? Math.round(((expected - missed) / expected) * 1000) / 10 : 100
  return { classId, classLabel, from, to, lessonsHeld, students, totals, attendancePercent }
}

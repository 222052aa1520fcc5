/**
 * Class journals into the archive when a school year closes: each class's whole journal of the
 * year as canonical JSON (no PDF), kept 5 years after the year ends (school14 4.4.5, 5.3). The
 * year-close flow (core/journal/setup.ts closeYear) calls archiveClassJournals in its own
 * transaction, so the journals freeze with the year.
 */
import type { Tx } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { addYears } from './canonical.ts'
import { appendEntry, type ArchiveEntry } from './chain.ts'
import { classJournalTitle } from './titles.ts'

/** Journals are kept 5 years after their school year ends (school14 5.3). */
export const CLASS_JOURNAL_RETENTION_YEARS = 5
export const CLASS_JOURNAL_FORMAT = 'zvonok-class-journal/1'

/**
 * Appends one class_journal entry per class of the year not archived yet (a second call adds
 * only classes made since). Run it inside the transaction that closes the year.
 */
export async function archiveClassJournals(
  tx: Tx, ctx: RequestContext, schoolId: string, yearId: string, opts: { clock?: () => Date } = {},
): Promise<ArchiveEntry[]> {
  const [year] = await tx<{ id: string; name: string; startsOn: string; endsOn: string }[]>`
    select id, name, starts_on, ends_on from academic_years where id = ${yearId} and school_id = ${schoolId}`
  if (!year) throw errors.invalidReference(`academic year ${yearId} is not a year of this school`)
  const classes = await tx<{ id: string; grade: number; letter: string }[]>`
    select c.id, c.grade, c.letter from classes c
    where c.academic_year_id = ${yearId} and c.school_id = ${schoolId}
      and not exists (select 1 from archive_entries e where e.kind = 'class_journal' and e.class_id = c.id and e.academic_year_id = ${yearId})
    order by c.grade, c.letter`
  const archivedAt = (opts.clock ?? (() => new Date()))()
  const retainUntil = addYears(year.endsOn, CLASS_JOURNAL_RETENTION_YEARS)
  const entries: ArchiveEntry[] = []
  for (const c of classes) {
    entries.push(await appendEntry(tx, {
      schoolId, kind: 'class_journal', title: classJournalTitle(c, year.name), academicYearId: yearId, classId: c.id,
      archivedBy: ctx.actor.accountId, archivedAt, retainUntil, data: await classJournal(tx, c.id, year),
      requestId: ctx.requestId ?? null,
    }))
  }
  return entries
}

const person = (tx: Tx) => tx`p.id, p.last_name, p.first_name, p.middle_name`

/**
 * The whole journal of a class for a year, in a fixed order so the same journal always makes
 * the same bytes: the class and its teacher, the periods of its grade, the students with their
 * enrolment dates, subgroups with their members, subjects, teachers and work types, every lesson
 * with its topic, homework, marks and attendance, and the final marks. Removed entries are not
 * part of the journal; their history stays in the audit log.
 */
export async function classJournal(tx: Tx, classId: string, year: { id: string; name: string; startsOn: string; endsOn: string }) {
  const [cls] = await tx<{ id: string; grade: number; letter: string; classTeacherId: string | null; schoolId: string; schoolName: string }[]>`
    select c.id, c.grade, c.letter, c.class_teacher_id, s.id as school_id, s.name as school_name
    from classes c join schools s on s.id = c.school_id where c.id = ${classId}`
  if (!cls) throw errors.notFound('class', classId)
  const periods = await tx`
    select id, kind, number, starts_on, ends_on, closed_at from periods
    where academic_year_id = ${year.id} and ${cls.grade} between grade_from and grade_to
    order by starts_on, kind, number`
  const students = await tx`
    select ${person(tx)}, e.started_on as enrolled_on, e.ended_on as left_on
    from enrolments e join persons p on p.id = e.student_id
    where e.class_id = ${classId}
    order by p.last_name, p.first_name, p.middle_name nulls first, p.id, e.started_on`
  const subgroups = await tx`
    select g.id, g.subject_id, g.name,
      coalesce((select json_agg(json_build_object('studentId', m.student_id, 'startedOn', m.started_on, 'endedOn', m.ended_on, 'reason', m.reason)
                order by m.started_on, m.student_id)
        from subgroup_members m where m.subgroup_id = g.id), '[]') as members
    from subgroups g where g.class_id = ${classId}
    order by g.subject_id, g.name`
  const subjects = await tx`
    select distinct s.id, s.name from subjects s
    where s.id in (select subject_id from teaching_assignments where class_id = ${classId}
                   union select subject_id from lessons where class_id = ${classId}
                   union select subject_id from final_marks where class_id = ${classId} and removed_at is null)
    order by s.name, s.id`
  const teachers = await tx`
    select ${person(tx)} from persons p
    where p.id in (select teacher_id from lessons where class_id = ${classId}
                   union select substitute_teacher_id from lessons where class_id = ${classId} and substitute_teacher_id is not null
                   union select teacher_id from teaching_assignments where class_id = ${classId}
                   union select class_teacher_id from classes where id = ${classId} and class_teacher_id is not null)
    order by p.last_name, p.first_name, p.id`
  const workTypes = await tx`
    select id, name, weight::float8 as weight, deadline_days from work_types where school_id = ${cls.schoolId} order by name, id`
  const lessons = await tx<{ id: string }[]>`
    select id, date, lesson_number as number, subject_id, subgroup_id, teacher_id, substitute_teacher_id, topic, plan_topic_id,
      status, starts_at, ends_at
    from lessons where class_id = ${classId}
    order by date, lesson_number, subject_id, id`
  const homework = await tx<{ lessonId: string }[]>`
    select h.lesson_id, h.text, h.pages, h.exercises, h.attachments, h.due_lesson_id, h.due_on, h.entered_at, h.late
    from homework h join lessons l on l.id = h.lesson_id
    where l.class_id = ${classId} and h.removed_at is null`
  const marks = await tx<{ lessonId: string }[]>`
    select m.lesson_id, m.id, m.student_id, m.value, m.passed, m.work_type_id, m.weight::float8 as weight, m.comment, m.entered_at, m.late
    from marks m join lessons l on l.id = m.lesson_id
    where l.class_id = ${classId} and m.removed_at is null
    order by m.student_id, m.entered_at, m.id`
  const attendance = await tx<{ lessonId: string }[]>`
    select a.lesson_id, a.student_id, a.kind, a.reason, a.reason_confirmed_at, a.entered_at, a.late
    from attendance a join lessons l on l.id = a.lesson_id
    where l.class_id = ${classId} and a.removed_at is null
    order by a.student_id`
  const finalMarks = await tx`
    select period_id, subject_id, student_id, value, passed, status, comment, entered_at, late
    from final_marks where class_id = ${classId} and removed_at is null
    order by period_id, subject_id, student_id`

  const byLesson = <T extends { lessonId: string }>(rows: readonly T[]) => {
    const m = new Map<string, Omit<T, 'lessonId'>[]>()
    for (const { lessonId, ...rest } of rows) {
      const list = m.get(lessonId) ?? []
      list.push(rest)
      m.set(lessonId, list)
    }
    return m
  }
  const hw = byLesson(homework), mk = byLesson(marks), at = byLesson(attendance)
  return {
    format: CLASS_JOURNAL_FORMAT,
    school: { id: cls.schoolId, name: cls.schoolName },
    academicYear: year,
    class: { id: cls.id, grade: cls.grade, letter: cls.letter, classTeacherId: cls.classTeacherId },
    periods, students, subgroups, subjects, teachers, workTypes,
    lessons: lessons.map((l) => ({ ...l, homework: hw.get(l.id)?.[0] ?? null, marks: mk.get(l.id) ?? [], attendance: at.get(l.id) ?? [] })),
    finalMarks,
  }
}

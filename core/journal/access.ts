/**
 * The facts the policy and the rules need about a lesson, a class or a subject in a class,
 * loaded in one query each. Something the actor may not read is "not found"; something they
 * may read but not change is "forbidden".
 */
import { can, type Action, type TeachingResource } from '../auth/policy.ts'
import type { Db } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'

export interface LessonFacts {
  readonly id: string
  readonly schoolId: string
  readonly timezone: string
  readonly assignmentId: string
  readonly classId: string
  readonly grade: number
  readonly subgroupId: string | null
  readonly subjectId: string
  readonly teacherId: string
  readonly substituteTeacherId: string | null
  readonly date: string
  readonly lessonNumber: number
  readonly startsAt: Date
  readonly endsAt: Date
  readonly topic: string | null
  readonly room: string | null
  readonly status: 'planned' | 'cancelled'
  readonly yearClosed: boolean
}

export async function loadLesson(db: Db, lessonId: string): Promise<LessonFacts | null> {
  const [row] = await db<LessonFacts[]>`
    select l.id, l.school_id, s.timezone, l.assignment_id, l.class_id, c.grade, l.subgroup_id, l.subject_id,
      l.teacher_id, l.substitute_teacher_id, l.date, l.lesson_number, l.starts_at, l.ends_at, l.topic, l.room,
      l.status, y.closed_at is not null as year_closed
    from lessons l
    join classes c on c.id = l.class_id
    join academic_years y on y.id = c.academic_year_id
    join schools s on s.id = l.school_id
    where l.id = ${lessonId}`
  return row ?? null
}

export function lessonResource(l: LessonFacts): TeachingResource {
  return {
    type: 'teaching', schoolId: l.schoolId, classId: l.classId,
    teacherIds: l.substituteTeacherId ? [l.teacherId, l.substituteTeacherId] : [l.teacherId],
  }
}

/** Loads a lesson for reading or writing; writing also needs an open year. */
export async function requireLesson(db: Db, ctx: RequestContext, lessonId: string, action: 'lesson.read' | 'lesson.write'): Promise<LessonFacts> {
  const l = await loadLesson(db, lessonId)
  if (!l || !can(ctx.actor, 'lesson.read', lessonResource(l))) throw errors.notFound('lesson', lessonId)
  if (action === 'lesson.write') {
    if (!can(ctx.actor, 'lesson.write', lessonResource(l)))
      throw errors.forbidden('Only the teacher of the lesson or its substitute writes in it')
    if (l.yearClosed) throw new AppError('year_closed', 'The school year of this lesson is closed')
  }
  return l
}

export interface ClassFacts {
  readonly id: string
  readonly schoolId: string
  readonly timezone: string
  readonly academicYearId: string
  readonly grade: number
  readonly letter: string
  readonly yearClosed: boolean
}

export async function loadClass(db: Db, classId: string): Promise<ClassFacts | null> {
  const [row] = await db<ClassFacts[]>`
    select c.id, c.school_id, s.timezone, c.academic_year_id, c.grade, c.letter, y.closed_at is not null as year_closed
    from classes c join academic_years y on y.id = c.academic_year_id join schools s on s.id = c.school_id
    where c.id = ${classId}`
  return row ?? null
}

/**
 * A class the actor may see (roster readers, journal readers); `action` is then checked and
 * refused with 403.
 */
export async function requireClass(db: Db, ctx: RequestContext, classId: string, action: Action): Promise<ClassFacts> {
  const c = await loadClass(db, classId)
  const r = c && { type: 'class' as const, schoolId: c.schoolId, classId: c.id }
  if (!c || !r || !(can(ctx.actor, 'class.readRoster', r) || can(ctx.actor, 'class.readJournal', r) || can(ctx.actor, action, r)))
    throw errors.notFound('class', classId)
  if (!can(ctx.actor, action, r)) throw errors.forbidden()
  return c
}

/** Refuses a school the actor has no role in as "not found", then checks the action. */
export function requireSchoolAction(ctx: RequestContext, schoolId: string, action: Action): void {
  const r = { type: 'school' as const, schoolId }
  if (!can(ctx.actor, 'school.read', r)) throw errors.notFound('school', schoolId)
  if (!can(ctx.actor, action, r)) throw errors.forbidden()
}

/** Students of a lesson, as a subquery: enrolled in its class on its date and, for a subgroup lesson, members then. */
export function lessonStudentsQuery(db: Db, l: Pick<LessonFacts, 'classId' | 'date' | 'subgroupId'>) {
  return db`
    select e.student_id from enrolments e
    where e.class_id = ${l.classId} and e.started_on <= ${l.date} and (e.ended_on is null or e.ended_on >= ${l.date})
      and (${l.subgroupId}::uuid is null or exists (
        select 1 from subgroup_members sm where sm.subgroup_id = ${l.subgroupId} and sm.student_id = e.student_id
          and sm.started_on <= ${l.date} and (sm.ended_on is null or sm.ended_on >= ${l.date})))`
}

export async function lessonStudentIds(db: Db, l: LessonFacts): Promise<Set<string>> {
  const rows = await db<{ studentId: string }[]>`${lessonStudentsQuery(db, l)}`
  return new Set(rows.map((r) => r.studentId))
}

/** Teachers of a subject in a class: who may set its final marks. */
export async function subjectTeaching(db: Db, classId: string, subjectId: string, schoolId: string): Promise<TeachingResource> {
  const rows = await db<{ teacherId: string }[]>`
    select distinct teacher_id from teaching_assignments where class_id = ${classId} and subject_id = ${subjectId}`
  return { type: 'teaching', schoolId, classId, teacherIds: rows.map((r) => r.teacherId) }
}

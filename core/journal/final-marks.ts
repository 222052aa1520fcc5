/** Final marks per period and subject: a value, pass/fail or a status (school26 2.8). */
import { can } from '../auth/policy.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import { requireClass, subjectTeaching } from './access.ts'
import { recordChanges } from './changes.ts'
import type { z } from 'zod'
import type { finalMarkBody } from './schema.ts'
import { finalMarkDueAt } from './time.ts'


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
    // a student the actor may not see is "not found" before anything else is looked at, so
    // the answers below tell nothing about them
    const student = await personResource(tx, input.studentId)
    if (!student || student.kind !== 'student' || !can(ctx.actor, 'person.read', student)) throw errors.notFound('student', input.studentId)
    // the key-share lock holds off a concurrent period close (core/archive) until this commits
    const [p] = await tx<{ schoolId: string; timezone: string; endsOn: string; startsOn: string; gradeFrom: number; gradeTo: number; academicYearId: string; yearClosed: boolean; periodClosed: boolean }[]>`
      select p.school_id, s.timezone, p.starts_on, p.ends_on, p.grade_from, p.grade_to, p.academic_year_id, y.closed_at is not null as year_closed,
        p.closed_at is not null as period_closed
      from periods p join schools s on s.id = p.school_id join academic_years y on y.id = p.academic_year_id
      where p.id = ${input.periodId}
      for key share of p`
    if (!p) throw errors.invalidReference(`period ${input.periodId} does not exist`)
    // the student's class in that year during the period (the latest, after a transfer)
    const [cls] = await tx<{ classId: string; grade: number }[]>`
      select c.id as class_id, c.grade from enrolments e join classes c on c.id = e.class_id
      where e.student_id = ${input.studentId} and c.academic_year_id = ${p.academicYearId} and c.school_id = ${p.schoolId}
        and e.started_on <= ${p.endsOn} and (e.ended_on is null or e.ended_on >= ${p.startsOn})
      order by e.started_on desc limit 1`
    if (!cls) throw errors.invalidReference(`student ${input.studentId} is not in a class of this school during the period`)
    const teaching = await subjectTeaching(tx, cls.classId, input.subjectId, p.schoolId)
    // who may see the student (their teachers, the class teacher, the administration) but does
    // not teach the subject in the class is refused
    if (!can(ctx.actor, 'finalMark.write', teaching)) throw errors.forbidden()
    if (p.yearClosed) throw new AppError('year_closed', 'The school year of this period is closed')
    if (p.periodClosed) throw new AppError('period_closed', 'The period is closed: its summary sheets are archived')
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
    const [period] = await tx<{ closed: boolean }[]>`select closed_at is not null as closed from periods where id = ${before.periodId} for key share`
    if (period?.closed) throw new AppError('period_closed', 'The period is closed: its summary sheets are archived')
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

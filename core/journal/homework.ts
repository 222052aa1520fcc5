/** Homework given at a lesson, due at the next lesson of the assignment. */
import type { Db, Sql, Tx } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { requireLesson, type LessonFacts } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import type { z } from 'zod'
import type { homeworkBody } from './schema.ts'
import { homeworkDueAt } from './time.ts'
import { assertGradedLesson, lessonEventBase } from './entry-rules.ts'


interface HomeworkRow {
  id: string; schoolId: string; lessonId: string; text: string; pages: string | null; exercises: string | null
  attachments: { name: string; ref: string }[]; dueLessonId: string | null; dueOn: string | null
  enteredAt: Date; enteredBy: string | null; late: boolean; removedAt: Date | null
}
const HOMEWORK_COLUMNS = (db: Db) => db`id, school_id, lesson_id, text, pages, exercises, attachments, due_lesson_id, due_on,
  entered_at, entered_by, late, removed_at`

export async function setHomework(sql: Sql, ctx: RequestContext, lessonId: string, input: z.infer<typeof homeworkBody>) {
  return sql.begin(async (tx) => {
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    const change = await putHomework(tx, ctx, l, input, now)
    if (change) await recordChanges(tx, ctx, [change])
    const [row] = await tx<HomeworkRow[]>`select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null`
    return row!
  })
}

export async function putHomework(tx: Tx, ctx: RequestContext, l: LessonFacts, input: z.infer<typeof homeworkBody>, now: Date): Promise<Change | null> {
  assertGradedLesson(l, 'homework')
  if (l.status === 'cancelled') throw errors.rule('The lesson was cancelled')
  const [before] = await tx<HomeworkRow[]>`
    select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null for update`
  const fields = { text: input.text, pages: input.pages ?? null, exercises: input.exercises ?? null, attachments: input.attachments }
  if (before && before.text === fields.text && before.pages === fields.pages && before.exercises === fields.exercises &&
      JSON.stringify(before.attachments) === JSON.stringify(fields.attachments)) return null
  if (before) {
    const [after] = await tx<HomeworkRow[]>`
      update homework set text = ${fields.text}, pages = ${fields.pages}, exercises = ${fields.exercises},
        attachments = ${tx.json(fields.attachments)} where id = ${before.id} returning ${HOMEWORK_COLUMNS(tx)}`
    return {
      schoolId: l.schoolId, kind: 'homework.changed', entityType: 'homework', entityId: before.id, before, after: after!,
      classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: before.id, dueOn: before.dueOn, subgroupId: l.subgroupId },
    }
  }
  // due at the next lesson of the same assignment; late after 1.5 h past the class's last lesson that day
  const [next] = await tx<{ id: string; date: string }[]>`
    select id, date from lessons
    where assignment_id = ${l.assignmentId} and status = 'planned' and (date, lesson_number) > (${l.date}::date, ${l.lessonNumber}::smallint)
    order by date, lesson_number limit 1`
  const [day] = await tx<{ lastEnd: Date }[]>`
    select max(ends_at) as last_end from lessons where class_id = ${l.classId} and date = ${l.date} and status = 'planned'`
  const late = now > homeworkDueAt(day?.lastEnd ?? l.endsAt)
  const [after] = await tx<HomeworkRow[]>`
    insert into homework (school_id, lesson_id, text, pages, exercises, attachments, due_lesson_id, due_on, entered_at, entered_by, late)
    values (${l.schoolId}, ${l.id}, ${fields.text}, ${fields.pages}, ${fields.exercises}, ${tx.json(fields.attachments)},
            ${next?.id ?? null}, ${next?.date ?? null}, ${now}, ${ctx.actor.accountId}, ${late})
    returning ${HOMEWORK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'homework.set', entityType: 'homework', entityId: after!.id, before: null, after: after!,
    classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: after!.id, dueOn: after!.dueOn, subgroupId: l.subgroupId, late },
  }
}

export async function removeHomework(sql: Sql, ctx: RequestContext, lessonId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    const [before] = await tx<HomeworkRow[]>`
      select ${HOMEWORK_COLUMNS(tx)} from homework where lesson_id = ${l.id} and removed_at is null for update`
    if (!before) throw errors.notFound('homework of lesson', lessonId)
    const [after] = await tx<HomeworkRow[]>`update homework set removed_at = now() where id = ${before.id} returning ${HOMEWORK_COLUMNS(tx)}`
    await recordChanges(tx, ctx, [{
      schoolId: l.schoolId, kind: 'homework.removed', entityType: 'homework', entityId: before.id, before, after: after!,
      classId: l.classId, payload: { ...lessonEventBase(l), homeworkId: before.id, subgroupId: l.subgroupId },
    }])
  })
}

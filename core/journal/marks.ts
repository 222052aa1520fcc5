/** Marks on a lesson: 1–5 or pass/fail, a work type with weight, a comment; several per lesson; a make-up mark keeps the absence (school26 2.5). */
import type { Db, Sql, Tx } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { lessonStudentIds, requireLesson, type LessonFacts } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import type { z } from 'zod'
import type { markBody, markPatchBody } from './schema.ts'
import { markDueAt } from './time.ts'
import {
  assertGradedLesson, assertHeld, checkMarkValue, lessonEventBase, MARK_COLUMNS, pickWorkType, studentOf, workTypes, type MarkRow, type WorkType,
} from './entry-rules.ts'


export async function insertMark(
  tx: Tx, ctx: RequestContext, l: LessonFacts, wt: WorkType, studentId: string,
  input: { value?: number | undefined; passed?: boolean | undefined; comment?: string | null | undefined }, now: Date,
): Promise<{ row: MarkRow; change: Change }> {
  const late = now > markDueAt(l.date, wt.deadlineDays, l.timezone)
  const [row] = await tx<MarkRow[]>`
    insert into marks (school_id, lesson_id, student_id, value, passed, work_type_id, weight, comment, entered_at, entered_by, updated_at, late)
    values (${l.schoolId}, ${l.id}, ${studentId}, ${input.value ?? null}, ${input.passed ?? null}, ${wt.id}, ${wt.weight},
            ${input.comment ?? null}, ${now}, ${ctx.actor.accountId}, ${now}, ${late})
    returning ${MARK_COLUMNS(tx)}`
  return {
    row: row!,
    change: {
      schoolId: l.schoolId, kind: 'mark.created', entityType: 'mark', entityId: row!.id, before: null, after: row!,
      studentId, classId: l.classId,
      payload: { ...lessonEventBase(l), markId: row!.id, value: row!.value, passed: row!.passed, workTypeId: wt.id, late },
    },
  }
}

export async function updateMark(
  tx: Tx, ctx: RequestContext, l: LessonFacts, before: MarkRow, wt: WorkType,
  input: { value?: number | undefined; passed?: boolean | undefined; comment?: string | null | undefined }, now: Date,
): Promise<Change | null> {
  // a value replaces a pass/fail and the other way round
  const value = input.value !== undefined ? input.value : input.passed !== undefined ? null : before.value
  const passed = input.passed !== undefined ? input.passed : input.value !== undefined ? null : before.passed
  const comment = input.comment !== undefined ? input.comment : before.comment
  if (value === before.value && passed === before.passed && comment === before.comment && wt.id === before.workTypeId) return null
  const [after] = await tx<MarkRow[]>`
    update marks set value = ${value}, passed = ${passed}, comment = ${comment}, work_type_id = ${wt.id}, weight = ${wt.weight},
      updated_at = ${now}
    where id = ${before.id} returning ${MARK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'mark.changed', entityType: 'mark', entityId: before.id, before, after: after!,
    studentId: before.studentId, classId: l.classId,
    payload: {
      ...lessonEventBase(l), markId: before.id, value, passed, workTypeId: wt.id,
      previous: { value: before.value, passed: before.passed },
    },
  }
}

export async function removeMarkRow(tx: Tx, l: LessonFacts, before: MarkRow, now: Date): Promise<Change> {
  const [after] = await tx<MarkRow[]>`update marks set removed_at = ${now}, updated_at = ${now} where id = ${before.id} returning ${MARK_COLUMNS(tx)}`
  return {
    schoolId: l.schoolId, kind: 'mark.removed', entityType: 'mark', entityId: before.id, before, after: after!,
    studentId: before.studentId, classId: l.classId,
    payload: { ...lessonEventBase(l), markId: before.id, previous: { value: before.value, passed: before.passed } },
  }
}

export async function liveMark(db: Db, markId: string): Promise<MarkRow | null> {
  const [row] = await db<MarkRow[]>`select ${MARK_COLUMNS(db)} from marks where id = ${markId} and removed_at is null`
  return row ?? null
}

export async function addMark(sql: Sql, ctx: RequestContext, lessonId: string, input: z.infer<typeof markBody>) {
  checkMarkValue(input, '', true)
  return sql.begin(async (tx) => {
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    assertGradedLesson(l, 'marks')
    assertHeld(l, now)
    const wt = pickWorkType(await workTypes(tx, l.schoolId), input.workTypeId)
    studentOf(await lessonStudentIds(tx, l), input.studentId)
    const { row, change } = await insertMark(tx, ctx, l, wt, input.studentId, input, now)
    await recordChanges(tx, ctx, [change])
    return { ...row, workType: wt.name }
  })
}

/** The lesson of a mark, for a write; a mark the actor may not read is "not found". */
async function markForWrite(tx: Tx, ctx: RequestContext, markId: string) {
  const before = await liveMark(tx, markId)
  if (!before) throw errors.notFound('mark', markId)
  try {
    return { before, lesson: await requireLesson(tx, ctx, before.lessonId, 'lesson.write') }
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw errors.notFound('mark', markId)
    throw e
  }
}

export async function changeMark(sql: Sql, ctx: RequestContext, markId: string, input: z.infer<typeof markPatchBody>) {
  checkMarkValue(input, '', false)
  return sql.begin(async (tx) => {
    const now = new Date()
    const { before, lesson } = await markForWrite(tx, ctx, markId)
    const wt = pickWorkType(await workTypes(tx, lesson.schoolId), input.workTypeId ?? before.workTypeId)
    const change = await updateMark(tx, ctx, lesson, before, wt, input, now)
    if (change) await recordChanges(tx, ctx, [change])
    return { ...((change?.after as MarkRow | undefined) ?? before), workType: wt.name }
  })
}

export async function removeMark(sql: Sql, ctx: RequestContext, markId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const { before, lesson } = await markForWrite(tx, ctx, markId)
    await recordChanges(tx, ctx, [await removeMarkRow(tx, lesson, before, new Date())])
  })
}

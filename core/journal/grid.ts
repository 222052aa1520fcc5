/** The grid: the teacher's one-request, idempotent save of a whole lesson. */
import { createHash } from 'node:crypto'
import type { Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { lessonStudentIds, requireLesson } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import type { GridBody } from './schema.ts'
import { lessonJournal } from './lessons.ts'
import {
  assertGradedLesson, assertHeld, checkMarkValue, lessonEventBase, pickWorkType, studentOf, workTypes,
} from './entry-rules.ts'
import { insertMark, liveMark, removeMarkRow, updateMark } from './marks.ts'
import { putAttendance } from './attendance.ts'


const GRID_OPERATION = 'lesson.grid'

function requestHash(lessonId: string, body: GridBody): string {
  const { requestId: _id, ...rest } = body
  return createHash('sha256').update(JSON.stringify({ lessonId, ...rest })).digest('hex')
}

/**
 * The teacher's save of a whole lesson: topic, attendance and marks in one request and one
 * transaction. Idempotent under the client's request id: the first request's answer is stored
 * with its changes, and a retry gets that answer back and changes nothing. The same id with a
 * different request is refused (idempotency_key_reused).
 */
export async function saveLessonGrid(sql: Sql, ctx: RequestContext, lessonId: string, body: GridBody): Promise<{ replayed: boolean; result: unknown }> {
  for (const [i, m] of body.marks.entries()) checkMarkValue(m, `marks.${i}.`, !m.markId)
  const hash = requestHash(lessonId, body)
  return sql.begin(async (tx) => {
    // claim the id first: a concurrent retry waits here for this transaction, then replays
    const claimed = await tx`
      insert into idempotency_keys (account_id, key, operation, request_hash, response)
      values (${ctx.actor.accountId}, ${body.requestId}, ${GRID_OPERATION}, ${hash}, 'null')
      on conflict do nothing returning 1`
    if (claimed.length === 0) {
      const [prior] = await tx<{ operation: string; requestHash: string; response: unknown }[]>`
        select operation, request_hash, response from idempotency_keys where account_id = ${ctx.actor.accountId} and key = ${body.requestId}`
      if (!prior || prior.operation !== GRID_OPERATION || prior.requestHash !== hash)
        throw new AppError('idempotency_key_reused', 'This request id was already used for a different request')
      return { replayed: true, result: prior.response }
    }
    const now = new Date()
    const l = await requireLesson(tx, ctx, lessonId, 'lesson.write')
    if (body.marks.length || body.removeMarkIds.length) assertGradedLesson(l, 'marks')
    if (body.marks.length || body.removeMarkIds.length || body.attendance.length) assertHeld(l, now)
    const students = await lessonStudentIds(tx, l)
    const types = await workTypes(tx, l.schoolId)
    const changes: Change[] = []

    if (body.topic !== undefined && body.topic !== l.topic) {
      const [after] = await tx`update lessons set topic = ${body.topic}, updated_at = ${now} where id = ${l.id} returning id, topic`
      changes.push({
        schoolId: l.schoolId, kind: 'lesson.changed', entityType: 'lesson', entityId: l.id, before: { id: l.id, topic: l.topic },
        after: after!, classId: l.classId, payload: { ...lessonEventBase(l), fields: ['topic'] },
      })
    }
    const seen = new Set<string>()
    for (const [i, a] of body.attendance.entries()) {
      if (seen.has(a.studentId)) throw errors.validation([{ path: `attendance.${i}.studentId`, message: 'the student appears twice' }])
      seen.add(a.studentId)
      studentOf(students, a.studentId)
      const c = await putAttendance(tx, ctx, l, a.studentId, a.kind, a.reason, now)
      if (c) changes.push(c)
    }
    for (const markId of body.removeMarkIds) {
      const before = await liveMark(tx, markId)
      if (!before || before.lessonId !== l.id) throw errors.invalidReference(`mark ${markId} is not a mark of this lesson`)
      changes.push(await removeMarkRow(tx, l, before, now))
    }
    for (const m of body.marks) {
      studentOf(students, m.studentId)
      if (m.markId) {
        const before = await liveMark(tx, m.markId)
        if (!before || before.lessonId !== l.id || before.studentId !== m.studentId)
          throw errors.invalidReference(`mark ${m.markId} is not this student's mark on this lesson`)
        const c = await updateMark(tx, ctx, l, before, pickWorkType(types, m.workTypeId ?? before.workTypeId), m, now)
        if (c) changes.push(c)
      } else {
        changes.push((await insertMark(tx, ctx, l, pickWorkType(types, m.workTypeId), m.studentId, m, now)).change)
      }
    }
    const result = { changes: changes.length, journal: await lessonJournal(tx, l) }
    // last: the audit insert locks the school's chain head until commit, so nothing else waits behind it
    await recordChanges(tx, ctx, changes)
    await tx`update idempotency_keys set response = ${tx.json(JSON.parse(JSON.stringify(result)))}
             where account_id = ${ctx.actor.accountId} and key = ${body.requestId}`
    return { replayed: false, result }
  })
}

/**
 * The movement book (книга движения): admission, transfer between classes and departure, each
 * with its date and order number; enrolments follow. Subgroups: the class teacher divides a
 * class for a subject and moves students between subgroups with a recorded reason.
 */
import type { z } from 'zod'
import { can } from '../auth/policy.ts'
import type { Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { requireClass, requireSchoolAction } from './access.ts'
import { recordChanges } from './changes.ts'
import type { MovementView, SubgroupView, movementBody, subgroupBody, subgroupMoveBody } from './schema.ts'
import { addDays } from './time.ts'

const MOVEMENT_COLUMNS = 'id, student_id, kind, occurred_on, order_number, from_class_id, to_class_id, note, recorded_at'

export async function recordMovement(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof movementBody>) {
  requireSchoolAction(ctx, schoolId, 'movement.record')
  if (input.kind === 'departure' && input.toClassId) throw errors.validation([{ path: 'toClassId', message: 'a departure leads out of the school' }])
  if (input.kind !== 'departure' && !input.toClassId) throw errors.validation([{ path: 'toClassId', message: 'required for an admission or a transfer' }])
  return sql.begin(async (tx) => {
    const [student] = await tx`select 1 from persons where id = ${input.studentId} and school_id = ${schoolId} and kind = 'student'`
    if (!student) throw errors.invalidReference(`student ${input.studentId} is not a student of this school`)
    const [current] = await tx<{ id: string; classId: string; startedOn: string }[]>`
      select id, class_id, started_on from enrolments where student_id = ${input.studentId} and ended_on is null for update`
    let toClassId: string | null = null
    if (input.toClassId) {
      const [c] = await tx<{ closed: boolean }[]>`
        select y.closed_at is not null as closed from classes c join academic_years y on y.id = c.academic_year_id
        where c.id = ${input.toClassId} and c.school_id = ${schoolId}`
      if (!c) throw errors.invalidReference(`class ${input.toClassId} is not a class of this school`)
      if (c.closed) throw new AppError('year_closed', 'The class belongs to a closed school year')
      toClassId = input.toClassId
    }
    if (input.kind === 'admission' && current) throw errors.conflict('The student is already enrolled; record a transfer instead')
    if (input.kind !== 'admission' && !current) throw errors.conflict('The student is not enrolled in a class')
    if (current) {
      if (input.occurredOn <= current.startedOn) throw errors.validation([{ path: 'occurredOn', message: 'is not after the current enrolment began' }])
      if (current.classId === toClassId) throw errors.conflict('The student is already in that class')
      // the last day in the old class is the day before the move
      await tx`update enrolments set ended_on = ${addDays(input.occurredOn, -1)} where id = ${current.id}`
      await tx`update subgroup_members set ended_on = ${addDays(input.occurredOn, -1)}
               where student_id = ${input.studentId} and ended_on is null`
    }
    if (toClassId) await tx`insert into enrolments (student_id, class_id, started_on) values (${input.studentId}, ${toClassId}, ${input.occurredOn})`
    const [m] = await tx<MovementView[]>`
      insert into movements (school_id, student_id, kind, occurred_on, order_number, from_class_id, to_class_id, note, recorded_by)
      values (${schoolId}, ${input.studentId}, ${input.kind}, ${input.occurredOn}, ${input.orderNumber}, ${current?.classId ?? null},
              ${toClassId}, ${input.note ?? null}, ${ctx.actor.accountId})
      returning ${tx.unsafe(MOVEMENT_COLUMNS)}`
    await recordChanges(tx, ctx, [{
      schoolId, kind: 'movement.recorded', entityType: 'movement', entityId: m!.id, before: current ?? null, after: m!,
      studentId: input.studentId, classId: toClassId ?? current?.classId ?? null, payload: { movementId: m!.id, kind: input.kind },
    }])
    return m!
  })
}

export async function listMovements(sql: Sql, ctx: RequestContext, schoolId: string, query: { studentId?: string | undefined }) {
  requireSchoolAction(ctx, schoolId, 'movement.record')
  return sql<MovementView[]>`
    select ${sql.unsafe(MOVEMENT_COLUMNS)} from movements where school_id = ${schoolId}
      ${query.studentId ? sql`and student_id = ${query.studentId}` : sql``}
    order by occurred_on desc, recorded_at desc limit 500`
}

export async function createSubgroup(sql: Sql, ctx: RequestContext, classId: string, input: z.infer<typeof subgroupBody>) {
  const c = await requireClass(sql, ctx, classId, 'class.manageSubgroups')
  if (c.yearClosed) throw new AppError('year_closed', 'The class belongs to a closed school year')
  return sql.begin(async (tx) => {
    const [subject] = await tx`select 1 from subjects where id = ${input.subjectId} and school_id = ${c.schoolId}`
    if (!subject) throw errors.invalidReference(`subject ${input.subjectId} is not a subject of this school`)
    const [g] = await tx<SubgroupView[]>`
      insert into subgroups (class_id, subject_id, name) values (${classId}, ${input.subjectId}, ${input.name}) returning id, class_id, subject_id, name`
    await recordChanges(tx, ctx, [{
      schoolId: c.schoolId, kind: 'subgroup.created', entityType: 'subgroup', entityId: g!.id, before: null, after: g!, classId, payload: { subgroupId: g!.id },
    }])
    return g!
  })
}

/**
 * Puts a student into a subgroup from a date: their membership in the class's other subgroup
 * of the same subject ends the day before; the reason (e.g. the guardian's written request) is kept.
 */
export async function moveToSubgroup(sql: Sql, ctx: RequestContext, subgroupId: string, input: z.infer<typeof subgroupMoveBody>) {
  const [g] = await sql<{ classId: string; subjectId: string }[]>`select class_id, subject_id from subgroups where id = ${subgroupId}`
  if (!g) throw errors.notFound('subgroup', subgroupId)
  const c = await requireClass(sql, ctx, g.classId, 'class.manageSubgroups')
  if (c.yearClosed) throw new AppError('year_closed', 'The class belongs to a closed school year')
  return sql.begin(async (tx) => {
    const [enrolled] = await tx`
      select 1 from enrolments where student_id = ${input.studentId} and class_id = ${g.classId} and ended_on is null`
    if (!enrolled) throw errors.invalidReference(`student ${input.studentId} is not in this class`)
    const ended = await tx<{ id: string; subgroupId: string }[]>`
      update subgroup_members sm set ended_on = greatest(sm.started_on, ${addDays(input.startedOn, -1)}::date)
      from subgroups s
      where s.id = sm.subgroup_id and s.class_id = ${g.classId} and s.subject_id = ${g.subjectId}
        and sm.student_id = ${input.studentId} and sm.ended_on is null
      returning sm.id, sm.subgroup_id`
    if (ended.some((e) => e.subgroupId === subgroupId)) throw errors.conflict('The student is already in this subgroup')
    const [m] = await tx<{ id: string; subgroupId: string; studentId: string; startedOn: string; reason: string | null }[]>`
      insert into subgroup_members (subgroup_id, student_id, started_on, reason, recorded_by)
      values (${subgroupId}, ${input.studentId}, ${input.startedOn}, ${input.reason}, ${ctx.actor.accountId})
      returning id, subgroup_id, student_id, started_on, reason`
    await recordChanges(tx, ctx, [{
      schoolId: c.schoolId, kind: 'subgroup.moved', entityType: 'subgroup_member', entityId: m!.id,
      before: ended[0] ?? null, after: m!, studentId: input.studentId, classId: g.classId,
      payload: { subgroupId, fromSubgroupId: ended[0]?.subgroupId ?? null },
    }])
    return m!
  })
}

export async function listSubgroups(sql: Sql, ctx: RequestContext, classId: string) {
  const c = await requireClass(sql, ctx, classId, 'class.readRoster')
  if (!can(ctx.actor, 'class.readRoster', { type: 'class', schoolId: c.schoolId, classId })) throw errors.forbidden()
  return sql<(SubgroupView & { studentIds: string[] })[]>`
    select s.id, s.class_id, s.subject_id, s.name,
      coalesce((select json_agg(sm.student_id) from subgroup_members sm where sm.subgroup_id = s.id and sm.ended_on is null), '[]') as student_ids
    from subgroups s where s.class_id = ${classId} order by s.subject_id, s.name`
}

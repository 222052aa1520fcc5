/**
 * Every journal change is recorded the same way: one audit row (before/after) and one outbox
 * event, written in the transaction of the change itself, so they commit or roll back with it.
 * The notifier (issue 4) reads the outbox; NOTIFY wakes it at commit (migrations/0005).
 */
import type { Tx } from '../db/connect.ts'
import type { RequestContext } from '../people/service.ts'

export const EVENT_KINDS = [
  'mark.created', 'mark.changed', 'mark.removed',
  'attendance.set', 'attendance.changed', 'attendance.removed',
  'homework.set', 'homework.changed', 'homework.removed',
  'final_mark.set', 'final_mark.changed', 'final_mark.removed',
  'lesson.created', 'lesson.changed', 'lesson.cancelled', 'lesson.substituted',
  'year.created', 'year.closed', 'period.created', 'holiday.created',
  'subject.created', 'work_type.created', 'assignment.created', 'plan.replaced', 'bells.replaced',
  'timetable.created', 'subgroup.created', 'subgroup.moved', 'class.teacher_changed',
  'movement.recorded',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export interface Change {
  readonly schoolId: string
  readonly kind: EventKind
  readonly entityType: string
  readonly entityId: string
  readonly before: object | null
  readonly after: object | null
  /** whom the change concerns, for the notifier's recipient lookup */
  readonly studentId?: string | null
  readonly classId?: string | null
  /** ids and the minimum needed to word a message */
  readonly payload: Record<string, unknown>
}

const CHUNK = 2000

/** Writes the audit rows and outbox events of a set of changes: two statements per 2,000. */
export async function recordChanges(tx: Tx, ctx: RequestContext, all: readonly Change[]): Promise<void> {
  for (let i = 0; i < all.length; i += CHUNK) await recordChunk(tx, ctx, all.slice(i, i + CHUNK))
}

async function recordChunk(tx: Tx, ctx: RequestContext, changes: readonly Change[]): Promise<void> {
  if (changes.length === 0) return
  const actor = ctx.actor.accountId
  const requestId = ctx.requestId ?? null
  await tx`insert into audit_log ${tx(changes.map((c) => ({
    schoolId: c.schoolId, actorAccountId: actor, action: `journal.${c.kind}`, entityType: c.entityType,
    entityId: c.entityId, before: c.before === null ? null : tx.json(c.before as never),
    after: c.after === null ? null : tx.json(c.after as never), requestId,
  })))}`
  await tx`insert into outbox ${tx(changes.map((c) => ({
    schoolId: c.schoolId, kind: c.kind, entityType: c.entityType, entityId: c.entityId,
    studentId: c.studentId ?? null, classId: c.classId ?? null, payload: tx.json(c.payload as never),
    actorAccountId: actor, requestId,
  })))}`
}

export const recordChange = (tx: Tx, ctx: RequestContext, change: Change) => recordChanges(tx, ctx, [change])

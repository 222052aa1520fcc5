/**
 * Compromise voiding (school26 3.3–3.4): when an account's credentials are reported
 * compromised, every journal entry it made or changed after the time the compromise began is
 * put back as it was, newest first. Each reversal is audited and emitted as an event like any
 * change. An entry someone else changed afterwards is left alone and listed as skipped, so the
 * admin can look at it. The audit log is the record of what the account did.
 */
import { accountSchoolIds } from '../auth/service.ts'
import { can } from '../auth/policy.ts'
import type { Sql, Tx } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { recordChanges, type Change, type EventKind } from './changes.ts'

interface Spec {
  readonly table: string
  /** the columns a reversal may restore */
  readonly restorable: readonly string[]
  readonly json?: readonly string[]
  readonly kinds: { readonly created: EventKind; readonly changed: EventKind; readonly removed: EventKind }
  /** what the notifier needs to word the message, copied from the entry as it is again */
  readonly payload: readonly string[]
}

const SPECS: Record<string, Spec> = {
  mark: {
    table: 'marks', restorable: ['value', 'passed', 'workTypeId', 'weight', 'comment', 'removedAt'],
    kinds: { created: 'mark.created', changed: 'mark.changed', removed: 'mark.removed' },
    payload: ['value', 'passed', 'workTypeId', 'removedAt'],
  },
  attendance: {
    table: 'attendance', restorable: ['kind', 'reason', 'reasonConfirmedAt', 'reasonConfirmedBy', 'removedAt'],
    kinds: { created: 'attendance.set', changed: 'attendance.changed', removed: 'attendance.removed' },
    payload: ['kind', 'removedAt'],
  },
  homework: {
    table: 'homework', restorable: ['text', 'pages', 'exercises', 'attachments', 'removedAt'], json: ['attachments'],
    kinds: { created: 'homework.set', changed: 'homework.changed', removed: 'homework.removed' },
    payload: ['dueOn', 'removedAt'],
  },
  final_mark: {
    table: 'final_marks', restorable: ['value', 'passed', 'status', 'comment', 'removedAt'],
    kinds: { created: 'final_mark.set', changed: 'final_mark.changed', removed: 'final_mark.removed' },
    payload: ['periodId', 'subjectId', 'value', 'passed', 'status', 'removedAt'],
  },
  lesson: {
    table: 'lessons',
    restorable: ['topic', 'room', 'status', 'date', 'lessonNumber', 'startsAt', 'endsAt', 'substituteTeacherId', 'substituteRecordedAt'],
    kinds: { created: 'lesson.created', changed: 'lesson.changed', removed: 'lesson.cancelled' },
    payload: ['date', 'lessonNumber', 'status', 'substituteTeacherId'],
  },
}

type Row = Record<string, unknown>
/** Equal as stored: numeric columns arrive as text from `select *` and as numbers in the audit. */
const same = (a: unknown, b: unknown) =>
  (typeof a === 'string' && typeof b === 'number') ? Number(a) === b : JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export interface VoidResult { readonly reverted: number; readonly skipped: number }

export async function voidJournalOperations(
  tx: Tx, ctx: RequestContext, compromise: { id: string; accountId: string; learnedAt: Date },
): Promise<VoidResult> {
  const ops = await tx<{ id: number; schoolId: string; action: string; entityType: string; entityId: string; before: Row | null; after: Row | null }[]>`
    select id, school_id, action, entity_type, entity_id, before, after from audit_log
    where actor_account_id = ${compromise.accountId} and at >= ${compromise.learnedAt} and action like 'journal.%'
      and entity_type in ${tx(Object.keys(SPECS))}
      and not exists (select 1 from voided_operations v where v.audit_id = audit_log.id)
    order by id desc`
  let reverted = 0, skipped = 0
  const changes: Change[] = []
  for (const op of ops) {
    const spec = SPECS[op.entityType]!
    // a lesson's creation by the timetable is not an entry to take back
    if (op.before === null && op.entityType === 'lesson') continue
    const [current] = await tx<Row[]>`select * from ${tx(spec.table)} where id = ${op.entityId} for update`
    const after = op.after ?? {}
    // compare what a reversal restores, not bookkeeping like updated_at: after taking back the
    // account's later correction of an entry, its creation must still be found untouched
    const untouched = current !== undefined &&
      spec.restorable.every((k) => !(k in after) || !(k in current) || same(current[k], after[k]))
    let outcome: 'reverted' | 'skipped_changed_later' = 'skipped_changed_later'
    if (untouched) {
      const restore: Row = {}
      for (const k of spec.restorable) {
        if (op.before === null) continue
        if (k in op.before) restore[k] = spec.json?.includes(k) ? tx.json(op.before[k] as never) : op.before[k]
      }
      // taking back a creation removes the entry (lessons are never created by hand)
      if (op.before === null) restore.removedAt = new Date()
      try {
        const [restored] = await tx.savepoint((sp) =>
          sp<Row[]>`update ${sp(spec.table)} set ${sp(restore, ...Object.keys(restore))} where id = ${op.entityId} returning *`)
        // homework due at a lesson put back on its old date is due on that date again
        if (op.entityType === 'lesson')
          await tx`update homework set due_on = ${restored!.date as string} where due_lesson_id = ${op.entityId} and removed_at is null`
        const kind = op.before === null ? spec.kinds.removed : op.before.removedAt == null && (after.removedAt ?? null) !== null ? spec.kinds.created : spec.kinds.changed
        const [lesson] = restored!.lessonId
          ? await tx<{ classId: string; subjectId: string; date: string }[]>`select class_id, subject_id, date from lessons where id = ${restored!.lessonId as string}`
          : [undefined]
        changes.push({
          schoolId: op.schoolId, kind, entityType: op.entityType, entityId: op.entityId, before: current!, after: restored!,
          studentId: (restored!.studentId as string | undefined) ?? null, classId: (lesson?.classId ?? restored!.classId ?? null) as string | null,
          payload: {
            voided: true, compromiseId: compromise.id, entityId: op.entityId,
            ...(lesson ? { lessonId: restored!.lessonId, subjectId: lesson.subjectId, date: lesson.date } : {}),
            entry: Object.fromEntries(spec.payload.filter((k) => k in restored!).map((k) => [k, restored![k]])),
          },
        })
        outcome = 'reverted'
        reverted++
      } catch {
        skipped++
      }
    } else {
      skipped++
    }
    await tx`
      insert into voided_operations (compromise_id, audit_id, entity_type, entity_id, action, outcome)
      values (${compromise.id}, ${op.id}, ${op.entityType}, ${op.entityId}, ${op.action}, ${outcome})`
  }
  await recordChanges(tx, ctx, changes)
  await tx`update compromise_reports set voided_at = now() where id = ${compromise.id}`
  return { reverted, skipped }
}

export interface VoidedOperation {
  auditId: number; entityType: string; entityId: string; action: string; outcome: 'reverted' | 'skipped_changed_later'
  voidedAt: Date; operatedAt: Date; before: unknown; after: unknown
}

/** The operations a compromise report took back or skipped: for the admins and directors of the account's schools. */
export async function listVoided(sql: Sql, ctx: RequestContext, compromiseId: string): Promise<VoidedOperation[]> {
  const [report] = await sql<{ accountId: string }[]>`select account_id from compromise_reports where id = ${compromiseId}`
  const schoolIds = report ? await accountSchoolIds(sql, report.accountId) : []
  if (!schoolIds.some((schoolId) => can(ctx.actor, 'school.readAudit', { type: 'school', schoolId })))
    throw errors.notFound('compromise report', compromiseId)
  return sql<VoidedOperation[]>`
    select v.audit_id, v.entity_type, v.entity_id, v.action, v.outcome, v.voided_at, a.at as operated_at, a.before, a.after
    from voided_operations v join audit_log a on a.id = v.audit_id
    where v.compromise_id = ${compromiseId} order by v.audit_id desc`
}

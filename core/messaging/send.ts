/**
 * Sending a message. A guardian starts (or continues) a thread with one of the child's
 * contacts; the member of staff answers in a thread they are in. The message, its audit row
 * and the outbox event the notifier pushes are written in ONE transaction. The event names
 * its recipients, so the notifier needs no thread logic: a muted thread's family messages
 * name nobody (kept, not pushed).
 */
import { can } from '../auth/policy.ts'
import { writeAudit } from '../audit/audit.ts'
import type { Sql, Tx } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import { loadContacts } from './contacts.ts'
import { messageText, type MessageView, type SentView, type Side } from './schema.ts'
import { loadThread, MESSAGE_COLUMNS, sideOf, threadView, type ThreadRow } from './threads.ts'

export type Via = 'telegram' | 'api'

export type SendInput =
  | { readonly studentId: string; readonly staffId: string; readonly body: string; readonly via?: Via }
  | { readonly threadId: string; readonly body: string; readonly via?: Via }

/** The payload of a 'message.sent' outbox event (the notifier reads it). */
export interface MessageEvent {
  readonly threadId: string
  readonly messageId: string
  /** whom to notify: the other side's person, or nobody when a muted thread's family writes */
  readonly recipientIds: string[]
  readonly from: Side
  readonly muted: boolean
}

export async function sendMessage(sql: Sql, ctx: RequestContext, input: SendInput): Promise<SentView> {
  const body = messageText.safeParse(input.body)
  if (!body.success) throw errors.validation([{ path: 'body', message: 'from 1 to 4000 characters' }])
  const sent = await sql.begin(async (tx) => {
    let thread: ThreadRow
    let from: Side
    if ('threadId' in input) {
      const t = await loadThread(tx, input.threadId, true)
      const side = t && sideOf(ctx.actor, t)
      if (!t || !side) {
        // the administration reads the record but does not write in others' threads
        if (t && can(ctx.actor, 'school.readThreads', { type: 'school', schoolId: t.schoolId }))
          throw errors.forbidden('Only the guardian and the member of staff of a thread write in it')
        throw errors.notFound('thread', input.threadId)
      }
      thread = t
      from = side
    } else {
      thread = await openThread(tx, ctx, input.studentId, input.staffId)
      from = 'guardian'
    }
    const authorId = from === 'staff' ? thread.staffId : thread.guardianId
    const [m] = await tx<MessageView[]>`
      with m as (
        insert into thread_messages (thread_id, school_id, author_id, body, via)
        values (${thread.id}, ${thread.schoolId}, ${authorId}, ${body.data}, ${input.via ?? 'api'})
        returning *)
      select ${MESSAGE_COLUMNS(tx)} from m join message_threads t on t.id = m.thread_id`
    await tx`update message_threads set last_message_at = ${m!.createdAt} where id = ${thread.id}`
    const muted = from === 'guardian' && thread.mutedAt !== null
    const event: MessageEvent = {
      threadId: thread.id, messageId: m!.id, from, muted,
      recipientIds: muted ? [] : [from === 'staff' ? thread.guardianId : thread.staffId],
    }
    await writeAudit(tx, {
      schoolId: thread.schoolId, actorAccountId: ctx.actor.accountId, action: 'message.sent', entityType: 'thread_message',
      entityId: m!.id, after: { threadId: thread.id, authorId, body: m!.body, via: m!.via }, requestId: ctx.requestId ?? null,
    })
    await tx`insert into outbox ${tx({
      schoolId: thread.schoolId, kind: 'message.sent', entityType: 'thread_message', entityId: m!.id,
      studentId: thread.studentId, classId: null, payload: tx.json(event as never),
      actorAccountId: ctx.actor.accountId, requestId: ctx.requestId ?? null,
    })}`
    return { threadId: thread.id, message: m!, pushed: !muted }
  })
  return { thread: await threadView(sql, ctx.actor, sent.threadId), message: sent.message, pushed: sent.pushed }
}

/**
 * The guardian's thread with a contact of the child, created on first use. The writer is the
 * actor's person who is a guardian of the student (a parent with two accounts' persons merged
 * in the bot writes as the right one).
 */
async function openThread(tx: Tx, ctx: RequestContext, studentId: string, staffId: string): Promise<ThreadRow> {
  const r = await personResource(tx, studentId)
  if (!r || r.kind !== 'student' || !can(ctx.actor, 'student.listContacts', r)) throw errors.notFound('student', studentId)
  const guardianId = r.guardianIds.find((g) => ctx.actor.personIds.includes(g))
  if (!guardianId) throw errors.forbidden("Only the child's guardians start a thread about the child")
  if (ctx.actor.personIds.includes(staffId)) throw errors.forbidden('A thread is between two people')
  const contacts = await loadContacts(tx, studentId)
  if (!contacts.some((c) => c.id === staffId))
    throw errors.forbidden("Families write to the child's class teacher and the teachers of the child's class")
  const [t] = await tx<ThreadRow[]>`
    insert into message_threads (school_id, student_id, guardian_id, staff_id)
    values (${r.schoolId}, ${studentId}, ${guardianId}, ${staffId})
    on conflict (student_id, guardian_id, staff_id) do update set student_id = excluded.student_id
    returning id, school_id, student_id, guardian_id, staff_id, muted_at`
  return t!
}

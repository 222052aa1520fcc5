/**
 * Announcements to families: the class teacher to their class, the administration (admin,
 * director, deputy) to any class or the whole school. Stored with an audit row and an outbox
 * event in one transaction; the notifier finds the families of the students enrolled when it
 * dispatches.
 */
import { assertCan } from '../auth/policy.ts'
import { writeAudit } from '../audit/audit.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { messageText, type AnnouncementView } from './schema.ts'

export interface AnnouncementInput {
  readonly schoolId: string
  readonly classId?: string | null | undefined
  readonly body: string
}

export async function publishAnnouncement(sql: Sql, ctx: RequestContext, input: AnnouncementInput): Promise<AnnouncementView> {
  const body = messageText.safeParse(input.body)
  if (!body.success) throw errors.validation([{ path: 'body', message: 'from 1 to 4000 characters' }])
  const { schoolId } = input
  const classId = input.classId ?? null
  return sql.begin(async (tx) => {
    if (classId) {
      const [c] = await tx`select 1 from classes where id = ${classId} and school_id = ${schoolId}`
      if (!c) throw errors.notFound('class', classId)
      assertCan(ctx.actor, 'announcement.publish', { type: 'class', schoolId, classId })
    } else {
      assertCan(ctx.actor, 'announcement.publish', { type: 'school', schoolId })
    }
    // signed by the author's staff card in this school (the families see whose it is)
    const [author] = await tx<{ id: string }[]>`
      select id from persons where id = any(${ctx.actor.personIds as string[]}::uuid[]) and school_id = ${schoolId} and kind = 'staff'
      order by id limit 1`
    if (!author) throw errors.forbidden("An announcement is signed by a member of the school's staff")
    const [a] = await tx<Omit<AnnouncementView, 'students'>[]>`
      insert into announcements (school_id, class_id, author_id, author_account_id, body)
      values (${schoolId}, ${classId}, ${author.id}, ${ctx.actor.accountId}, ${body.data})
      returning id, school_id, class_id, author_id, body, created_at`
    const [n] = await tx<{ students: number }[]>`
      select count(*)::int as students from enrolments e join classes c on c.id = e.class_id
      where e.ended_on is null and c.school_id = ${schoolId} and (${classId}::uuid is null or c.id = ${classId})`
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'announcement.published', entityType: 'announcement',
      entityId: a!.id, after: a!, requestId: ctx.requestId ?? null,
    })
    await tx`insert into outbox ${tx({
      schoolId, kind: 'announcement.published', entityType: 'announcement', entityId: a!.id, studentId: null, classId,
      payload: tx.json({ announcementId: a!.id, classId, authorId: author.id }),
      actorAccountId: ctx.actor.accountId, requestId: ctx.requestId ?? null,
    })}`
    return { ...a!, students: n!.students }
  })
}

/**
 * How a guardian receives the weekly diary printout (school14 4.6.5, school26 1.6): a PDF by
 * e-mail, a paper copy handed over by the class teacher, or none (no row). Guardians choose for
 * themselves; the class teacher or the secretary records the choice of a guardian who refuses
 * electronic access. The notifier reads the same rows on Saturday (notifier/schedule.ts).
 */
import { writeAudit } from '../audit/audit.ts'
import { assertCan, can, type Actor } from '../auth/policy.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { requireClass } from '../journal/access.ts'
import { personResource, type RequestContext } from '../people/service.ts'

export const WEEKLY_PRINTOUT = ['none', 'email', 'paper'] as const
export type WeeklyPrintout = (typeof WEEKLY_PRINTOUT)[number]

export interface PrintoutPreference {
  readonly personId: string
  readonly weekly: WeeklyPrintout
  /** whether the guardian's card has an e-mail address (the 'email' choice needs one) */
  readonly hasEmail: boolean
  readonly setAt: Date | null
}

/** A guardian whose choice the actor may see and change; anyone else is "not found" or 403. */
async function requireGuardian(db: Db, actor: Actor, personId: string) {
  const r = await personResource(db, personId)
  if (!r || r.kind !== 'guardian' || !(can(actor, 'person.read', r) || can(actor, 'printout.setPreference', r)))
    throw errors.notFound('guardian', personId)
  assertCan(actor, 'printout.setPreference', r)
  return r
}

async function readPreference(db: Db, personId: string, hasEmail: boolean): Promise<PrintoutPreference> {
  const [row] = await db<{ weekly: 'email' | 'paper'; setAt: Date }[]>`
    select weekly, set_at from printout_preferences where person_id = ${personId}`
  return { personId, weekly: row?.weekly ?? 'none', hasEmail, setAt: row?.setAt ?? null }
}

export async function getPrintoutPreference(sql: Sql, ctx: RequestContext, personId: string): Promise<PrintoutPreference> {
  const r = await requireGuardian(sql, ctx.actor, personId)
  return readPreference(sql, personId, !!r.contacts.email)
}

/** Sets the choice; a change is audited with before and after, an unchanged one writes nothing. */
export async function setPrintoutPreference(
  sql: Sql, ctx: RequestContext, personId: string, weekly: WeeklyPrintout,
): Promise<PrintoutPreference> {
  const r = await requireGuardian(sql, ctx.actor, personId)
  return sql.begin(async (tx) => {
    // the card as it is now (and locked), not as it was when the request began
    const [card] = await tx<{ email: string | null }[]>`select email from persons where id = ${personId} for update`
    const hasEmail = !!card?.email
    if (weekly === 'email' && !hasEmail) {
      throw new AppError('rule_violation', "The guardian's card has no e-mail address: add one first, or choose paper", {
        issues: [{ path: 'weekly', message: 'email_address_missing' }],
      })
    }
    const [was] = await tx<{ weekly: 'email' | 'paper' }[]>`select weekly from printout_preferences where person_id = ${personId} for update`
    const before: WeeklyPrintout = was?.weekly ?? 'none'
    if (before === weekly) return readPreference(tx, personId, hasEmail)
    if (weekly === 'none') {
      await tx`delete from printout_preferences where person_id = ${personId}`
    } else {
      await tx`
        insert into printout_preferences (person_id, weekly, set_by, set_at) values (${personId}, ${weekly}, ${ctx.actor.accountId}, now())
        on conflict (person_id) do update set weekly = excluded.weekly, set_by = excluded.set_by, set_at = excluded.set_at`
    }
    await writeAudit(tx, {
      schoolId: r.schoolId, actorAccountId: ctx.actor.accountId, action: 'printout.preference_set', entityType: 'person',
      entityId: personId, before: { weekly: before }, after: { weekly }, requestId: ctx.requestId ?? null,
    })
    return readPreference(tx, personId, hasEmail)
  })
}

export interface NameCard { readonly personId: string; readonly lastName: string; readonly firstName: string; readonly middleName: string | null }
export interface PrintoutRecipient { readonly guardian: NameCard; readonly student: NameCard }
export interface ClassRecipients {
  readonly classId: string
  readonly classLabel: string
  /** the class teacher hands a printed week to these guardians */
  readonly paper: PrintoutRecipient[]
  /** these get the PDF by e-mail (`hasEmail` false: the address was removed since, nothing goes out) */
  readonly email: Array<PrintoutRecipient & { readonly hasEmail: boolean }>
}

/**
 * Who of the class's families takes the weekly printout and how: one line per guardian and child
 * now in the class, ordered by the child's then the guardian's name. Names only, no contacts.
 */
export async function classPrintoutRecipients(db: Db, classId: string): Promise<ClassRecipients> {
  const [c] = await db<{ classLabel: string }[]>`select grade || letter as class_label from classes where id = ${classId}`
  const rows = await db<{
    weekly: 'email' | 'paper'; hasEmail: boolean
    guardianId: string; gLast: string; gFirst: string; gMiddle: string | null
    studentId: string; sLast: string; sFirst: string; sMiddle: string | null
  }[]>`
    select pp.weekly, gp.email is not null as has_email,
      gp.id as guardian_id, gp.last_name as g_last, gp.first_name as g_first, gp.middle_name as g_middle,
      sp.id as student_id, sp.last_name as s_last, sp.first_name as s_first, sp.middle_name as s_middle
    from enrolments e
    join persons sp on sp.id = e.student_id
    join guardianships g on g.student_id = e.student_id
    join printout_preferences pp on pp.person_id = g.guardian_id
    join persons gp on gp.id = g.guardian_id
    where e.class_id = ${classId} and e.ended_on is null
    order by sp.last_name, sp.first_name, sp.id, gp.last_name, gp.first_name, gp.id`
  const line = (r: (typeof rows)[number]): PrintoutRecipient => ({
    guardian: { personId: r.guardianId, lastName: r.gLast, firstName: r.gFirst, middleName: r.gMiddle },
    student: { personId: r.studentId, lastName: r.sLast, firstName: r.sFirst, middleName: r.sMiddle },
  })
  return {
    classId, classLabel: c?.classLabel ?? '',
    paper: rows.filter((r) => r.weekly === 'paper').map(line),
    email: rows.filter((r) => r.weekly === 'email').map((r) => ({ ...line(r), hasEmail: r.hasEmail })),
  }
}

export async function getClassPrintoutRecipients(sql: Sql, ctx: RequestContext, classId: string): Promise<ClassRecipients> {
  await requireClass(sql, ctx, classId, 'class.printWeekly')
  return classPrintoutRecipients(sql, classId)
}

/**
 * Schools, persons, guardianship and consent. Every write goes with its audit row in one
 * transaction; every read and write asks the policy first.
 */
import type { z } from 'zod'
import { writeAudit } from '../audit/audit.ts'
import { assertCan, can, type Actor, type PersonResource } from '../auth/policy.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type {
  consentBody, createPersonBody, guardianshipBody, PersonCard, PersonView, sensitiveBody,
} from './schema.ts'

export interface RequestContext {
  readonly actor: Actor
  readonly requestId?: string
}

const NAME_CARD = (db: Db) => db`id, school_id, kind, last_name, first_name, middle_name, gender`

export async function getSchool(sql: Sql, ctx: RequestContext, schoolId: string) {
  const [school] = await sql<{ id: string; name: string; shortName: string | null; timezone: string; municipality: string | null }[]>`
    select id, name, short_name, timezone, municipality from schools where id = ${schoolId}`
  if (!school || !can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return school
}

/** The facts the policy needs about a person: school, kind, classes, guardians. */
export async function personResource(
  db: Db, personId: string,
): Promise<(PersonResource & { card: PersonCard; contacts: { phone: string | null; email: string | null } }) | null> {
  const [row] = await db<(PersonCard & { phone: string | null; email: string | null; classIds: string[]; guardianIds: string[] })[]>`
    select ${NAME_CARD(db)}, phone, email,
      array(
        select e.class_id from enrolments e where e.student_id = p.id and e.ended_on is null
        union
        select e.class_id from guardianships g join enrolments e on e.student_id = g.student_id and e.ended_on is null
        where g.guardian_id = p.id
      ) as class_ids,
      array(select guardian_id from guardianships where student_id = p.id) as guardian_ids
    from persons p where p.id = ${personId}`
  if (!row) return null
  const { classIds, guardianIds, phone, email, ...card } = row
  return { type: 'person', schoolId: card.schoolId, personId: card.id, kind: card.kind, classIds, guardianIds, card, contacts: { phone, email } }
}

/** Loads a person for an action; a person the actor may not read is "not found", not "forbidden". */
async function requirePerson(db: Db, actor: Actor, personId: string) {
  const r = await personResource(db, personId)
  if (!r || !can(actor, 'person.read', r)) throw errors.notFound('person', personId)
  return r
}

export async function getPerson(sql: Sql, ctx: RequestContext, personId: string): Promise<PersonView> {
  const r = await requirePerson(sql, ctx.actor, personId)
  const view: PersonView = { ...r.card, classIds: [...r.classIds] }
  if (can(ctx.actor, 'person.readContacts', r)) view.contacts = r.contacts
  if (r.kind === 'student') {
    view.guardians = await sql<{ personId: string; relation: z.infer<typeof guardianshipBody>['relation'] }[]>`
      select guardian_id as person_id, relation from guardianships where student_id = ${personId} order by created_at`
  }
  if (r.kind === 'guardian') {
    view.wards = await sql<{ personId: string; relation: z.infer<typeof guardianshipBody>['relation'] }[]>`
      select student_id as person_id, relation from guardianships where guardian_id = ${personId} order by created_at`
  }
  return view
}

export async function createPerson(
  sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof createPersonBody>,
): Promise<PersonView> {
  assertCan(ctx.actor, 'person.create', { type: 'school', schoolId })
  if (input.classId && input.kind !== 'student')
    throw errors.validation([{ path: 'classId', message: 'only a student is enrolled in a class' }])
  const id = await sql.begin(async (tx) => {
    if (input.classId) {
      const [cls] = await tx`select 1 from classes where id = ${input.classId} and school_id = ${schoolId}`
      if (!cls) throw new AppError('invalid_reference', `class ${input.classId} is not a class of this school`)
    }
    const [p] = await tx<{ id: string }[]>`
      insert into persons (school_id, kind, last_name, first_name, middle_name, gender, phone, email)
      values (${schoolId}, ${input.kind}, ${input.lastName}, ${input.firstName}, ${input.middleName ?? null},
              ${input.gender ?? null}, ${input.phone ?? null}, ${input.email ?? null})
      returning id`
    if (input.classId) {
      // the school's calendar date, not the server's
      await tx`
        insert into enrolments (student_id, class_id, started_on)
        select ${p!.id}, ${input.classId}, (now() at time zone s.timezone)::date from schools s where s.id = ${schoolId}`
    }
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'person.created', entityType: 'person',
      entityId: p!.id, after: { kind: input.kind, classId: input.classId ?? null }, requestId: ctx.requestId ?? null,
    })
    return p!.id
  })
  return getPerson(sql, ctx, id)
}

export async function linkGuardian(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof guardianshipBody>) {
  assertCan(ctx.actor, 'guardianship.manage', { type: 'school', schoolId })
  await sql.begin(async (tx) => {
    const rows = await tx<{ id: string; kind: string }[]>`
      select id, kind from persons where id in ${tx([input.guardianId, input.studentId])} and school_id = ${schoolId}`
    const kindOf = (id: string) => rows.find((r) => r.id === id)?.kind
    if (kindOf(input.guardianId) !== 'guardian')
      throw new AppError('invalid_reference', 'guardianId must be a guardian of this school')
    if (kindOf(input.studentId) !== 'student')
      throw new AppError('invalid_reference', 'studentId must be a student of this school')
    const inserted = await tx`
      insert into guardianships (guardian_id, student_id, relation)
      values (${input.guardianId}, ${input.studentId}, ${input.relation})
      on conflict do nothing returning guardian_id`
    if (!inserted.length) throw errors.conflict('this guardian is already linked to this student')
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'guardianship.created', entityType: 'person',
      entityId: input.studentId, after: input, requestId: ctx.requestId ?? null,
    })
  })
}

/**
 * Ends a guardian's link to a student (a mistaken link, a court decision). Audited with the
 * relation that was; the guardian loses the child's records at once, and the class channel's
 * gating removes them from the class group at its next sweep.
 */
export async function unlinkGuardian(sql: Sql, ctx: RequestContext, schoolId: string, guardianId: string, studentId: string) {
  assertCan(ctx.actor, 'guardianship.manage', { type: 'school', schoolId })
  await sql.begin(async (tx) => {
    const [gone] = await tx<{ relation: z.infer<typeof guardianshipBody>['relation']; createdAt: Date }[]>`
      delete from guardianships g
      where g.guardian_id = ${guardianId} and g.student_id = ${studentId}
        and exists (select 1 from persons p where p.id = g.guardian_id and p.school_id = ${schoolId})
        and exists (select 1 from persons p where p.id = g.student_id and p.school_id = ${schoolId})
      returning g.relation, g.created_at`
    if (!gone) throw errors.notFound('guardianship', `${guardianId}/${studentId}`)
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'guardianship.removed', entityType: 'person',
      entityId: studentId, before: { guardianId, studentId, relation: gone.relation, createdAt: gone.createdAt },
      requestId: ctx.requestId ?? null,
    })
  })
}

async function hasActiveConsent(db: Db, personId: string): Promise<boolean> {
  const [row] = await db`
    select 1 from pd_consents where subject_person_id = ${personId} and revoked_at is null and given_at <= now() limit 1`
  return !!row
}

export async function recordConsent(sql: Sql, ctx: RequestContext, personId: string, input: z.infer<typeof consentBody>) {
  const r = await requirePerson(sql, ctx.actor, personId)
  assertCan(ctx.actor, 'consent.record', r)
  const signer = await personResource(sql, input.givenByPersonId)
  const mayGive = input.givenByPersonId === personId || (signer?.kind === 'guardian' && r.guardianIds.includes(input.givenByPersonId))
  if (!signer || !mayGive)
    throw new AppError('invalid_reference', 'consent is given by the person themselves or by one of their guardians')
  const givenAt = new Date(input.givenAt)
  if (givenAt.getTime() > Date.now() + 60_000) throw errors.validation([{ path: 'givenAt', message: 'must not be in the future' }])
  return sql.begin(async (tx) => {
    const [c] = await tx<Consent[]>`
      insert into pd_consents (school_id, subject_person_id, given_by_person_id, purpose, document_ref, given_at, recorded_by)
      values (${r.schoolId}, ${personId}, ${input.givenByPersonId}, ${input.purpose}, ${input.documentRef ?? null},
              ${givenAt}, ${ctx.actor.accountId})
      returning ${CONSENT_COLUMNS(tx)}`
    await writeAudit(tx, {
      schoolId: r.schoolId, actorAccountId: ctx.actor.accountId, action: 'consent.recorded', entityType: 'person',
      entityId: personId, after: { consentId: c!.id, givenBy: input.givenByPersonId, givenAt: givenAt.toISOString() },
      requestId: ctx.requestId ?? null,
    })
    return c!
  })
}

export async function revokeConsent(sql: Sql, ctx: RequestContext, personId: string, consentId: string) {
  const r = await requirePerson(sql, ctx.actor, personId)
  assertCan(ctx.actor, 'consent.record', r)
  return sql.begin(async (tx) => {
    const rows = await tx`
      update pd_consents set revoked_at = now()
      where id = ${consentId} and subject_person_id = ${personId} and revoked_at is null returning id`
    if (!rows.length) throw errors.notFound('active consent', consentId)
    await writeAudit(tx, {
      schoolId: r.schoolId, actorAccountId: ctx.actor.accountId, action: 'consent.revoked', entityType: 'person',
      entityId: personId, after: { consentId }, requestId: ctx.requestId ?? null,
    })
  })
}

type Consent = { id: string; subjectPersonId: string; givenByPersonId: string; purpose: string; documentRef: string | null; givenAt: string; revokedAt: string | null }
/** Timestamps as ISO text, the form the API answers with. */
const CONSENT_COLUMNS = (db: Db) => db`id, subject_person_id, given_by_person_id, purpose, document_ref,
  to_json(given_at)#>>'{}' as given_at, to_json(revoked_at)#>>'{}' as revoked_at`

export async function listConsents(db: Db, personId: string) {
  return db<Consent[]>`select ${CONSENT_COLUMNS(db)} from pd_consents where subject_person_id = ${personId} order by given_at`
}

export async function getConsents(sql: Sql, ctx: RequestContext, personId: string) {
  const r = await requirePerson(sql, ctx.actor, personId)
  if (!can(ctx.actor, 'consent.record', r) && !can(ctx.actor, 'person.readSensitive', r)) throw errors.forbidden()
  return listConsents(sql, personId)
}

export async function getSensitive(sql: Sql, ctx: RequestContext, personId: string) {
  const r = await requirePerson(sql, ctx.actor, personId)
  assertCan(ctx.actor, 'person.readSensitive', r)
  const [row] = await sql<{ birthDate: string | null; snils: string | null; document: Record<string, unknown> | null; address: string | null; healthNotes: string | null }[]>`
    select birth_date::text, snils, document, address, health_notes from person_sensitive where person_id = ${personId}`
  return { personId, birthDate: null, snils: null, document: null, address: null, healthNotes: null, ...row }
}

/** Sensitive data is entered only while a consent to process it is on record (152-ФЗ). */
export async function putSensitive(sql: Sql, ctx: RequestContext, personId: string, input: z.infer<typeof sensitiveBody>) {
  const r = await requirePerson(sql, ctx.actor, personId)
  assertCan(ctx.actor, 'person.writeSensitive', r)
  await sql.begin(async (tx) => {
    if (!(await hasActiveConsent(tx, personId)))
      throw new AppError('consent_required', 'Record the consent to process personal data before entering it')
    const value = {
      birthDate: input.birthDate ?? null, snils: input.snils ?? null, document: input.document ?? null,
      address: input.address ?? null, healthNotes: input.healthNotes ?? null,
    }
    await tx`
      insert into person_sensitive (person_id, birth_date, snils, document, address, health_notes, updated_at)
      values (${personId}, ${value.birthDate}, ${value.snils}, ${value.document ? tx.json(value.document) : null},
              ${value.address}, ${value.healthNotes}, now())
      on conflict (person_id) do update set birth_date = excluded.birth_date, snils = excluded.snils,
        document = excluded.document, address = excluded.address, health_notes = excluded.health_notes, updated_at = now()`
    // The audit row names which fields changed, never their values: the log is read more widely.
    await writeAudit(tx, {
      schoolId: r.schoolId, actorAccountId: ctx.actor.accountId, action: 'person.sensitive_updated', entityType: 'person',
      entityId: personId, after: { fields: Object.keys(input).sort() }, requestId: ctx.requestId ?? null,
    })
  })
  return getSensitive(sql, ctx, personId)
}

export async function listPeople(
  sql: Sql, ctx: RequestContext, schoolId: string, filter: { kind?: string | undefined; classId?: string | undefined; limit: number; offset: number },
) {
  if (filter.classId) assertCan(ctx.actor, 'class.readRoster', { type: 'class', schoolId, classId: filter.classId })
  else assertCan(ctx.actor, 'school.listPeople', { type: 'school', schoolId })
  return sql<PersonCard[]>`
    select ${NAME_CARD(sql)} from persons p
    where school_id = ${schoolId}
      ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}
      ${filter.classId ? sql`and (
        exists (select 1 from enrolments e where e.student_id = p.id and e.class_id = ${filter.classId} and e.ended_on is null)
        or exists (select 1 from guardianships g join enrolments e on e.student_id = g.student_id and e.ended_on is null
                   where g.guardian_id = p.id and e.class_id = ${filter.classId}))` : sql``}
    order by last_name, first_name, middle_name nulls first, id
    limit ${filter.limit} offset ${filter.offset}`
}

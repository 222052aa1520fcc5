/**
 * Issuing initial credentials (school3 §5, school14 §6): an admin for anyone in the school,
 * a class teacher for their class's students and guardians. Each slip carries a login, a
 * one-time password that must be changed at first login, and a one-time code for linking the
 * Telegram bot. Reissuing replaces the password, unlocks the account, revokes its sessions and
 * voids earlier unused codes.
 */
import { writeAudit } from '../audit/audit.ts'
import type { Db, Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { initialsName } from '../people/names.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import type { CredentialSlip } from '../people/schema.ts'
import { transliterate } from '../people/translit.ts'
import { render } from '../render/render.ts'
import { generatePassword, hashPassword } from './passwords.ts'
import { assertCan, can, type Role } from './policy.ts'
import { revokeSessions } from './service.ts'
import { generateLinkCode, sha256 } from './tokens.ts'

export const LINK_CODE_TTL_DAYS = 30

/** Default role for a person's kind; staff roles are granted explicitly. */
const ROLE_FOR_KIND: Record<'student' | 'guardian' | 'staff', Role | null> = {
  student: 'student',
  guardian: 'guardian',
  staff: null,
}

export function fullName(p: { lastName: string; firstName: string; middleName: string | null }): string {
  return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ')
}

/** `ivanova.ms`, then `ivanova.ms2`, `ivanova.ms3` … until free. */
export async function uniqueLogin(db: Db, p: { lastName: string; firstName: string; middleName: string | null }): Promise<string> {
  const base = (transliterate(p.lastName).slice(0, 40) || 'user') + '.' +
    transliterate(p.firstName).slice(0, 1) + transliterate(p.middleName ?? '').slice(0, 1)
  const stem = base.length >= 3 ? base : base + 'x'.repeat(3 - base.length)
  const taken = new Set(
    (await db<{ login: string }[]>`select login from accounts where login = ${stem} or login ~ ${'^' + stem.replace(/\./g, '\\.') + '[0-9]+$'}`)
      .map((r) => r.login),
  )
  if (!taken.has(stem)) return stem
  for (let i = 2; ; i++) if (!taken.has(stem + i)) return stem + i
}

export async function issueCredentials(sql: Sql, ctx: RequestContext, personIds: string[]): Promise<CredentialSlip[]> {
  const unique = [...new Set(personIds)]
  const targets: NonNullable<Awaited<ReturnType<typeof personResource>>>[] = []
  for (const id of unique) {
    const r = await personResource(sql, id)
    if (!r || !can(ctx.actor, 'person.read', r)) throw errors.notFound('person', id)
    assertCan(ctx.actor, 'credentials.issue', r)
    targets.push(r)
  }
  // argon2 is slow on purpose: hash outside the transaction
  const passwords = targets.map(() => generatePassword())
  const hashes = await Promise.all(passwords.map(hashPassword))

  return sql.begin(async (tx) => {
    const slips: CredentialSlip[] = []
    for (const [i, r] of targets.entries()) {
      const password = passwords[i]!
      const hash = hashes[i]!
      const [existing] = await tx<{ id: string; login: string }[]>`
        select a.id, a.login from account_persons ap join accounts a on a.id = ap.account_id
        where ap.person_id = ${r.personId} for update of a`
      let accountId: string
      let login: string
      if (existing) {
        accountId = existing.id
        login = existing.login
        await tx`
          update accounts set password_hash = ${hash}, must_change_password = true, locked_at = null,
            lock_reason = null, password_changed_at = now()
          where id = ${accountId}`
        await revokeSessions(tx, accountId, 'credentials_reissued')
      } else {
        ;({ accountId, login } = await createAccountFor(tx, { personId: r.personId, person: r.card, passwordHash: hash, roles: [] }))
      }
      // an existing account may lack the default role (e.g. made by bootstrap): grant it either way
      const role = ROLE_FOR_KIND[r.kind]
      if (role) await grantRoleRow(tx, accountId, { role, schoolId: r.schoolId }, ctx.actor.accountId)
      await tx`update link_codes set used_at = now() where person_id = ${r.personId} and used_at is null`
      const code = generateLinkCode()
      const [lc] = await tx<{ expiresAt: Date }[]>`
        insert into link_codes (code_hash, person_id, purpose, expires_at)
        values (${sha256(code)}, ${r.personId}, 'telegram', now() + make_interval(days => ${LINK_CODE_TTL_DAYS}))
        returning expires_at`
      await writeAudit(tx, {
        schoolId: r.schoolId, actorAccountId: ctx.actor.accountId,
        action: existing ? 'credentials.reissued' : 'credentials.issued', entityType: 'account', entityId: accountId,
        after: { personId: r.personId, login }, requestId: ctx.requestId ?? null,
      })
      slips.push({
        personId: r.personId, fullName: fullName(r.card), login, password, telegramCode: code,
        telegramCodeExpiresAt: lc!.expiresAt.toISOString(), reissued: !!existing,
      })
    }
    return slips
  })
}

/** Grants a role in a school (optionally narrowed to a class). Admins of the school only. */
export async function grantRole(
  sql: Sql, ctx: RequestContext, input: { accountId: string; role: Role; schoolId: string; classId?: string | undefined },
) {
  assertCan(ctx.actor, 'role.grant', { type: 'school', schoolId: input.schoolId })
  await sql.begin(async (tx) => {
    const [acc] = await tx`select 1 from accounts where id = ${input.accountId}`
    if (!acc) throw errors.notFound('account', input.accountId)
    if (input.classId) {
      const [c] = await tx`select 1 from classes where id = ${input.classId} and school_id = ${input.schoolId}`
      if (!c) throw errors.notFound('class', input.classId)
    }
    if (!(await grantRoleRow(tx, input.accountId, input, ctx.actor.accountId)))
      throw errors.conflict('the account already holds this role')
    await writeAudit(tx, {
      schoolId: input.schoolId, actorAccountId: ctx.actor.accountId, action: 'role.granted', entityType: 'account',
      entityId: input.accountId, after: { role: input.role, classId: input.classId ?? null }, requestId: ctx.requestId ?? null,
    })
  })
}

/**
 * Creates an account for a person with roles, outside any actor's request: used by
 * `zvonok bootstrap` and the demo seed. The caller's transaction writes the audit row.
 */
export async function createAccountFor(
  tx: Db,
  input: { personId: string; person: { lastName: string; firstName: string; middleName: string | null }; passwordHash: string; roles: { role: Role; schoolId: string; classId?: string | null }[] },
): Promise<{ accountId: string; login: string }> {
  const login = await uniqueLogin(tx, input.person)
  const [a] = await tx<{ id: string }[]>`
    insert into accounts (login, password_hash, must_change_password) values (${login}, ${input.passwordHash}, true) returning id`
  await tx`insert into account_persons (account_id, person_id) values (${a!.id}, ${input.personId})`
  for (const r of input.roles) await grantRoleRow(tx, a!.id, r, null)
  return { accountId: a!.id, login }
}

/** Inserts a role grant; returns false when the account already held it. */
async function grantRoleRow(
  tx: Db, accountId: string, r: { role: Role; schoolId: string; classId?: string | null | undefined }, grantedBy: string | null,
): Promise<boolean> {
  const rows = await tx`
    insert into account_roles (account_id, role, school_id, class_id, granted_by)
    values (${accountId}, ${r.role}, ${r.schoolId}, ${r.classId ?? null}, ${grantedBy})
    on conflict do nothing returning id`
  return rows.length > 0
}

/**
 * The slips as a printable A4 page (templates/print/credential-slips.html): each slip names the
 * system, the print time in the school's timezone and who printed it (krasnodar 4.5).
 */
export async function renderSlips(sql: Sql, ctx: RequestContext, slips: CredentialSlip[]): Promise<string> {
  const [school] = await sql<{ name: string; timezone: string }[]>`
    select s.name, s.timezone from persons p join schools s on s.id = p.school_id where p.id = ${slips[0]?.personId ?? null}`
  const [printer] = await sql<{ lastName: string; firstName: string; middleName: string | null; login: string }[]>`
    select p.last_name, p.first_name, p.middle_name, a.login
    from accounts a left join account_persons ap on ap.account_id = a.id left join persons p on p.id = ap.person_id
    where a.id = ${ctx.actor.accountId} order by p.kind = 'staff' desc limit 1`
  const printedBy = printer?.lastName
    ? initialsName(printer)
    : printer?.login ?? ''
  return render('print/credential-slips.html', {
    schoolName: school?.name ?? '', timeZone: school?.timezone ?? 'Europe/Moscow', printedAt: new Date(), printedBy, slips,
  })
}

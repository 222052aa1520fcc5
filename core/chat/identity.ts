/**
 * Who is behind a chat: the live links' persons (with their unlocked account, if any), those
 * accounts' person ids and roles, and the students whose diaries the chat reads (the linked
 * students and the linked guardians' children) with their current class. One statement.
 */
import type { Actor, RoleGrant } from '../auth/policy.ts'
import type { Db } from '../db/connect.ts'

export interface ChatPerson {
  readonly id: string
  readonly kind: 'student' | 'guardian' | 'staff'
  readonly schoolId: string
  readonly timezone: string
  readonly lastName: string
  readonly firstName: string
  readonly middleName: string | null
  readonly accountId: string | null
}

export interface ChatAccount {
  readonly accountId: string
  readonly personIds: string[]
  readonly roles: { role: RoleGrant['role']; schoolId: string | null; classId: string | null }[]
}

export interface ChatChild {
  readonly id: string
  readonly schoolId: string
  readonly timezone: string
  readonly firstName: string
  readonly lastName: string
  readonly classId: string | null
  readonly className: string | null
  readonly grade: number | null
}

export interface ChatIdentity {
  readonly persons: ChatPerson[]
  readonly accounts: ChatAccount[]
  readonly children: ChatChild[]
}

export async function chatIdentity(db: Db, chatId: string): Promise<ChatIdentity> {
  const [row] = await db<ChatIdentity[]>`
    with linked as (
      select p.id, p.kind, p.school_id, s.timezone, p.last_name, p.first_name, p.middle_name
      from chat_links cl join persons p on p.id = cl.person_id join schools s on s.id = p.school_id
      where cl.platform = 'telegram' and cl.chat_id = ${chatId} and cl.unlinked_at is null and cl.dead_at is null),
    accs as (
      select distinct a.id from linked l join account_persons ap on ap.person_id = l.id
      join accounts a on a.id = ap.account_id where a.locked_at is null),
    kids as (
      select st.id, st.school_id, sc.timezone, st.first_name, st.last_name, c.id as class_id,
        case when c.id is null then null else c.grade || c.letter end as class_name, c.grade
      from persons st join schools sc on sc.id = st.school_id
      left join enrolments e on e.student_id = st.id and e.ended_on is null
      left join classes c on c.id = e.class_id
      where st.kind = 'student' and (st.id in (select id from linked)
        or st.id in (select g.student_id from guardianships g where g.guardian_id in (select id from linked))))
    select
      coalesce((select json_agg(json_build_object('id', l.id, 'kind', l.kind, 'schoolId', l.school_id, 'timezone', l.timezone,
          'lastName', l.last_name, 'firstName', l.first_name, 'middleName', l.middle_name,
          'accountId', (select ap.account_id from account_persons ap join accounts a on a.id = ap.account_id
                        where ap.person_id = l.id and a.locked_at is null)) order by l.kind, l.last_name) from linked l), '[]') as persons,
      coalesce((select json_agg(json_build_object('accountId', a.id,
          'personIds', (select array_agg(person_id) from account_persons where account_id = a.id),
          'roles', coalesce((select json_agg(json_build_object('role', r.role, 'schoolId', r.school_id, 'classId', r.class_id))
                    from account_roles r where r.account_id = a.id), '[]'))) from accs a), '[]') as accounts,
      coalesce((select json_agg(k order by k.grade nulls last, k."className", k."lastName", k."firstName")
        from (select id, school_id as "schoolId", timezone, first_name as "firstName", last_name as "lastName",
                     class_id as "classId", class_name as "className", grade from kids) k), '[]') as children`
  return row!
}

/**
 * The chat's accounts merged into one actor (roles and person ids of all), or null when no
 * linked person has a live account. Its accountId is the staff person's account when there is
 * one, as staff acts are recorded under it.
 */
export function chatActor(identity: ChatIdentity, chatId: string): Actor | null {
  const { accounts } = identity
  if (!accounts.length) return null
  const staff = identity.persons.find((p) => p.kind === 'staff')
  const main = accounts.find((a) => staff?.accountId && a.accountId === staff.accountId) ?? accounts[0]!
  return {
    accountId: main.accountId,
    sessionId: `telegram:${chatId}`,
    personIds: [...new Set(accounts.flatMap((a) => a.personIds))],
    roles: accounts.flatMap((a) => a.roles),
  }
}

/**
 * Linking a chat to people: a one-time code from a credential slip (`/start CODE`), or the
 * person's own phone contact matching exactly one guardian card. A chat may hold several
 * persons (a parent of children in two classes; a teacher who is also a parent). Every link
 * and unlink is audited in the person's school.
 */
import { writeAudit } from '../audit/audit.ts'
import { sha256 } from '../auth/tokens.ts'
import type { Db, Sql } from '../db/connect.ts'

export interface LinkedCard {
  readonly personId: string
  readonly schoolId: string
  readonly kind: 'student' | 'guardian' | 'staff'
  readonly firstName: string
  readonly lastName: string
  readonly middleName: string | null
  /** the person was linked to this chat already */
  readonly already: boolean
}

/** Codes are printed in upper case without look-alikes; people type them in any case, with spaces. */
export function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase()
}

/** Redeems a link code for a chat: the card linked, or null when the code is unknown, used or expired. */
export async function redeemLinkCode(sql: Sql, rawCode: string, chatId: string): Promise<LinkedCard | null> {
  const code = normaliseCode(rawCode)
  if (!/^[A-Z0-9]{6,32}$/.test(code)) return null
  return sql.begin(async (tx) => {
    const [lc] = await tx<{ personId: string }[]>`
      update link_codes set used_at = now()
      where code_hash = ${sha256(code)} and purpose = 'telegram' and used_at is null and expires_at > now()
      returning person_id`
    if (!lc) return null
    return linkPerson(tx, lc.personId, chatId, 'code')
  })
}

/** Telegram phone numbers come as digits, with or without '+'; Russian cards are +7…, people write 8…. */
export function normalisePhone(raw: string): string | null {
  let digits = raw.replace(/\D/g, '')
  if (digits.length === 11 && digits.startsWith('8')) digits = '7' + digits.slice(1)
  return digits.length >= 10 && digits.length <= 15 ? `+${digits}` : null
}

export type PhoneLink = { readonly result: 'linked'; readonly card: LinkedCard } | { readonly result: 'none' | 'ambiguous' }

/** Links a chat to the one guardian card with this phone; none or several matches link nothing. */
export async function linkByPhone(sql: Sql, rawPhone: string, chatId: string): Promise<PhoneLink> {
  const phone = normalisePhone(rawPhone)
  if (!phone) return { result: 'none' }
  return sql.begin(async (tx) => {
    const found = await tx<{ id: string }[]>`select id from persons where phone = ${phone} and kind = 'guardian' limit 2`
    if (found.length === 0) return { result: 'none' as const }
    if (found.length > 1) return { result: 'ambiguous' as const }
    return { result: 'linked' as const, card: await linkPerson(tx, found[0]!.id, chatId, 'phone') }
  })
}

async function linkPerson(tx: Db, personId: string, chatId: string, via: 'code' | 'phone'): Promise<LinkedCard> {
  const [p] = await tx<Omit<LinkedCard, 'already' | 'personId'>[]>`
    select school_id, kind, first_name, last_name, middle_name from persons where id = ${personId}`
  const inserted = await tx`
    insert into chat_links (person_id, platform, chat_id) values (${personId}, 'telegram', ${chatId})
    on conflict (platform, chat_id, person_id) where unlinked_at is null and dead_at is null do nothing
    returning id`
  if (inserted.length) {
    await writeAudit(tx, {
      schoolId: p!.schoolId, actorAccountId: null, action: 'chat.linked', entityType: 'person', entityId: personId,
      after: { platform: 'telegram', via },
    })
  }
  return { personId, ...p!, already: inserted.length === 0 }
}

/** Unlinks persons (all, or the listed ones) from a chat; returns how many links ended. */
export async function unlinkChat(sql: Sql, chatId: string, personIds?: readonly string[]): Promise<number> {
  return sql.begin(async (tx) => {
    const ended = await tx<{ personId: string; schoolId: string }[]>`
      update chat_links cl set unlinked_at = now() from persons p
      where p.id = cl.person_id and cl.platform = 'telegram' and cl.chat_id = ${chatId} and cl.unlinked_at is null
        ${personIds ? tx`and cl.person_id = any(${personIds as string[]})` : tx``}
      returning cl.person_id, p.school_id`
    for (const e of ended) {
      await writeAudit(tx, {
        schoolId: e.schoolId, actorAccountId: null, action: 'chat.unlinked', entityType: 'person', entityId: e.personId,
        after: { platform: 'telegram' },
      })
    }
    // whatever the chat was in the middle of belonged to the people who just left it
    if (ended.length) await tx`update bot_chats set state = null, student_id = null where platform = 'telegram' and chat_id = ${chatId}`
    return ended.length
  })
}

/** Counts a failed code for a chat (the count restarts after an hour without one). */
export async function noteBadCode(sql: Sql, chatId: string): Promise<void> {
  await sql`
    update bot_chats set bad_codes = case when bad_codes_at > now() - interval '1 hour' then bad_codes + 1 else 1 end,
      bad_codes_at = now()
    where platform = 'telegram' and chat_id = ${chatId}`
}

export const MAX_BAD_CODES_PER_HOUR = 5

/** True when the chat gave MAX_BAD_CODES_PER_HOUR wrong codes within the last hour. */
export async function tooManyBadCodes(sql: Sql, chatId: string): Promise<boolean> {
  const [row] = await sql<{ blocked: boolean }[]>`
    select bad_codes >= ${MAX_BAD_CODES_PER_HOUR} and coalesce(bad_codes_at > now() - interval '1 hour', false) as blocked
    from bot_chats where platform = 'telegram' and chat_id = ${chatId}`
  return row?.blocked ?? false
}

/**
 * The notifier marks a link dead when Telegram says the bot is blocked. A message from that
 * chat means the person unblocked it: the dead links come back (unless already replaced).
 */
export async function reviveDeadLinks(sql: Sql, chatId: string): Promise<number> {
  const revived = await sql`
    update chat_links cl set dead_at = null, dead_reason = null
    where cl.platform = 'telegram' and cl.chat_id = ${chatId} and cl.dead_at is not null and cl.unlinked_at is null
      and not exists (select 1 from chat_links o where o.platform = 'telegram' and o.chat_id = cl.chat_id
                        and o.person_id = cl.person_id and o.unlinked_at is null and o.dead_at is null)
    returning cl.id`
  return revived.length
}

/**
 * Who wants what, where and when: per person × topic × channel a mode (instant, digest, off),
 * quiet hours and the digest time in the school's time zone, and the order channels are tried.
 * Missing rows mean the defaults: Telegram if linked, else email; SMS only for absence alerts;
 * homework in the evening digest; quiet hours 21:00–08:00; students off until they opt in.
 */
import type { Db } from '../db/connect.ts'
import { addDays, localDate, zonedInstant } from '../journal/time.ts'

export const TOPICS = [
  'marks', 'absence', 'homework', 'final_marks', 'messages', 'announcements', 'absence_digest', 'attendance_summary',
] as const
export type Topic = (typeof TOPICS)[number]
export const CHANNELS = ['telegram', 'email', 'sms'] as const
export type Channel = (typeof CHANNELS)[number]
export const MODES = ['instant', 'digest', 'off'] as const
export type Mode = (typeof MODES)[number]

export const DEFAULT_QUIET = { from: '21:00', to: '08:00' } as const
export const DEFAULT_DIGEST_AT = '19:00'

export function defaultMode(topic: Topic, channel: Channel): Mode {
  if (channel === 'sms') return topic === 'absence' ? 'instant' : 'off'
  return topic === 'homework' ? 'digest' : 'instant'
}

export interface Profile {
  readonly personId: string
  readonly schoolId: string
  readonly kind: 'student' | 'guardian' | 'staff'
  readonly firstName: string
  readonly timezone: string
  readonly schoolName: string
  readonly enabled: boolean
  readonly quiet: { readonly from: string; readonly to: string } | null
  readonly digestAt: string
  readonly channelOrder: readonly Channel[]
  readonly modes: ReadonlyMap<string, Mode>
  readonly addresses: Readonly<Partial<Record<Channel, string>>>
}

export function modeOf(p: Profile, topic: Topic, channel: Channel): Mode {
  return p.modes.get(`${topic}:${channel}`) ?? defaultMode(topic, channel)
}

/**
 * The channel a topic goes to: the first in the person's order with an address and a mode
 * other than off. `tried` excludes channels that already failed permanently (fallback).
 */
export function chooseChannel(p: Profile, topic: Topic, tried: ReadonlySet<Channel> = new Set()):
  { channel: Channel; mode: 'instant' | 'digest' } | null {
  if (!p.enabled) return null
  for (const channel of p.channelOrder) {
    if (tried.has(channel) || !p.addresses[channel]) continue
    const mode = modeOf(p, topic, channel)
    if (mode !== 'off') return { channel, mode }
  }
  return null
}

const hm = (t: string | null) => (t ? t.slice(0, 5) : null)

/** Everything routing needs about these people, in one query. */
export async function loadProfiles(db: Db, personIds: readonly string[]): Promise<Map<string, Profile>> {
  if (!personIds.length) return new Map()
  const rows = await db<{
    personId: string; schoolId: string; kind: Profile['kind']; firstName: string; timezone: string; schoolName: string
    email: string | null; phone: string | null; chatId: string | null; hasSettings: boolean; enabled: boolean | null
    quietFrom: string | null; quietTo: string | null; digestAt: string | null; channelOrder: Channel[] | null
    prefs: Array<{ topic: Topic; channel: Channel; mode: Mode }> | null
  }[]>`
    select p.id as person_id, p.school_id, p.kind, p.first_name, s.timezone, coalesce(s.short_name, s.name) as school_name,
           p.email, p.phone, cl.chat_id::text as chat_id, ns.person_id is not null as has_settings, ns.enabled,
           ns.quiet_from::text as quiet_from, ns.quiet_to::text as quiet_to, ns.digest_at::text as digest_at, ns.channel_order,
           (select json_agg(json_build_object('topic', np.topic, 'channel', np.channel, 'mode', np.mode))
              from notification_preferences np where np.person_id = p.id) as prefs
    from persons p
    join schools s on s.id = p.school_id
    left join notification_settings ns on ns.person_id = p.id
    left join lateral (
      select chat_id from chat_links c
      where c.person_id = p.id and c.unlinked_at is null and c.dead_at is null
      order by c.linked_at desc limit 1) cl on true
    where p.id in ${db(personIds as string[])}`
  const out = new Map<string, Profile>()
  for (const r of rows) {
    const addresses: Partial<Record<Channel, string>> = {}
    if (r.chatId) addresses.telegram = r.chatId
    if (r.email) addresses.email = r.email
    if (r.phone) addresses.sms = r.phone
    out.set(r.personId, {
      personId: r.personId, schoolId: r.schoolId, kind: r.kind, firstName: r.firstName, timezone: r.timezone,
      schoolName: r.schoolName,
      enabled: r.hasSettings ? r.enabled === true : r.kind !== 'student',
      quiet: r.hasSettings
        ? (r.quietFrom && r.quietTo ? { from: hm(r.quietFrom)!, to: hm(r.quietTo)! } : null)
        : DEFAULT_QUIET,
      digestAt: hm(r.digestAt) ?? DEFAULT_DIGEST_AT,
      channelOrder: r.channelOrder ?? CHANNELS,
      modes: new Map((r.prefs ?? []).map((x) => [`${x.topic}:${x.channel}`, x.mode])),
      addresses,
    })
  }
  return out
}

/** If `now` falls in the person's quiet hours, the instant they end; otherwise null. */
export function quietUntil(p: Pick<Profile, 'quiet' | 'timezone'>, now: Date): Date | null {
  if (!p.quiet || p.quiet.from === p.quiet.to) return null
  const today = localDate(now, p.timezone)
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: p.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(now)
  const { from, to } = p.quiet
  const wraps = from > to // 21:00–08:00 spans midnight
  const inQuiet = wraps ? clock >= from || clock < to : clock >= from && clock < to
  if (!inQuiet) return null
  const endDate = wraps && clock >= from ? addDays(today, 1) : today
  return zonedInstant(endDate, to, p.timezone)
}

/** The next digest instant strictly after `now` (today's if still ahead, else tomorrow's). */
export function nextDigestAt(p: Pick<Profile, 'digestAt' | 'timezone'>, now: Date): { date: string; at: Date } {
  const today = localDate(now, p.timezone)
  const at = zonedInstant(today, p.digestAt, p.timezone)
  if (at.getTime() > now.getTime()) return { date: today, at }
  const tomorrow = addDays(today, 1)
  return { date: tomorrow, at: zonedInstant(tomorrow, p.digestAt, p.timezone) }
}

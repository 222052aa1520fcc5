/**
 * Notification settings and delivery status, as plain functions over SQL. A person manages
 * their own settings (an account can hold several persons: a teacher who is also a parent);
 * the school's admin, director and coordinator see its failed deliveries.
 */
import type { Actor } from '../auth/policy.ts'
import { assertCan } from '../auth/policy.ts'
import type { Db, Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import {
  CHANNELS, loadProfiles, modeOf, TOPICS, type Channel, type Mode, type Profile, type Topic,
} from './preferences.ts'

export interface PreferencesView {
  personId: string
  enabled: boolean
  quietHours: { from: string; to: string } | null
  digestAt: string
  channelOrder: Channel[]
  channels: { telegram: boolean; email: boolean; sms: boolean }
  preferences: Array<{ topic: Topic; channel: Channel; mode: Mode }>
}

export interface PreferencesChange {
  personId?: string
  enabled?: boolean
  quietHours?: { from: string; to: string } | null
  digestAt?: string
  channelOrder?: Channel[]
  preferences?: Array<{ topic: Topic; channel: Channel; mode: Mode }>
}

function ownPerson(actor: Actor, personId: string | undefined): string {
  const id = personId ?? actor.personIds[0]
  if (!id || !actor.personIds.includes(id)) throw errors.notFound('person', personId)
  return id
}

function view(p: Profile): PreferencesView {
  return {
    personId: p.personId, enabled: p.enabled, quietHours: p.quiet ? { ...p.quiet } : null, digestAt: p.digestAt,
    channelOrder: [...p.channelOrder],
    channels: { telegram: !!p.addresses.telegram, email: !!p.addresses.email, sms: !!p.addresses.sms },
    preferences: TOPICS.flatMap((topic) => CHANNELS.map((channel) => ({ topic, channel, mode: modeOf(p, topic, channel) }))),
  }
}

export async function getPreferences(db: Db, actor: Actor, personId?: string): Promise<PreferencesView> {
  const id = ownPerson(actor, personId)
  const p = (await loadProfiles(db, [id])).get(id)
  if (!p) throw errors.notFound('person', id)
  return view(p)
}

export async function setPreferences(sql: Sql, actor: Actor, change: PreferencesChange): Promise<PreferencesView> {
  const id = ownPerson(actor, change.personId)
  if (change.channelOrder && new Set(change.channelOrder).size !== change.channelOrder.length)
    throw errors.validation([{ path: 'channelOrder', message: 'a channel may appear only once' }])
  await sql.begin(async (tx) => {
    const current = (await loadProfiles(tx, [id])).get(id)
    if (!current) throw errors.notFound('person', id)
    const quiet = change.quietHours === undefined ? current.quiet : change.quietHours
    await tx`
      insert into notification_settings (person_id, enabled, quiet_from, quiet_to, digest_at, channel_order, updated_at)
      values (${id}, ${change.enabled ?? current.enabled}, ${quiet?.from ?? null}, ${quiet?.to ?? null},
              ${change.digestAt ?? current.digestAt}, ${change.channelOrder ?? [...current.channelOrder]}, now())
      on conflict (person_id) do update set enabled = excluded.enabled, quiet_from = excluded.quiet_from,
        quiet_to = excluded.quiet_to, digest_at = excluded.digest_at, channel_order = excluded.channel_order, updated_at = now()`
    if (change.preferences?.length) {
      const rows = change.preferences.map((p) => ({ personId: id, topic: p.topic, channel: p.channel, mode: p.mode }))
      await tx`
        insert into notification_preferences ${tx(rows)}
        on conflict (person_id, topic, channel) do update set mode = excluded.mode`
    }
  })
  return getPreferences(sql, actor, id)
}

/** One-click unsubscribe from an email link: that topic off on that channel. */
export async function unsubscribe(sql: Sql, t: { personId: string; topic: Topic; channel: Channel }): Promise<void> {
  await sql`
    insert into notification_preferences (person_id, topic, channel, mode) values (${t.personId}, ${t.topic}, ${t.channel}, 'off')
    on conflict (person_id, topic, channel) do update set mode = 'off'`
}

export interface DeliveryView {
  id: string
  personId: string
  channel: Channel
  mode: 'instant' | 'digest' | 'report'
  status: 'pending' | 'deferred' | 'sending' | 'sent' | 'delivered' | 'failed' | 'suppressed'
  /** what it tells: mark, attendance, homework, final_mark, or the report's name */
  kinds: string[]
  events: number
  attempts: number
  address: string | null
  lastError: string | null
  createdAt: Date
  notBefore: Date
  sentAt: Date | null
  deliveredAt: Date | null
  fallbackOf: string | null
}

const DELIVERY_COLUMNS = (db: Db) => db`
  d.id, d.person_id, d.channel, d.mode, d.status::text as status, d.attempts, d.address, d.last_error, d.created_at,
  d.not_before, d.sent_at, d.delivered_at, d.fallback_of,
  coalesce((select array_agg(distinct split_part(o.kind, '.', 1)) from delivery_events de join outbox o on o.id = de.outbox_id
            where de.delivery_id = d.id), array_remove(array[d.payload->>'report'], null), '{}') as kinds,
  (select count(*)::int from delivery_events de where de.delivery_id = d.id) as events`

/** What was sent (or is about to be) to the caller's persons, newest first. */
export async function myDeliveries(db: Db, actor: Actor, limit: number): Promise<DeliveryView[]> {
  if (!actor.personIds.length) return []
  return db<DeliveryView[]>`
    select ${DELIVERY_COLUMNS(db)} from deliveries d
    where d.person_id in ${db(actor.personIds as string[])}
    order by d.created_at desc limit ${limit}`
}

/** The school's deliveries by status (failed by default), for the admin. */
export async function schoolDeliveries(db: Db, actor: Actor, schoolId: string, status: string, limit: number):
  Promise<Array<DeliveryView & { lastName: string; firstName: string }>> {
  assertCan(actor, 'school.readDeliveries', { type: 'school', schoolId })
  return db`
    select ${DELIVERY_COLUMNS(db)}, p.last_name, p.first_name from deliveries d join persons p on p.id = d.person_id
    where d.school_id = ${schoolId} and d.status = ${status}::delivery_status
    order by d.created_at desc limit ${limit}`
}

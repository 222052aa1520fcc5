/**
 * Dispatch: outbox events → deliveries, in one transaction per batch. Events are claimed with
 * FOR UPDATE SKIP LOCKED (several workers share the outbox); each recipient gets the event on
 * the channel their preferences choose, in an open delivery if one is collecting (the
 * coalescing window, the night, today's digest) or in a new one; the event is marked
 * dispatched in the same transaction, so a crash repeats the whole batch or nothing.
 */
import type { Sql, Tx } from '../core/db/connect.ts'
import { insertRows } from '../core/db/insert-rows.ts'
import { chooseChannel, loadProfiles, nextDigestAt, quietUntil, type Channel } from '../core/notifications/preferences.ts'
import type { NotifierOptions } from './options.ts'
import { firstAbsences, resolveRecipients, type OutboxEvent } from './routing.ts'

export interface NewDelivery {
  readonly id: string
  readonly channel: Channel
  readonly notBefore: Date
}

export interface DispatchResult {
  readonly events: number
  readonly created: NewDelivery[]
}

/** Dispatches one batch; returns how many events it took and the deliveries it created. */
export async function dispatchBatch(sql: Sql, opts: NotifierOptions, unavailable: readonly Channel[] = []): Promise<DispatchResult> {
  return sql.begin(async (tx) => {
    const events = await tx<OutboxEvent[]>`
      select id, school_id, kind, entity_id, student_id, class_id, payload, created_at from outbox
      where dispatched_at is null order by id limit ${opts.batchSize}
      for update skip locked`
    if (!events.length) return { events: 0, created: [] }
    const created = await route(tx, events, opts.clock(), opts.coalesceMs, new Set(unavailable))
    await tx`update outbox set dispatched_at = now() where id in ${tx(events.map((e) => e.id))}`
    return { events: events.length, created }
  })
}

interface Entry {
  readonly outboxId: number
  readonly personId: string
  readonly studentId: string
  readonly channel: Channel
  readonly mode: 'instant' | 'digest'
  /** set for a thread's message: it gets a delivery of its own (see below) */
  readonly own?: string
}

async function route(
  tx: Tx, events: readonly OutboxEvent[], now: Date, coalesceMs: number, unavailable: ReadonlySet<Channel>,
): Promise<NewDelivery[]> {
  const all = await resolveRecipients(tx, events)
  const alerts = await firstAbsences(tx, all)
  const recipients = all.filter((r) => r.topic !== 'absence' || alerts.has(r))
  const profiles = await loadProfiles(tx, [...new Set(recipients.map((r) => r.personId))])
  const entries: Entry[] = []
  for (const r of recipients) {
    const profile = profiles.get(r.personId)
    const choice = profile && chooseChannel(profile, r.topic, unavailable)
    if (!choice) continue
    // An instant message from a thread is sent alone and at once: a reply to that Telegram
    // message continues exactly that thread (core/messaging threadForReply), and a person
    // waiting for an answer should not wait for a coalescing window.
    const own = r.topic === 'messages' && choice.mode === 'instant' ? `message:${r.event.id}` : undefined
    entries.push({ outboxId: r.event.id, personId: r.personId, studentId: r.studentId, ...choice, ...(own ? { own } : {}) })
  }
  if (!entries.length) return []

  // one recipient's deliveries are decided by one transaction at a time (ordered locks: no deadlock)
  const persons = [...new Set(entries.map((e) => e.personId))].sort()
  await tx`select pg_advisory_xact_lock(hashtextextended('zvonok.delivery:' || p, 0)) from unnest(${persons}::uuid[]) p`

  // open instant deliveries still collecting (their window ends comfortably in the future)
  const open = await tx<{ id: string; personId: string; channel: Channel }[]>`
    select id, person_id, channel from deliveries
    where person_id in ${tx(persons)} and mode = 'instant' and dedupe_key is null
      and status in ('pending', 'deferred') and not_before > ${new Date(now.getTime() + 300)}
    order by not_before desc
    for update`
  const deliveryOf = new Map<string, string>()
  for (const d of open) {
    const k = `${d.personId}|${d.channel}|instant`
    if (!deliveryOf.has(k)) deliveryOf.set(k, d.id)
  }

  const created: NewDelivery[] = []
  const keyOf = (e: Entry) => e.own ? `${e.personId}|${e.channel}|${e.own}` : `${e.personId}|${e.channel}|${e.mode}`
  for (const e of entries) {
    const k = keyOf(e)
    if (deliveryOf.has(k)) continue
    const p = profiles.get(e.personId)!
    if (e.own) {
      const quiet = quietUntil(p, now)
      const notBefore = quiet ?? now
      const [d] = await tx<{ id: string }[]>`
        insert into deliveries (school_id, person_id, channel, mode, dedupe_key, status, not_before)
        values (${p.schoolId}, ${p.personId}, ${e.channel}, 'instant', ${e.own}, ${quiet ? 'deferred' : 'pending'}, ${notBefore})
        on conflict (person_id, channel, dedupe_key) where dedupe_key is not null
        do update set updated_at = now()
        returning id`
      deliveryOf.set(k, d!.id)
      created.push({ id: d!.id, channel: e.channel, notBefore })
    } else if (e.mode === 'digest') {
      // today's digest if its time is still ahead, else tomorrow's; one per person, channel and day
      const { date, at } = nextDigestAt(p, now)
      const [d] = await tx<{ id: string }[]>`
        insert into deliveries (school_id, person_id, channel, mode, dedupe_key, status, not_before)
        values (${p.schoolId}, ${p.personId}, ${e.channel}, 'digest', ${'digest:' + date}, 'pending', ${at})
        on conflict (person_id, channel, dedupe_key) where dedupe_key is not null
        do update set updated_at = now()
        returning id`
      deliveryOf.set(k, d!.id)
    } else {
      // quiet hours defer the message to their end; otherwise it waits for the window to close
      const quiet = quietUntil(p, now)
      const notBefore = quiet ?? new Date(now.getTime() + coalesceMs)
      const [d] = await tx<{ id: string }[]>`
        insert into deliveries (school_id, person_id, channel, mode, status, not_before)
        values (${p.schoolId}, ${p.personId}, ${e.channel}, 'instant', ${quiet ? 'deferred' : 'pending'}, ${notBefore})
        returning id`
      deliveryOf.set(k, d!.id)
      created.push({ id: d!.id, channel: e.channel, notBefore })
    }
  }
  await insertRows(tx, 'delivery_events', entries.map((e) => ({
    outboxId: e.outboxId, personId: e.personId, channel: e.channel, studentId: e.studentId,
    deliveryId: deliveryOf.get(keyOf(e))!,
  })), { onConflictDoNothing: true })
  return created
}

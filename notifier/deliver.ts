/**
 * Sending one delivery, whatever calls it (a bull job or the in-process runner):
 *   1. claim it (pending/deferred and due → sending), so it is never sent twice at once;
 *   2. render it for its channel (a weekly printout: make its PDF once); nothing left to tell → suppressed;
 *   3. send; record sent + provider id, or defer (429, outage) or fall back (blocked, rejected).
 * A delivery that is not claimable (already sent, someone else sending) is left alone.
 */
import type { Logger } from 'pino'
import type { Sql } from '../core/db/connect.ts'
import { insertRows } from '../core/db/insert-rows.ts'
import { CHANNELS, chooseChannel, loadProfiles, type Channel, type Profile, type Topic } from '../core/notifications/preferences.ts'
import { unsubscribeUrl } from '../core/notifications/unsubscribe.ts'
import { localDate } from '../core/journal/time.ts'
import { SendError, type Providers } from './channels/index.ts'
import type { DeliveryEvent } from './compose.ts'
import { eventsView, renderEvents, renderPrintout, renderReport, reportView, type Rendered, type ReportPayload } from './content.ts'
import { backoffMs, type NotifierOptions } from './options.ts'
import { isPrintoutReport, preparePrintout, PRINTOUT_ROUTES, type PrintoutPayload } from './printouts.ts'
import type { ChatGate } from './rate.ts'
import { topicOf } from './routing.ts'

export interface DeliverDeps {
  readonly sql: Sql
  readonly providers: Providers
  readonly options: NotifierOptions
  readonly chatGate: ChatGate
  readonly publicUrl: string
  readonly secret: string
  readonly log: Logger
}

export type Outcome =
  | { readonly status: 'sent' | 'suppressed' | 'skipped' }
  | { readonly status: 'failed'; readonly fallback: ReadonlyArray<{ id: string; channel: Channel }> }
  | { readonly status: 'retry'; readonly retryAfterMs: number }

interface Claimed {
  id: string; schoolId: string; personId: string; channel: Channel; mode: 'instant' | 'digest' | 'report'
  payload: Record<string, unknown>; attempts: number; notBefore: Date; createdAt: Date
}

export async function deliverOne(deps: DeliverDeps, deliveryId: string): Promise<Outcome> {
  const { sql } = deps
  const now = deps.options.clock()
  const [d] = await sql<Claimed[]>`
    update deliveries set status = 'sending', claimed_at = ${now}, attempts = attempts + 1, updated_at = now()
    where id = ${deliveryId} and status in ('pending', 'deferred') and not_before <= ${now}
    returning id, school_id, person_id, channel, mode, payload, attempts, not_before, created_at`
  if (!d) {
    const [state] = await sql<{ status: string; notBefore: Date }[]>`select status, not_before from deliveries where id = ${deliveryId}`
    if (state && (state.status === 'pending' || state.status === 'deferred'))
      return { status: 'retry', retryAfterMs: Math.max(50, state.notBefore.getTime() - now.getTime()) }
    return { status: 'skipped' }
  }
  try {
    return await send(deps, d, now)
  } catch (err) {
    // a bug or the database, not the provider: put it back and let the retry find it
    deps.log.error({ err, deliveryId }, 'delivery failed unexpectedly')
    const retryAfterMs = backoffMs(d.attempts)
    await sql`
      update deliveries set status = 'deferred', not_before = ${new Date(now.getTime() + retryAfterMs)}, claimed_at = null,
        last_error = ${String((err as Error).message).slice(0, 300)}, updated_at = now()
      where id = ${d.id} and status = 'sending'`
    return { status: 'retry', retryAfterMs }
  }
}

async function send(deps: DeliverDeps, d: Claimed, now: Date): Promise<Outcome> {
  const { sql } = deps
  const profile = (await loadProfiles(sql, [d.personId])).get(d.personId)!
  const events = d.mode === 'report' ? [] : await sql<DeliveryEvent[]>`
    select o.id as outbox_id, o.kind, de.student_id, o.payload
    from delivery_events de join outbox o on o.id = de.outbox_id
    where de.delivery_id = ${d.id} order by o.id`
  const printout = d.mode === 'report' && isPrintoutReport(d.payload.report) ? d.payload.report : null
  const topics = d.mode === 'report'
    ? [reportRoute(d.payload.report)?.topic].filter((t) => t !== undefined)
    : [...new Set(events.map((e) => topicOf(e)!).filter(Boolean))]
  const address = profile.addresses[d.channel]
  if (!address) return fail(deps, d, profile, events, `no ${d.channel} address any more`)

  // no link for mail that no topic governs (the weekly diary follows the guardian's printout choice)
  const unsubscribe = d.mode === 'report' && !topics.length ? undefined
    : unsubscribeUrl(deps.publicUrl, deps.secret, { personId: d.personId, topic: topics[0] ?? 'marks', channel: d.channel })
  const input = {
    channel: d.channel, mode: d.mode, profile, date: localDate(d.notBefore, profile.timezone), unsubscribeUrl: unsubscribe ?? '',
  }
  let rendered: Rendered
  if (printout) {
    const doc = await preparePrintout(sql, d.id, d.payload as unknown as PrintoutPayload)
    if (!doc) {
      await sql`
        update deliveries set status = 'suppressed', last_error = 'nothing to print for the week', claimed_at = null, updated_at = now()
        where id = ${d.id}`
      return { status: 'suppressed' }
    }
    rendered = renderPrintout(printout, doc, input)
  } else if (d.mode === 'report') {
    rendered = renderReport(await reportView(sql, d.payload as unknown as ReportPayload), input)
  } else {
    const view = await eventsView(sql, events)
    if (!view.count) {
      await sql`update deliveries set status = 'suppressed', claimed_at = null, updated_at = now() where id = ${d.id}`
      return { status: 'suppressed' }
    }
    rendered = renderEvents(view, input)
  }

  if (d.channel === 'telegram') {
    const waitMs = await deps.chatGate.acquire(address)
    if (waitMs > 0) return defer(deps, d, now, waitMs, null, true)
  }
  try {
    const result = await provide(deps.providers, rendered, address, d.id, unsubscribe)
    // a printout's file has done its job: the code stays on the delivery
    await sql`
      update deliveries set status = 'sent', provider_id = ${result.providerId}, address = ${mask(d.channel, address)},
        sent_at = ${deps.options.clock()}, last_error = null, claimed_at = null, updated_at = now()
        ${printout ? sql`, payload = payload #- '{printout,pdf}'` : sql``}
      where id = ${d.id}`
    return { status: 'sent' }
  } catch (err) {
    if (!(err instanceof SendError)) throw err
    if (err.kind === 'rate_limited') return defer(deps, d, now, err.opts.retryAfterMs ?? 1000, err.message, true)
    if (err.kind === 'transient' && d.attempts < deps.options.maxAttempts) return defer(deps, d, now, backoffMs(d.attempts), err.message, false)
    if (err.opts.dead && d.channel === 'telegram') {
      await sql`
        update chat_links set dead_at = now(), dead_reason = ${err.message.slice(0, 300)}
        where person_id = ${d.personId} and chat_id = ${address}::bigint and dead_at is null and unlinked_at is null`
    }
    return fail(deps, d, profile, events, err.message)
  }
}

async function provide(p: Providers, r: Rendered, address: string, deliveryId: string, unsubscribe: string | undefined) {
  const missing = (c: string) => new SendError('permanent', `the ${c} channel is not configured`)
  switch (r.channel) {
    case 'telegram':
      if (!p.telegram) throw missing('telegram')
      return p.telegram.send({ chatId: address, html: r.html, ...(r.document ? { document: r.document } : {}) })
    case 'email':
      if (!p.email) throw missing('email')
      return p.email.send({
        to: address, subject: r.subject, html: r.html, text: r.text, messageId: `<${deliveryId}@zvonok>`,
        ...(unsubscribe ? { unsubscribeUrl: unsubscribe } : {}), ...(r.attachments ? { attachments: r.attachments } : {}),
      })
    case 'sms':
      if (!p.sms) throw missing('sms')
      return p.sms.send({ phone: address, text: r.text })
  }
}

/** Not now: back to deferred until `waitMs` from now. A rate limit does not count as an attempt. */
async function defer(deps: DeliverDeps, d: Claimed, now: Date, waitMs: number, error: string | null, free: boolean): Promise<Outcome> {
  await deps.sql`
    update deliveries set status = 'deferred', not_before = ${new Date(now.getTime() + waitMs)}, claimed_at = null,
      attempts = attempts - ${free ? 1 : 0}, last_error = coalesce(${error}, last_error), updated_at = now()
    where id = ${d.id} and status = 'sending'`
  return { status: 'retry', retryAfterMs: waitMs }
}

/** Permanently failed on this channel: record it and hand its events to the next channel. */
async function fail(deps: DeliverDeps, d: Claimed, profile: Profile, events: readonly DeliveryEvent[], error: string): Promise<Outcome> {
  const tried = new Set<Channel>([...((d.payload.tried as Channel[] | undefined) ?? []), d.channel, ...unavailable(deps.providers)])
  const fallback: Array<{ id: string; channel: Channel }> = []
  await deps.sql.begin(async (tx) => {
    // as it is now: a printout made on this attempt is in it, and goes on with the fallback
    const [current] = await tx<{ payload: Record<string, unknown> }[]>`
      update deliveries set status = 'failed', last_error = ${error.slice(0, 1000)}, claimed_at = null, updated_at = now()
      where id = ${d.id}
      returning payload`
    await tx`update deliveries set payload = payload #- '{printout,pdf}' where id = ${d.id} and payload ? 'printout'`
    const next = new Map<Channel, DeliveryEvent[]>()
    if (d.mode === 'report') {
      const route = reportRoute(d.payload.report)
      const choice = route && chooseChannel(profile, route.topic, new Set([...tried, ...route.exclude]))
      if (choice) next.set(choice.channel, [])
    }
    for (const e of events) {
      const choice = chooseChannel(profile, topicOf(e)!, tried)
      if (choice) next.set(choice.channel, [...(next.get(choice.channel) ?? []), e])
    }
    for (const [channel, evs] of next) {
      const [n] = await tx<{ id: string }[]>`
        insert into deliveries (school_id, person_id, channel, mode, status, not_before, payload, fallback_of)
        values (${d.schoolId}, ${d.personId}, ${channel}, ${d.mode}, 'pending', ${deps.options.clock()},
                ${tx.json({ ...(current?.payload ?? d.payload), tried: [...tried] } as never)}, ${d.id})
        returning id`
      fallback.push({ id: n!.id, channel })
      await insertRows(tx, 'delivery_events', evs.map((e) => ({
        outboxId: e.outboxId, personId: d.personId, channel, deliveryId: n!.id, studentId: e.studentId,
      })), { onConflictDoNothing: true })
    }
  })
  deps.log.warn({ deliveryId: d.id, channel: d.channel, error }, 'delivery failed on its channel')
  return { status: 'failed', fallback }
}

/**
 * The topic whose preferences choose a report's channel, and the channels it may not take;
 * null: it goes by its own channel only (the weekly diary by e-mail).
 */
function reportRoute(report: unknown): { topic: Topic; exclude: Channel[] } | null {
  if (!isPrintoutReport(report)) return { topic: report as Topic, exclude: [] }
  const r = PRINTOUT_ROUTES[report]
  return r.topic ? { topic: r.topic, exclude: CHANNELS.filter((c) => !r.channels.includes(c)) } : null
}

/** Channels without a configured provider are never chosen. */
export function unavailable(p: Providers): Channel[] {
  return (['telegram', 'email', 'sms'] as const).filter((c) => !p[c])
}

/** What the delivery list shows of the address: enough to recognise it, not to reuse it. */
function mask(channel: Channel, address: string): string {
  if (channel === 'email') return address.replace(/^(.).*(@.*)$/, '$1…$2')
  return `…${address.slice(-4)}`
}

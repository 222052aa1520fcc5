/**
 * What a moderation decision asks of Telegram (delete a message, mute a member, post a notice),
 * written in the decision's transaction and carried out by the bot after it commits. Pending
 * effects are claimed with SKIP LOCKED, so several bot processes never make the same call at
 * once, and one that failed for a passing reason (a 429, a network error) is tried again.
 */
import type { Db, Sql } from '../db/connect.ts'

export type EffectKind =
  | 'delete' | 'mute' | 'unmute' | 'ban' | 'unban' | 'remove' | 'approve_join' | 'decline_join' | 'post' | 'notify'

export interface EffectParams {
  /** delete: the group message */
  readonly messageId?: number | string
  /** member effects: the Telegram user */
  readonly userId?: string
  /** mute: until when */
  readonly until?: string
  /** post: a notice in the group (its topic), rendered from templates/bot/<template>.html.hbs */
  readonly template?: string
  readonly view?: Record<string, unknown>
  readonly threadId?: number | string | null
  readonly replyTo?: number | string | null
  /** notify: a private chat (a moderator, a member who asked to join) */
  readonly chatId?: string
  readonly buttons?: readonly (readonly { readonly label: string; readonly data: string }[])[]
}

export interface Effect {
  readonly id: string
  readonly channelId: string
  /** the group's Telegram chat id */
  readonly chatId: string
  readonly kind: EffectKind
  readonly params: EffectParams
  readonly attempts: number
}

/** Gives up on an effect after this many passing failures (it stays in the table, with its error). */
export const MAX_EFFECT_ATTEMPTS = 5

export async function addEffect(tx: Db, channelId: string, kind: EffectKind, params: EffectParams): Promise<void> {
  await tx`insert into channel_effects (channel_id, kind, params) values (${channelId}, ${kind}, ${tx.json(params as never)})`
}

/**
 * One pass over the pending effects, oldest first: claims up to `limit` of them (locked while
 * the calls are made, so another bot process skips them) and runs `run` on each in order.
 * `run` answers 'done', 'failed' (permanent: recorded, not retried) or 'retry' (left pending
 * for the next pass). Returns how many were done.
 */
export async function runPendingEffects(
  sql: Sql,
  run: (e: Effect) => Promise<{ outcome: 'done' | 'failed' | 'retry'; error?: string | undefined }>,
  opts: { limit?: number } = {},
): Promise<number> {
  // the usual answer is "none": one indexed read, no transaction
  const [any] = await sql`select 1 from channel_effects where done_at is null and attempts < ${MAX_EFFECT_ATTEMPTS} limit 1`
  if (!any) return 0
  return sql.begin(async (tx) => {
    const pending = await tx<Effect[]>`
      select e.id::text as id, e.channel_id, ch.chat_id::text as chat_id, e.kind, e.params, e.attempts
      from channel_effects e join channels ch on ch.id = e.channel_id
      where e.done_at is null and e.attempts < ${MAX_EFFECT_ATTEMPTS}
      order by e.id limit ${opts.limit ?? 100} for update of e skip locked`
    let done = 0
    for (const e of pending) {
      const r = await run(e)
      const error = r.error?.slice(0, 500) ?? null
      if (r.outcome === 'retry') {
        await tx`update channel_effects set attempts = attempts + 1, last_error = ${error} where id = ${e.id}`
        continue
      }
      await tx`update channel_effects set attempts = attempts + 1, done_at = now(), last_error = ${error} where id = ${e.id}`
      if (r.outcome === 'done') done++
    }
    return done
  })
}

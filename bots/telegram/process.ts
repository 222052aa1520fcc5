/**
 * One update through the conversation layer, the same for both runtimes: claim the update id
 * (a webhook retry or a restarted poller must not act twice), translate, handle, send the
 * replies with the runtime's own client, and report what was done.
 *
 * Claiming before handling makes a reply at-most-once: if the process dies mid-update, that
 * update is not answered, rather than a homework or an attendance mark being saved twice.
 */
import type { Logger } from 'pino'
import type { Sql } from '../../core/db/connect.ts'
import { handle } from '../conversation/router.ts'
import { carryOutEffects } from '../moderation/effects.ts'
import { processGroupUpdate } from '../moderation/group.ts'
import { claimUpdate } from '../conversation/state.ts'
import { executePlan, planReplies, type CallApi, type ExecutedCall } from './send.ts'
import { toIncoming, type TgUpdate } from './update.ts'

export interface HandledUpdate {
  readonly updateId: number
  readonly chatId: string
  /** the update id was claimed before: nothing was done */
  readonly duplicate: boolean
  /** the Bot API calls made for it, in order */
  readonly calls: readonly ExecutedCall[]
}

export interface RuntimeDeps {
  readonly sql: Sql
  readonly log: Logger
  readonly now?: (() => Date) | undefined
  /** called after every update the bot took (tests and benchmarks wait on it) */
  readonly onHandled?: ((h: HandledUpdate) => void) | undefined
}

export interface BotIdentity {
  readonly id: number
  readonly username?: string | undefined
}

/** Handles the update when it is ours; false when it is not (the telegraf adapter passes it on). */
export async function processUpdate(
  deps: RuntimeDeps, bot: BotIdentity, update: TgUpdate, callApi: CallApi,
): Promise<boolean> {
  const input = toIncoming(update)
  if (!input) {
    // a class channel's group (or one being bound), else not ours
    const g = await processGroupUpdate(deps, bot, update, callApi)
    if (g.ours) deps.onHandled?.({ updateId: update.update_id, chatId: g.chatId, duplicate: g.duplicate, calls: g.calls })
    return g.ours
  }
  const log = deps.log.child({ updateId: update.update_id, chatId: input.chatId })
  if (!(await claimUpdate(deps.sql, bot.id, update.update_id))) {
    log.info('update already handled; skipped')
    deps.onHandled?.({ updateId: update.update_id, chatId: input.chatId, duplicate: true, calls: [] })
    return true
  }
  const started = performance.now()
  const result = await handle({ sql: deps.sql, now: deps.now, botUsername: bot.username }, input)
  if (result.error) log.error({ err: loggable(result.error) }, 'the conversation layer failed; the person was told')
  const plan = planReplies(input.chatId, result.replies, {
    callback: update.callback_query && input.messageId !== undefined
      ? { id: update.callback_query.id, messageId: input.messageId } : undefined,
    removeKeyboard: input.contact !== undefined || input.command?.name === 'start',
  })
  const calls = await executePlan(plan, callApi, log)
  // a moderator's decision in the private chat (publish, delete, lift) is carried out in the group now
  if (result.effects) calls.push(...(await carryOutEffects(deps.sql, callApi, log)))
  // ids and timings only: texts carry people's names and marks
  log.debug({
    kind: input.command ? `/${input.command.name}` : input.button ? 'button' : input.contact ? 'contact' : input.files ? 'files' : 'text',
    calls: calls.length, ms: Math.round(performance.now() - started),
  }, 'update handled')
  deps.onHandled?.({ updateId: update.update_id, chatId: input.chatId, duplicate: false, calls })
  return true
}

/**
 * An error as logged: its kind, message, code and stack, not its other fields (a Bot API error
 * carries the request's payload, message texts included).
 */
export function loggable(err: unknown): object {
  if (!(err instanceof Error)) return { message: String(err) }
  const e = err as Error & { code?: unknown; error_code?: unknown }
  return { type: e.name, message: e.message, code: e.code ?? e.error_code, stack: e.stack }
}

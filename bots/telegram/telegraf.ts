/**
 * The telegraf adapter: a school that already runs a telegraf bot mounts Zvonok with
 *
 *   bot.use(zvonokMiddleware({ sql, log }))
 *
 * It answers what it understands (private chats: messages, contacts, files, its own buttons)
 * with the bot's own client (`ctx.telegram.callApi`) and passes everything else to `next()`.
 * telegraf's polling handles a batch of updates at once, so updates of one chat are put in
 * order here.
 */
import { sequentialize } from '@grammyjs/runner'
import type { Context, MiddlewareFn } from 'telegraf'
import { startChannelSweeper } from '../moderation/sweep.ts'
import { loggable, processUpdate, type RuntimeDeps } from './process.ts'
import type { CallApi } from './send.ts'
import { chatKeyOf, groupChatOf, toIncoming, type TgUpdate } from './update.ts'

export interface ZvonokMiddlewareOptions extends RuntimeDeps {
  /**
   * The class channels' sweeper (gating, pending moderation calls) starts with the first update,
   * on the bot's own client, every this many ms; 0: off (run `startChannelSweeper` yourself).
   */
  readonly sweepEveryMs?: number | undefined
}

export function zvonokMiddleware(opts: ZvonokMiddlewareOptions): MiddlewareFn<Context> {
  const inOrder = sequentialize<Context>((ctx) => chatKeyOf(ctx.update as TgUpdate))
  let sweeper: { stop(): Promise<void> } | undefined
  return async (ctx, next) => {
    const update = ctx.update as TgUpdate
    const callApi: CallApi = (method, params) =>
      ctx.telegram.callApi(method as 'getMe', params as never) as Promise<unknown>
    if (!sweeper && opts.sweepEveryMs !== 0) sweeper = startChannelSweeper(opts.sql, callApi, opts.log, opts.sweepEveryMs)
    // private chats we read, and groups (bound class channels, or a /bind): anything else is the school's
    if (!toIncoming(update) && !groupChatOf(update)) return next()
    let ours = true
    await inOrder(ctx, async () => {
      try {
        ours = await processUpdate(opts, { id: ctx.botInfo.id, username: ctx.botInfo.username }, update, callApi)
      } catch (err) {
        // the school's bot must not fall over because of us (telegraf's default handler rethrows)
        opts.log.error({ err: loggable(err), updateId: update.update_id }, 'a Telegram update failed')
      }
    })
    if (!ours) return next()
  }
}

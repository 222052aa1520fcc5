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
import { loggable, processUpdate, type RuntimeDeps } from './process.ts'
import type { CallApi } from './send.ts'
import { privateChatOf, toIncoming, type TgUpdate } from './update.ts'

export type ZvonokMiddlewareOptions = RuntimeDeps

export function zvonokMiddleware(opts: ZvonokMiddlewareOptions): MiddlewareFn<Context> {
  const inOrder = sequentialize<Context>((ctx) => privateChatOf(ctx.update as TgUpdate))
  return async (ctx, next) => {
    const update = ctx.update as TgUpdate
    if (!toIncoming(update)) return next()
    await inOrder(ctx, async () => {
      const callApi: CallApi = (method, params) =>
        ctx.telegram.callApi(method as 'getMe', params as never) as Promise<unknown>
      try {
        await processUpdate(opts, { id: ctx.botInfo.id, username: ctx.botInfo.username }, update, callApi)
      } catch (err) {
        // the school's bot must not fall over because of us (telegraf's default handler rethrows)
        opts.log.error({ err: loggable(err), updateId: update.update_id }, 'a Telegram update failed')
      }
    })
  }
}

/**
 * The grammY runtime: a Bot whose only middleware hands updates to the conversation layer.
 * Build it with `createGrammyBot` (no network until started), then either `startPolling` (long
 * polling through @grammyjs/runner: concurrent across chats, in order within a chat) or mount
 * the webhook route (webhook.ts) on the API server.
 */
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner'
import { Bot, type Api } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import { startChannelSweeper } from '../moderation/sweep.ts'
import { loggable, processUpdate, type RuntimeDeps } from './process.ts'
import type { CallApi } from './send.ts'
import { chatKeyOf } from './update.ts'

export interface GrammyBotOptions extends RuntimeDeps {
  readonly token: string
  /** TELEGRAM_API_ROOT (a local Bot API server, or the tests' fake) */
  readonly apiRoot?: string | undefined
  /** the bot's getMe, when known, saves a request at start */
  readonly botInfo?: UserFromGetMe | undefined
}

/**
 * The updates the bot reads; anything else Telegram need not send. chat_member is sent only
 * when asked for by name, and only to an administrator of the group.
 */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'chat_join_request', 'chat_member', 'my_chat_member'] as const

export function createGrammyBot(opts: GrammyBotOptions): Bot {
  const bot = new Bot(opts.token, {
    client: { ...(opts.apiRoot ? { apiRoot: opts.apiRoot } : {}) },
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
  })
  // first: updates of one chat wait for each other (the runner handles many at once)
  bot.use(sequentialize((ctx) => chatKeyOf(ctx.update)))
  bot.use(async (ctx, next) => {
    const ours = await processUpdate(opts, { id: ctx.me.id, username: ctx.me.username }, ctx.update, rawCaller(ctx.api))
    if (!ours) await next()
  })
  bot.catch((e) => {
    opts.log.error({ err: loggable(e.error), updateId: e.ctx.update.update_id }, 'a Telegram update failed')
  })
  return bot
}

/** The class channels' sweeper (gating, pending moderation calls) on this bot's client. */
export function startSweeper(bot: Bot, opts: Pick<RuntimeDeps, 'sql' | 'log'>, everyMs?: number): { stop(): Promise<void> } {
  return startChannelSweeper(opts.sql, rawCaller(bot.api), opts.log, everyMs)
}

/** grammY's raw API by method name: the same plan runs on both runtimes. */
export function rawCaller(api: Api): CallApi {
  const raw = api.raw as unknown as Record<string, (params: Record<string, unknown>) => Promise<unknown>>
  return (method, params) => {
    const fn = raw[method]
    if (!fn) throw new Error(`unknown Bot API method ${method}`)
    return fn(params)
  }
}

export interface PollingHandle {
  /** stops fetching, waits for the updates in hand */
  stop(): Promise<void>
  /** settles when polling ends: rejects on an unrecoverable error (a revoked token, another poller) */
  readonly done: Promise<void>
}

/**
 * Long polling: removes any webhook first (Telegram refuses getUpdates while one is set), then
 * runs the runner. `timeout` is getUpdates' long-poll wait in seconds.
 */
export async function startPolling(bot: Bot, opts: { timeout?: number } = {}): Promise<PollingHandle> {
  await bot.init()
  await bot.api.deleteWebhook()
  const runner: RunnerHandle = run(bot, {
    runner: { fetch: { timeout: opts.timeout ?? 30, allowed_updates: [...ALLOWED_UPDATES] } },
  })
  const done = runner.task() ?? Promise.resolve()
  return {
    async stop() {
      if (runner.isRunning()) await runner.stop()
    },
    done,
  }
}

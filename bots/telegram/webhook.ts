/**
 * The webhook route: POST /v1/telegram/webhook on the API server. Telegram sends the secret
 * given to setWebhook in X-Telegram-Bot-Api-Secret-Token; a request without it, or with another,
 * is refused with a 401 problem before the body is read as an update. grammY's webhookCallback
 * (fastify adapter) then runs the update and checks the token again.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { webhookCallback, type Bot } from 'grammy'
import { errors } from '../../core/http/errors.ts'
import { ALLOWED_UPDATES } from './grammy.ts'

export const WEBHOOK_PATH = '/telegram/webhook'
const SECRET_HEADER = 'x-telegram-bot-api-secret-token'

export interface WebhookOptions {
  readonly bot: Bot
  readonly secretToken: string
}

/** The route as a fastify plugin; buildApp registers it under /v1 when the bot runs by webhook. */
export function webhookRoutes(opts: WebhookOptions): FastifyPluginAsync {
  const expected = Buffer.from(opts.secretToken)
  // past 10 s Telegram gets its 200 and the update finishes on its own; a retry would be skipped
  // by the update-id claim anyway, but it would hold a connection for nothing
  const callback = webhookCallback(opts.bot, 'fastify', {
    secretToken: opts.secretToken, onTimeout: 'return', timeoutMilliseconds: 10_000,
  })
  return async (app) => {
    app.post(WEBHOOK_PATH, {
      schema: { hide: true },
      preHandler: async (req) => {
        const given = req.headers[SECRET_HEADER]
        const buf = Buffer.from(typeof given === 'string' ? given : '')
        if (buf.length !== expected.length || !timingSafeEqual(buf, expected))
          throw errors.unauthorized('The Telegram secret token is missing or wrong')
      },
    }, async (req, reply) => {
      await callback(req, reply)
      return reply
    })
  }
}

/** Points Telegram at the route (on start, in webhook mode). */
export async function setWebhook(bot: Bot, url: string, secretToken: string): Promise<void> {
  await bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: [...ALLOWED_UPDATES] })
}

import { randomUUID } from 'node:crypto'
import fastifyJwt from '@fastify/jwt'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import {
  jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import { archiveRoutes } from '../archive/routes.ts'
import { authRoutes } from '../auth/routes.ts'
import { channelsRoutes } from '../channels/routes.ts'
import type { Config } from '../config/config.ts'
import type { Sql } from '../db/connect.ts'
import { journalRoutes } from '../journal/routes.ts'
import { messagingRoutes } from '../messaging/routes.ts'
import { peopleRoutes } from '../people/routes.ts'
import { printoutRoutes } from '../print/routes.ts'
import { printoutDeliveryRoutes } from '../printouts/routes.ts'
import { printJobRoutes } from '../printouts/jobs-routes.ts'
import { reportsRoutes } from '../reports/routes.ts'
import { errorHandler, sendProblem, toProblem } from './problem.ts'
import { errors } from './errors.ts'
import { notificationRoutes, unsubscribeRoutes } from '../notifications/routes.ts'
import { loggerOptions } from './logger.ts'
import { authenticated } from './auth-context.ts'

export interface AppDeps {
  readonly config: Config
  readonly sql: Sql
  readonly redis?: Redis | undefined
  /** where logs go (tests capture them); default stdout */
  readonly logStream?: NodeJS.WritableStream
  /** the Telegram bot's webhook route (bots/telegram/webhook.ts), when the bot runs by webhook */
  readonly telegramWebhook?: FastifyPluginAsync | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps
  }
}

export const BODY_LIMIT = 1024 * 1024

/** Builds the HTTP application; listening is the caller's business (main/CLI or tests' inject). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config.logLevel, deps.logStream),
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.config.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID()
    },
    return503OnClosing: true,
    // errors the router raises before any route (a bad URL, an overlong parameter) are problems too
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>()

  app.decorate('deps', deps)
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => sendProblem(reply, toProblem(errors.notFound('route', `${req.method} ${req.url.split('?')[0]}`), req)))
  // Graceful shutdown: a keep-alive connection that finishes a request while we close is told
  // to close too, so close() does not wait for clients' idle sockets.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (req, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    reply.header('x-request-id', req.id)
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    return payload
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Zvonok API',
        version: '1',
        description: 'The records service of Zvonok, a school journal. Errors are application/problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  await app.register(fastifyJwt, {
    secret: deps.config.jwtSecret,
    sign: { expiresIn: deps.config.accessTokenTtl, algorithm: 'HS256', iss: 'zvonok' },
    verify: { algorithms: ['HS256'], allowedIss: 'zvonok' },
  })

  app.get('/healthz', { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }))
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, 'ok' | 'down'> = {}
    checks.database = await deps.sql`select 1`.then(() => 'ok' as const, () => 'down' as const)
    if (deps.redis) checks.redis = await deps.redis.ping().then(() => 'ok' as const, () => 'down' as const)
    const ready = Object.values(checks).every((v) => v === 'ok')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks })
  })

  await app.register(
    async (v1) => {
      await v1.register(authRoutes) // login and refresh are public; the rest authenticate inside
      await v1.register(unsubscribeRoutes) // public: the signed link is the authority
      // public: Telegram's secret-token header is the authority
      if (deps.telegramWebhook) await v1.register(deps.telegramWebhook)
      await v1.register(async (protectedScope) => {
        await protectedScope.register(authenticated)
        await protectedScope.register(peopleRoutes)
        await protectedScope.register(journalRoutes)
        await protectedScope.register(notificationRoutes)
        await protectedScope.register(messagingRoutes)
        await protectedScope.register(channelsRoutes)
        await protectedScope.register(archiveRoutes)
        await protectedScope.register(printoutRoutes)
        await protectedScope.register(printoutDeliveryRoutes)
        await protectedScope.register(printJobRoutes)
        await protectedScope.register(reportsRoutes)
      })
    },
    { prefix: '/v1' },
  )
  return app
}

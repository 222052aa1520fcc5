import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { authenticated } from '../http/auth-context.ts'
import { credentialSlip, issueCredentialsBody, personCard } from '../people/schema.ts'
import { grantRole, issueCredentials, renderSlips } from './credentials.ts'
import { ROLES } from './policy.ts'
import {
  changePassword, getMe, login, logout, logoutAll, refresh, reportCompromise, type ClientInfo, type SessionTokens,
} from './service.ts'

const tokenPair = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int().describe('seconds the access token lives'),
  refreshToken: z.string(),
  mustChangePassword: z.boolean(),
})
const secured = [{ bearer: [] }]

function client(req: FastifyRequest): ClientInfo {
  const ua = req.headers['user-agent']
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua : undefined, requestId: req.id }
}

const compromiseBody = z.strictObject({
  learnedAt: z.iso.datetime({ offset: true }).describe('when the school learned of the compromise'),
  note: z.string().trim().max(1000).optional(),
})
const compromiseResult = z.object({
  reportId: z.uuid(), revokedSessions: z.number().int(),
  voided: z.object({ reverted: z.number().int(), skipped: z.number().int() }).describe('journal operations taken back (GET /v1/compromise-reports/{id}/voided lists them)'),
})

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql, config } = app.deps
  const settings = { refreshTokenTtl: config.refreshTokenTtl }
  const pair = async (t: SessionTokens) => ({
    tokenType: 'Bearer' as const,
    accessToken: await app.jwt.sign({ sub: t.accountId, sid: t.sessionId }),
    expiresIn: config.accessTokenTtl,
    refreshToken: t.refreshToken,
    mustChangePassword: t.mustChangePassword,
  })

  app.post('/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Log in with login and password',
      body: z.strictObject({ login: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
      response: { 200: tokenPair },
    },
  }, async (req) => pair(await login(sql, settings, req.body, client(req))))

  app.post('/auth/refresh', {
    schema: {
      tags: ['auth'], summary: 'Exchange a refresh token for a new pair (the old one is spent)',
      body: z.strictObject({ refreshToken: z.string().min(1).max(200) }),
      response: { 200: tokenPair },
    },
  }, async (req) => pair(await refresh(sql, settings, req.body.refreshToken)))

  await app.register(async (scope) => {
    await scope.register(authenticated)
    const p = scope.withTypeProvider<ZodTypeProvider>()

    p.post('/auth/logout', {
      config: { allowPendingPasswordChange: true },
      schema: { tags: ['auth'], summary: 'End this session', security: secured, response: { 204: z.null() } },
    }, async (req, reply) => {
      await logout(sql, req.actor)
      return reply.code(204).send(null)
    })

    p.post('/auth/logout-all', {
      config: { allowPendingPasswordChange: true },
      schema: {
        tags: ['auth'], summary: 'End every session of this account', security: secured,
        response: { 200: z.object({ revokedSessions: z.number().int() }) },
      },
    }, async (req) => ({ revokedSessions: await logoutAll(sql, req.actor, client(req)) }))

    p.post('/auth/password', {
      config: { allowPendingPasswordChange: true },
      schema: {
        tags: ['auth'], summary: 'Change the password (other sessions end)', security: secured,
        body: z.strictObject({ oldPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
        response: { 204: z.null() },
      },
    }, async (req, reply) => {
      await changePassword(sql, req.actor, req.body, client(req))
      return reply.code(204).send(null)
    })

    p.post('/auth/compromise', {
      config: { allowPendingPasswordChange: true },
      schema: {
        tags: ['auth'], summary: 'Report that my credentials are compromised: the account is locked', security: secured,
        body: compromiseBody, response: { 200: compromiseResult },
      },
    }, async (req) =>
      reportCompromise(sql, req.actor, { accountId: req.actor.accountId, learnedAt: new Date(req.body.learnedAt), note: req.body.note }, client(req)))

    p.post('/accounts/:accountId/compromise', {
      schema: {
        tags: ['accounts'], summary: "Report an account's credentials compromised (admin)", security: secured,
        params: z.strictObject({ accountId: z.uuid() }), body: compromiseBody, response: { 200: compromiseResult },
      },
    }, async (req) =>
      reportCompromise(sql, req.actor, { accountId: req.params.accountId, learnedAt: new Date(req.body.learnedAt), note: req.body.note }, client(req)))

    p.post('/accounts/:accountId/roles', {
      schema: {
        tags: ['accounts'], summary: 'Grant a role in a school, optionally for one class (admin)', security: secured,
        params: z.strictObject({ accountId: z.uuid() }),
        body: z.strictObject({ role: z.enum(ROLES), schoolId: z.uuid(), classId: z.uuid().optional() }),
        response: { 204: z.null() },
      },
    }, async (req, reply) => {
      await grantRole(sql, { actor: req.actor, requestId: req.id }, { accountId: req.params.accountId, ...req.body })
      return reply.code(204).send(null)
    })

    p.post('/credentials/issue', {
      schema: {
        tags: ['accounts'], security: secured,
        summary: 'Issue (or reissue) initial credentials and get the slips to hand out',
        description: 'Each slip holds a login, a one-time password to be changed at first login, and a one-time code for the Telegram bot. Reissuing replaces the password and ends all sessions.',
        body: issueCredentialsBody, response: { 200: z.object({ slips: z.array(credentialSlip) }) },
      },
    }, async (req) => ({ slips: await issueCredentials(sql, { actor: req.actor, requestId: req.id }, req.body.personIds) }))

    p.post('/credentials/issue/print', {
      schema: {
        tags: ['accounts'], security: secured,
        summary: 'Issue (or reissue) credentials and get the slips as a printable A4 page',
        description: 'Answers text/html: one slip per person with login, one-time password and the Telegram code.',
        body: issueCredentialsBody,
      },
    }, async (req, reply) => {
      const ctx = { actor: req.actor, requestId: req.id }
      const slips = await issueCredentials(sql, ctx, req.body.personIds)
      return reply.type('text/html; charset=utf-8').send(await renderSlips(sql, ctx, slips))
    })

    p.get('/me', {
      schema: {
        tags: ['auth'], summary: 'The account, its roles and the persons it stands for', security: secured,
        response: {
          200: z.object({
            account: z.object({ id: z.uuid(), login: z.string(), mustChangePassword: z.boolean() }),
            roles: z.array(z.object({ role: z.enum(ROLES), schoolId: z.uuid().nullable(), classId: z.uuid().nullable() })),
            persons: z.array(personCard),
          }),
        },
      },
    }, async (req) => getMe(sql, req.actor))
  })
}

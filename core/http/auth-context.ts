import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { loadActor } from '../auth/service.ts'
import type { Actor } from '../auth/policy.ts'
import { AppError, errors } from './errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
  }
  interface FastifyContextConfig {
    /** reachable while the account still has to change its initial password */
    allowPendingPasswordChange?: boolean
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; sid: string }
    user: { sub: string; sid: string; iat: number; exp: number }
  }
}

/**
 * The authentication boundary. Registered (through fastify-plugin) inside the child context
 * that holds protected routes: every route there gets a verified access token, a live session
 * and an unlocked account, loaded fresh on each request so revocation takes effect at once.
 */
export const authenticated = fp(
  async (app) => {
    app.decorateRequest('actor', null as unknown as Actor)
    app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
      const header = req.headers.authorization
      if (!header || !/^Bearer [A-Za-z0-9._-]+$/.test(header)) throw errors.unauthorized()
      let claims: { sub: string; sid: string }
      try {
        claims = await req.jwtVerify<{ sub: string; sid: string }>()
      } catch {
        throw errors.unauthorized('The access token is not valid or has expired')
      }
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw errors.unauthorized()
      const state = await loadActor(req.server.deps.sql, claims.sub, claims.sid)
      if (!state) throw errors.unauthorized('The session has ended; log in again')
      if (state.mustChangePassword && !req.routeOptions.config.allowPendingPasswordChange) {
        throw new AppError('password_change_required', 'Change the initial password first: POST /v1/auth/password')
      }
      req.actor = state.actor
    })
  },
  { name: 'authenticated' },
)

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errors } from '../http/errors.ts'
import { render } from '../render/render.ts'
import { CHANNELS, MODES, TOPICS } from './preferences.ts'
import { getPreferences, myDeliveries, schoolDeliveries, setPreferences, unsubscribe } from './service.ts'
import { readUnsubscribeToken } from './unsubscribe.ts'

const secured = [{ bearer: [] }]
const tags = ['notifications']
const time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'HH:MM')
const channel = z.enum(CHANNELS)
const preference = z.strictObject({ topic: z.enum(TOPICS), channel, mode: z.enum(MODES) })
const preferencesView = z.object({
  personId: z.uuid(), enabled: z.boolean(), quietHours: z.object({ from: time, to: time }).nullable(), digestAt: time,
  channelOrder: z.array(channel), channels: z.object({ telegram: z.boolean(), email: z.boolean(), sms: z.boolean() }),
  preferences: z.array(preference),
})
const deliveryView = z.object({
  id: z.uuid(), personId: z.uuid(), channel, mode: z.enum(['instant', 'digest', 'report']),
  status: z.enum(['pending', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'suppressed']),
  kinds: z.array(z.string()), events: z.number().int(), attempts: z.number().int(), address: z.string().nullable(),
  lastError: z.string().nullable(), createdAt: z.date(), notBefore: z.date(), sentAt: z.date().nullable(),
  deliveredAt: z.date().nullable(), fallbackOf: z.uuid().nullable(),
})
const limit = z.coerce.number().int().min(1).max(200).default(50)

/** Preferences and delivery status; registered inside the authenticated context. */
export const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps

  app.get('/me/notifications/preferences', {
    schema: {
      tags, summary: 'My notification settings: channels, quiet hours, digest time, mode per topic and channel', security: secured,
      querystring: z.strictObject({ personId: z.uuid().optional() }), response: { 200: preferencesView },
    },
  }, (req) => getPreferences(sql, req.actor, req.query.personId))

  app.put('/me/notifications/preferences', {
    schema: {
      tags, summary: 'Change my notification settings (only the fields given)', security: secured,
      body: z.strictObject({
        personId: z.uuid().optional(), enabled: z.boolean().optional(),
        quietHours: z.strictObject({ from: time, to: time }).nullable().optional(), digestAt: time.optional(),
        channelOrder: z.array(channel).min(1).max(3).optional(), preferences: z.array(preference).max(100).optional(),
      }),
      response: { 200: preferencesView },
    },
  }, (req) => setPreferences(sql, req.actor, req.body))

  app.get('/me/notifications/deliveries', {
    schema: {
      tags, summary: 'What was sent to me, newest first', security: secured,
      querystring: z.strictObject({ limit }), response: { 200: z.object({ items: z.array(deliveryView) }) },
    },
  }, async (req) => ({ items: await myDeliveries(sql, req.actor, req.query.limit) }))

  app.get('/schools/:schoolId/notifications/deliveries', {
    schema: {
      tags, summary: "The school's deliveries by status (failed by default): admin, director, coordinator", security: secured,
      params: z.strictObject({ schoolId: z.uuid() }),
      querystring: z.strictObject({
        status: z.enum(['pending', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'suppressed']).default('failed'), limit,
      }),
      response: { 200: z.object({ items: z.array(deliveryView.extend({ lastName: z.string(), firstName: z.string() })) }) },
    },
  }, async (req) => ({ items: await schoolDeliveries(sql, req.actor, req.params.schoolId, req.query.status, req.query.limit) }))
}

/**
 * The List-Unsubscribe target of emails (public: the signed token is the authority).
 * GET shows a confirmation page; POST (RFC 8058 one-click, or the page's button) turns it off.
 */
export const unsubscribeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql, config } = app.deps
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })
  // RFC 8058 3.1: the one-click POST SHOULD come as multipart/form-data; its one field tells
  // nothing the token does not, so the body is read (within the body limit) and dropped
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (_req, _body, done) => done(null, {}))
  const query = z.strictObject({ t: z.string().min(10).max(300) })
  const target = (t: string) => {
    const found = readUnsubscribeToken(config.jwtSecret, t)
    if (!found) throw errors.notFound('unsubscribe link')
    return found
  }
  const page = (done: boolean, t: string) =>
    render('notify/unsubscribe.html', { done, token: t, topic: TOPIC_NAMES[target(t).topic] })

  app.get('/notifications/unsubscribe', {
    schema: { tags, summary: 'The unsubscribe page of an email link', querystring: query },
  }, async (req, reply) => reply.type('text/html; charset=utf-8').send(page(false, req.query.t)))

  app.post('/notifications/unsubscribe', {
    // the body (List-Unsubscribe=One-Click, form-encoded) carries nothing the token does not
    schema: { tags, summary: 'Unsubscribe (one click, RFC 8058)', querystring: query },
  }, async (req, reply) => {
    await unsubscribe(sql, target(req.query.t))
    return reply.type('text/html; charset=utf-8').send(page(true, req.query.t))
  })
}

const TOPIC_NAMES: Record<string, string> = {
  marks: 'об отметках', absence: 'о пропусках уроков', homework: 'о домашних заданиях', final_marks: 'об итоговых отметках',
  messages: 'о сообщениях учителей', announcements: 'с объявлениями школы', absence_digest: 'со сводкой отсутствующих',
  attendance_summary: 'с недельной сводкой посещаемости',
}

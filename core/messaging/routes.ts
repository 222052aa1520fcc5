import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Actor } from '../auth/policy.ts'
import { publishAnnouncement } from './announcements.ts'
import { contactsFor } from './contacts.ts'
import * as s from './schema.ts'
import { sendMessage } from './send.ts'
import { listThreads, muteThread, schoolThreads, threadMessages } from './threads.ts'

const secured = [{ bearer: [] }]
const tags = ['messaging']
const threadParams = z.strictObject({ threadId: z.uuid() })
const limit = z.coerce.number().int().min(1).max(200).default(50)
const items = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) })

/** Teacher–parent threads and announcements; registered inside the authenticated context. */
export const messagingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  app.get('/me/threads', {
    schema: {
      tags, summary: 'My threads (as a guardian or as staff), latest activity first', security: secured,
      querystring: z.strictObject({ limit }), response: { 200: items(s.threadView) },
    },
  }, async (req) => ({ items: await listThreads(sql, ctx(req), req.query.limit) }))

  app.get('/schools/:schoolId/threads', {
    schema: {
      tags, summary: "The school's threads, as its record: admin, director", security: secured,
      params: z.strictObject({ schoolId: z.uuid() }), querystring: z.strictObject({ limit }), response: { 200: items(s.threadView) },
    },
  }, async (req) => ({ items: await schoolThreads(sql, ctx(req), req.params.schoolId, req.query.limit) }))

  app.get('/threads/:threadId/messages', {
    schema: {
      tags, summary: "A thread's latest messages, oldest first (reading marks the other side's messages read)", security: secured,
      params: threadParams, querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ thread: s.threadView, items: z.array(s.messageView) }) },
    },
  }, async (req) => threadMessages(sql, ctx(req), req.params.threadId, req.query.limit))

  app.post('/threads', {
    schema: {
      tags, summary: "Write to one of the child's teachers or the class teacher (the thread is created on first use)", security: secured,
      body: s.newThreadBody, response: { 201: s.sentView },
    },
  }, async (req, reply) => reply.code(201).send(await sendMessage(sql, ctx(req), { ...req.body, via: 'api' })))

  app.post('/threads/:threadId/messages', {
    schema: {
      tags, summary: 'Write in a thread I am in', security: secured, params: threadParams, body: s.messageBody,
      response: { 201: s.sentView },
    },
  }, async (req, reply) => reply.code(201).send(await sendMessage(sql, ctx(req), { threadId: req.params.threadId, body: req.body.body, via: 'api' })))

  app.put('/threads/:threadId/mute', {
    schema: {
      tags, summary: "Mute or unmute a thread (its member of staff): the family's messages are kept but not pushed", security: secured,
      params: threadParams, body: s.muteBody, response: { 200: s.threadView },
    },
  }, async (req) => muteThread(sql, ctx(req), req.params.threadId, req.body.muted))

  app.get('/students/:studentId/contacts', {
    schema: {
      tags, summary: 'Whom the family may write about the child: class teacher and teachers (names and subjects only)', security: secured,
      params: z.strictObject({ studentId: z.uuid() }), response: { 200: items(s.contactView) },
    },
  }, async (req) => ({ items: await contactsFor(sql, ctx(req), req.params.studentId) }))

  app.post('/schools/:schoolId/announcements', {
    schema: {
      tags, summary: "An announcement to a class's families (class teacher, administration) or the whole school's (administration)", security: secured,
      params: z.strictObject({ schoolId: z.uuid() }), body: s.announcementBody, response: { 201: s.announcementView },
    },
  }, async (req, reply) => reply.code(201).send(await publishAnnouncement(sql, ctx(req), { schoolId: req.params.schoolId, ...req.body })))
}

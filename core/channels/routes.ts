/**
 * Class channels over HTTP, for class teachers, forum moderators and the administration: bind
 * codes, the school's channels and their settings, the record of moderation actions, the review
 * queue and the school's watched words. Registered inside the authenticated context; the rules
 * (who may) live in the services.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Actor } from '../auth/policy.ts'
import { BIND_CODE_TTL_MINUTES, channelLog, channelsModeratedBy, issueBindCode, listChannels, requireModeratedChannel, updateChannelSettings } from './channels.ts'
import { openQueue, resolveQueueItem } from './queue.ts'
import * as s from './schema.ts'
import { addWatchedWord, listWatchedWords, removeWatchedWord } from './watched.ts'

const secured = [{ bearer: [] }]
const tags = ['channels']
const schoolParams = z.strictObject({ schoolId: z.uuid() })
const channelParams = z.strictObject({ channelId: z.uuid() })
const items = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) })

/** What to do with a bind code (the API's texts are English; the bot tells people in Russian). */
const bindInstructions = (code: string) =>
  `Add the bot to the class group as an administrator, then send /bind ${code} in the group within ${BIND_CODE_TTL_MINUTES} minutes.`

export const channelsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  app.post('/classes/:classId/channel-codes', {
    schema: {
      tags, summary: "A one-time code that binds a Telegram group to the class: its class teacher, moderators, administration",
      security: secured, params: z.strictObject({ classId: z.uuid() }), response: { 201: s.bindCodeView },
    },
  }, async (req, reply) => {
    const code = await issueBindCode(sql, ctx(req), req.params.classId)
    return reply.code(201).send({ ...code, instructions: bindInstructions(code.code) })
  })

  app.get('/schools/:schoolId/channels', {
    schema: {
      tags, summary: "The school's class channels, bound and unbound: moderators, administration", security: secured,
      params: schoolParams, response: { 200: items(s.listedChannelView) },
    },
  }, async (req) => ({ items: await listChannels(sql, ctx(req), req.params.schoolId) }))

  app.get('/me/channels', {
    schema: {
      tags, summary: 'The live channels I moderate (a class teacher: their class; moderators: the school)', security: secured,
      response: { 200: items(s.channelView) },
    },
  }, async (req) => ({ items: await channelsModeratedBy(sql, req.actor) }))

  app.get('/channels/:channelId', {
    schema: {
      tags, summary: 'A channel I moderate, with its settings', security: secured, params: channelParams,
      response: { 200: s.channelView },
    },
  }, async (req) => requireModeratedChannel(sql, req.actor, req.params.channelId))

  app.patch('/channels/:channelId/settings', {
    schema: {
      tags, summary: "Change a channel's settings (slow mode, warnings, flood limit, students); audited", security: secured,
      params: channelParams, body: s.settingsPatch, response: { 200: s.channelView },
    },
  }, async (req) => updateChannelSettings(sql, ctx(req), req.params.channelId, req.body))

  app.get('/channels/:channelId/actions', {
    schema: {
      tags, summary: "The channel's moderation record, newest first, or one member's history (userId)", security: secured,
      params: channelParams, querystring: s.actionsQuery, response: { 200: items(s.moderationRecordView) },
    },
  }, async (req) => {
    const { userId, limit, before } = req.query
    return { items: await channelLog(sql, req.actor, req.params.channelId, { userId, limit, before: before ? new Date(before) : undefined }) }
  })

  app.get('/channels/:channelId/queue', {
    schema: {
      tags, summary: "The channel's open review items, oldest first", security: secured,
      params: channelParams, querystring: s.queueQuery, response: { 200: s.queueView },
    },
  }, async (req) => openQueue(sql, req.actor, { channelId: req.params.channelId, limit: req.query.limit }))

  app.get('/me/moderation/queue', {
    schema: {
      tags, summary: 'Open review items of every channel I moderate, oldest first', security: secured,
      querystring: s.queueQuery, response: { 200: s.queueView },
    },
  }, async (req) => openQueue(sql, req.actor, { limit: req.query.limit }))

  app.post('/moderation/queue/:itemId/decision', {
    schema: {
      tags, summary: 'Decide a review item: approve, delete, warn (messages and reports); lift, reject (appeals)', security: secured,
      params: z.strictObject({ itemId: z.uuid() }), body: s.decisionBody, response: { 200: s.queueItemView },
    },
  }, async (req) => resolveQueueItem(sql, ctx(req), req.params.itemId, req.body.decision))

  app.get('/schools/:schoolId/watched-words', {
    schema: {
      tags, summary: "The school's watched words with their actions: moderators, administration", security: secured,
      params: schoolParams, response: { 200: items(s.watchedWordView) },
    },
  }, async (req) => ({ items: await listWatchedWords(sql, ctx(req), req.params.schoolId) }))

  app.post('/schools/:schoolId/watched-words', {
    schema: {
      tags, summary: 'Watch a word or phrase in every class channel of the school (stored normalised)', security: secured,
      params: schoolParams, body: s.watchedWordBody, response: { 201: s.watchedWordView },
    },
  }, async (req, reply) => reply.code(201).send(await addWatchedWord(sql, ctx(req), req.params.schoolId, req.body)))

  app.delete('/schools/:schoolId/watched-words/:id', {
    schema: {
      tags, summary: 'Stop watching a word', security: secured,
      params: z.strictObject({ schoolId: z.uuid(), id: z.uuid() }), response: { 204: z.null() },
    },
  }, async (req, reply) => {
    await removeWatchedWord(sql, ctx(req), req.params.schoolId, req.params.id)
    return reply.code(204).send(null)
  })
}

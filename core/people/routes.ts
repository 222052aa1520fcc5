import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  consentBody, consentView, createPersonBody, guardianshipBody, guardianshipParams, personCard, personKind, personView,
  schoolView, sensitiveBody, sensitiveView,
} from './schema.ts'
import {
  createPerson, getConsents, getPerson, getSchool, getSensitive, linkGuardian, listPeople, putSensitive,
  recordConsent, revokeConsent, unlinkGuardian,
} from './service.ts'

const secured = [{ bearer: [] }]
const schoolParams = z.strictObject({ schoolId: z.uuid() })
const personParams = z.strictObject({ personId: z.uuid() })

/** Protected routes: registered inside the authenticated context. */
export const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: import('../auth/policy.ts').Actor; id: string }) => ({ actor: req.actor, requestId: req.id })

  app.get('/schools/:schoolId', {
    schema: { tags: ['people'], summary: 'A school', security: secured, params: schoolParams, response: { 200: schoolView } },
  }, async (req) => getSchool(sql, ctx(req), req.params.schoolId))

  app.get('/schools/:schoolId/persons', {
    schema: {
      tags: ['people'], summary: "The school's people (name cards), or one class's students and guardians", security: secured,
      params: schoolParams,
      querystring: z.strictObject({
        kind: personKind.optional(),
        classId: z.uuid().optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
      response: { 200: z.object({ items: z.array(personCard) }) },
    },
  }, async (req) => ({ items: await listPeople(sql, ctx(req), req.params.schoolId, req.query) }))

  app.post('/schools/:schoolId/persons', {
    schema: {
      tags: ['people'], summary: 'Add a student, guardian or staff member', security: secured,
      params: schoolParams, body: createPersonBody, response: { 201: personView },
    },
  }, async (req, reply) => reply.code(201).send(await createPerson(sql, ctx(req), req.params.schoolId, req.body)))

  app.post('/schools/:schoolId/guardianships', {
    schema: {
      tags: ['people'], summary: 'Link a guardian to a student with the relation', security: secured,
      params: schoolParams, body: guardianshipBody, response: { 204: z.null() },
    },
  }, async (req, reply) => {
    await linkGuardian(sql, ctx(req), req.params.schoolId, req.body)
    return reply.code(204).send(null)
  })

  app.delete('/schools/:schoolId/guardianships/:guardianId/:studentId', {
    schema: {
      tags: ['people'], summary: 'Unlink a guardian from a student (audited with the relation)', security: secured,
      params: guardianshipParams, response: { 204: z.null() },
    },
  }, async (req, reply) => {
    await unlinkGuardian(sql, ctx(req), req.params.schoolId, req.params.guardianId, req.params.studentId)
    return reply.code(204).send(null)
  })

  app.get('/persons/:personId', {
    schema: {
      tags: ['people'], summary: 'A name card (contacts for those who may see them)', security: secured,
      params: personParams, response: { 200: personView },
    },
  }, async (req) => getPerson(sql, ctx(req), req.params.personId))

  app.get('/persons/:personId/sensitive', {
    schema: {
      tags: ['people'], summary: 'Documents, SNILS, birth date, address, health (few roles)', security: secured,
      params: personParams, response: { 200: sensitiveView },
    },
  }, async (req) => getSensitive(sql, ctx(req), req.params.personId))

  app.put('/persons/:personId/sensitive', {
    schema: {
      tags: ['people'], summary: 'Replace the sensitive fields (requires a recorded consent)', security: secured,
      params: personParams, body: sensitiveBody, response: { 200: sensitiveView },
    },
  }, async (req) => putSensitive(sql, ctx(req), req.params.personId, req.body))

  app.get('/persons/:personId/consents', {
    schema: {
      tags: ['people'], summary: 'Consents to process personal data', security: secured,
      params: personParams, response: { 200: z.object({ items: z.array(consentView) }) },
    },
  }, async (req) => ({ items: await getConsents(sql, ctx(req), req.params.personId) }))

  app.post('/persons/:personId/consents', {
    schema: {
      tags: ['people'], summary: 'Record a signed consent to process personal data', security: secured,
      params: personParams, body: consentBody, response: { 201: consentView },
    },
  }, async (req, reply) => reply.code(201).send(await recordConsent(sql, ctx(req), req.params.personId, req.body)))

  app.post('/persons/:personId/consents/:consentId/revoke', {
    schema: {
      tags: ['people'], summary: 'Record that a consent was revoked', security: secured,
      params: z.strictObject({ personId: z.uuid(), consentId: z.uuid() }), response: { 204: z.null() },
    },
  }, async (req, reply) => {
    await revokeConsent(sql, ctx(req), req.params.personId, req.params.consentId)
    return reply.code(204).send(null)
  })
}

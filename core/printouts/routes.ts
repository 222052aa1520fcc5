import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Actor } from '../auth/policy.ts'
import { getClassPrintoutRecipients, getPrintoutPreference, setPrintoutPreference, WEEKLY_PRINTOUT } from './preferences.ts'

const secured = [{ bearer: [] }]
const tags = ['printouts']
const weekly = z.enum(WEEKLY_PRINTOUT)
const preferenceView = z.object({ personId: z.uuid(), weekly, hasEmail: z.boolean(), setAt: z.date().nullable() })
const nameCard = z.object({ personId: z.uuid(), lastName: z.string(), firstName: z.string(), middleName: z.string().nullable() })
const recipient = z.object({ guardian: nameCard, student: nameCard })
const recipientsView = z.object({
  classId: z.uuid(), classLabel: z.string(),
  paper: z.array(recipient), email: z.array(recipient.extend({ hasEmail: z.boolean() })),
})

/** Who receives the weekly diary printout, and how; registered inside the authenticated context. */
export const printoutDeliveryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps
  const ctx = (req: { actor: Actor; id: string }) => ({ actor: req.actor, requestId: req.id })
  const params = z.strictObject({ personId: z.uuid() })

  app.get('/guardians/:personId/printout-preference', {
    schema: {
      tags, summary: "A guardian's weekly diary printout: none, by e-mail (PDF) or on paper from the class teacher", security: secured,
      params, response: { 200: preferenceView },
    },
  }, (req) => getPrintoutPreference(sql, ctx(req), req.params.personId))

  app.put('/guardians/:personId/printout-preference', {
    schema: {
      tags, summary: "Set a guardian's weekly printout (the guardian, their child's class teacher, the secretary); e-mail needs an address on the card",
      security: secured, params, body: z.strictObject({ weekly }), response: { 200: preferenceView },
    },
  }, (req) => setPrintoutPreference(sql, ctx(req), req.params.personId, req.body.weekly))

  app.get('/classes/:classId/printout-recipients', {
    schema: {
      tags, summary: "Who of the class's guardians gets the week on paper and who by e-mail (names only)", security: secured,
      params: z.strictObject({ classId: z.uuid() }), response: { 200: recipientsView },
    },
  }, (req) => getClassPrintoutRecipients(sql, ctx(req), req.params.classId))
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { checkPrintout } from './verify.ts'

const secured = [{ bearer: [] }]

/** Checking a printout by its verification code; registered inside the authenticated context. */
export const printoutRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps

  app.get('/printouts/:code', {
    schema: {
      tags: ['printouts'],
      summary: 'What the system produced under a verification code (staff of the school, its maker, the family of the student it concerns); with sha256, whether a file is that printout',
      security: secured,
      params: z.strictObject({ code: z.string().regex(/^[0-9A-Za-z]{5}[\s-]?[0-9A-Za-z]{5}$/, 'a verification code: 10 letters and digits, e.g. 7K3MQ-9XF2B') }),
      querystring: z.strictObject({ sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 in hex').optional() }),
      response: {
        200: z.object({
          code: z.string(), kind: z.string(), title: z.string(), schoolName: z.string(), madeAt: z.date(), madeBy: z.string(),
          pages: z.number().int().nullable(),
          sha256: z.object({ data: z.string(), pdf: z.string().nullable(), xlsx: z.string().nullable() }),
          fileMatches: z.boolean().nullable(),
        }),
      },
    },
  }, (req) => checkPrintout(sql, req.actor, req.params.code, req.query.sha256))
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { ZodError } from 'zod'
import { AppError, ERROR_STATUS, ERROR_TITLES, type ErrorCode, type FieldIssue } from './errors.ts'

/** application/problem+json (RFC 9457) with our stable `code`. */
export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail?: string
  instance?: string
  issues?: FieldIssue[]
  retryAfter?: number
}

const PG_CODES: Record<string, ErrorCode> = {
  '23505': 'conflict', // unique_violation
  '23503': 'invalid_reference', // foreign_key_violation
  '23514': 'validation_failed', // check_violation
  '22P02': 'validation_failed', // invalid_text_representation
  '22001': 'validation_failed', // string_data_right_truncation
  '22007': 'validation_failed', // invalid_datetime_format
  '22008': 'validation_failed', // datetime_field_overflow
  '22021': 'validation_failed', // character_not_in_repertoire (a NUL byte in text)
  '22P05': 'validation_failed', // untranslatable_character (a NUL in jsonb)
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'bad_request',
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'unauthorized',
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: 'unauthorized',
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: 'unauthorized',
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: 'unauthorized',
  FST_JWT_BAD_REQUEST: 'unauthorized',
  FST_JWT_BAD_COOKIE_REQUEST: 'unauthorized',
}

function problem(code: ErrorCode, detail: string | undefined, req: FastifyRequest, extra: Partial<Problem> = {}): Problem {
  return {
    type: `https://zvonok.school/problems/${code}`,
    title: ERROR_TITLES[code],
    status: ERROR_STATUS[code],
    code,
    ...(detail ? { detail } : {}),
    instance: req.url.split('?')[0],
    ...extra,
  }
}

function zodIssues(e: ZodError): FieldIssue[] {
  return e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
}

/** Maps any error to a problem. The unknown becomes a logged 500 that reveals nothing. */
export function toProblem(err: unknown, req: FastifyRequest): Problem {
  if (err instanceof AppError) {
    return problem(err.code, err.message, req, {
      ...(err.extra.issues ? { issues: err.extra.issues } : {}),
      ...(err.extra.retryAfter !== undefined ? { retryAfter: err.extra.retryAfter } : {}),
    })
  }
  if (err instanceof ZodError) return problem('validation_failed', 'The request is not valid', req, { issues: zodIssues(err) })
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body'
    const issues = err.validation.map((v) => ({
      path: [where, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'is not valid',
    }))
    return problem('validation_failed', 'The request is not valid', req, { issues })
  }
  if (isResponseSerializationError(err)) return problem('internal', undefined, req)
  const e = err as Partial<FastifyError> & { code?: string; severity?: string }
  if (typeof e.code === 'string') {
    if (e.severity && PG_CODES[e.code]) {
      // SQLSTATE from PostgreSQL: name the class of problem, never the SQL or the constraint text
      const code = PG_CODES[e.code]!
      const detail = code === 'conflict' ? 'A record with these values already exists'
        : code === 'invalid_reference' ? 'A referenced record does not exist' : 'A value is not valid'
      return problem(code, detail, req)
    }
    const fc = FASTIFY_CODES[e.code]
    if (fc) return problem(fc, fc === 'unauthorized' ? 'A valid access token is required' : e.message, req)
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const byStatus: Partial<Record<number, ErrorCode>> = {
      400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
      413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited',
    }
    const c = byStatus[e.statusCode] ?? 'bad_request'
    return problem(c, e.message, req)
  }
  return problem('internal', 'An internal error occurred; it has been logged', req)
}

export function sendProblem(reply: FastifyReply, p: Problem) {
  if (p.retryAfter !== undefined) reply.header('retry-after', String(p.retryAfter))
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p)
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const p = toProblem(err, req)
  if (p.status >= 500) req.log.error({ err }, 'request failed')
  else req.log.info({ code: p.code, status: p.status }, 'request refused')
  return sendProblem(reply, p)
}

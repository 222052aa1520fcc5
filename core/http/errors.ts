/**
 * Errors are data: one AppError with a closed set of stable codes. The HTTP layer maps them
 * to application/problem+json; the bots map them to a plain Russian reply.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  password_change_required: 403,
  account_locked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  weak_password: 422,
  consent_required: 422,
  invalid_reference: 422,
  rule_violation: 422,
  idempotency_key_reused: 409,
  year_closed: 409,
  period_closed: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export const ERROR_TITLES: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  bad_request: 'The request could not be read',
  unauthorized: 'Authentication is required',
  invalid_credentials: 'Wrong login or password',
  forbidden: 'Not allowed',
  password_change_required: 'The password must be changed first',
  account_locked: 'The account is locked',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict with the current state',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'Unsupported content type',
  weak_password: 'The new password does not meet the policy',
  consent_required: 'A recorded consent to process personal data is required',
  invalid_reference: 'A referenced record does not exist',
  rule_violation: 'The school regulations do not allow this',
  idempotency_key_reused: 'The request id was already used for a different request',
  year_closed: 'The school year is closed',
  period_closed: 'The period is closed',
  rate_limited: 'Too many attempts',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
}

export interface FieldIssue {
  readonly path: string
  readonly message: string
}

export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_TITLES[code],
    readonly extra: { readonly issues?: FieldIssue[]; readonly retryAfter?: number } = {},
  ) {
    super(message)
  }
  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

export const errors = {
  validation: (issues: FieldIssue[], message = 'The request is not valid') =>
    new AppError('validation_failed', message, { issues }),
  unauthorized: (message = 'A valid access token is required') => new AppError('unauthorized', message),
  invalidCredentials: () => new AppError('invalid_credentials', 'Wrong login or password'),
  forbidden: (message = 'You are not allowed to do this') => new AppError('forbidden', message),
  notFound: (entity: string, id?: string) =>
    new AppError('not_found', id ? `${entity} ${id} was not found` : `${entity} was not found`),
  conflict: (message: string) => new AppError('conflict', message),
  rateLimited: (retryAfter: number) =>
    new AppError('rate_limited', `Too many attempts; retry in ${retryAfter} s`, { retryAfter }),
  rule: (message: string, issues?: FieldIssue[]) =>
    new AppError('rule_violation', message, issues ? { issues } : {}),
  invalidReference: (message: string) => new AppError('invalid_reference', message),
  weakPassword: (issues: FieldIssue[]) =>
    new AppError('weak_password', 'The new password does not meet the policy', { issues }),
}

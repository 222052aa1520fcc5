/**
 * What a person is told when their input cannot be done. Handlers throw `BotError` for their
 * own cases ("the date cannot be read"); core's AppErrors are mapped here by their stable code.
 */
import { AppError } from '../../core/http/errors.ts'
import type { Reply } from './types.ts'

/** A refusal told to the person: templates/bot/<template>.html.hbs (default: a plain line). */
export class BotError extends Error {
  constructor(readonly reply: Reply) {
    super(`bot: ${reply.template}`)
  }
}

/** A short refusal worded in the template `bot/problem` by its key. */
export const problem = (key: string, view: object = {}): BotError =>
  new BotError({ template: 'problem', view: { [key]: true, ...view } })

/** Core's refusals, by code, as the problem template's keys. */
export function replyForAppError(err: AppError): Reply | null {
  switch (err.code) {
    case 'forbidden':
    case 'unauthorized':
      return { template: 'problem', view: { forbidden: true } }
    case 'account_locked':
      return { template: 'problem', view: { locked: true } }
    case 'not_found':
      return { template: 'problem', view: { notFound: true } }
    case 'rule_violation':
    case 'year_closed':
    case 'period_closed':
    case 'conflict':
      return { template: 'problem', view: { rule: true } }
    case 'validation_failed':
    case 'bad_request':
      return { template: 'problem', view: { invalid: true } }
    default:
      return null
  }
}

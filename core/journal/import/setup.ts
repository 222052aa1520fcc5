/** The school, year, date and actor an import runs with, and the answer of one that wrote nothing. */
import { randomUUID } from 'node:crypto'
import type { Sql } from '../../db/connect.ts'
import type { RequestContext } from '../../people/service.ts'
import { localDate } from '../time.ts'
import { ImportSetupError } from './errors.ts'
import { parseDate } from './normalise.ts'
import type { ImportIssue, ImportOptions, ImportResult, Setup } from './types.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The import acts as the system on behalf of the school: the audit rows and outbox events
 * name the school's first admin account that is not locked (the one who set the school up,
 * usually) so that a reader of the log knows whom to ask; with no admin account they name
 * no one (null). A locked account is skipped: its later operations are voided on a
 * compromise report, and an import must not be swept away with them.
 */
export async function loadSetup(sql: Sql, opts: ImportOptions): Promise<Setup> {
  if (!UUID.test(opts.schoolId)) throw new ImportSetupError(`школа «${opts.schoolId}»: ожидается идентификатор (UUID)`)
  const [school] = await sql<{ id: string; name: string; timezone: string }[]>`
    select id, name, timezone from schools where id = ${opts.schoolId}`
  if (!school) throw new ImportSetupError(`школа ${opts.schoolId} не найдена`)
  const today = localDate(new Date(), school.timezone)
  const date = opts.date ?? today
  if (parseDate(date) !== date) throw new ImportSetupError(`дата «${date}»: ожидается ГГГГ-ММ-ДД`)
  if (opts.orderNumber !== undefined && (opts.orderNumber.trim().length < 1 || opts.orderNumber.length > 50))
    throw new ImportSetupError('номер приказа: от 1 до 50 символов')
  const [year] = await sql<{ id: string; name: string; closedAt: Date | null }[]>`
    select id, name, closed_at from academic_years
    where school_id = ${school.id} and starts_on <= ${date} and ends_on >= ${date} order by starts_on limit 1`
  if (!year) throw new ImportSetupError(`в школе нет учебного года, в который попадает ${date}: создайте год или укажите другую --date`)
  if (year.closedAt) throw new ImportSetupError(`учебный год ${year.name} закрыт`)
  const [admin] = await sql<{ accountId: string }[]>`
    select r.account_id from account_roles r join accounts a on a.id = r.account_id
    where r.role = 'admin' and r.school_id = ${school.id} and a.locked_at is null
    order by r.granted_at, a.created_at limit 1`
  const actorAccountId = admin?.accountId ?? null
  const ctx: RequestContext = {
    // no policy is asked on this path (the operator runs the command on the server); the
    // actor only names who the audit rows and events are attributed to. accountId may be
    // null here — audit_log and outbox keep a null actor for the system.
    actor: { accountId: actorAccountId as string, sessionId: 'import', personIds: [], roles: [] },
    // one id for every audit row and event of this run
    requestId: `import:${randomUUID()}`,
  }
  return { school, year: { id: year.id, name: year.name }, date, today, ctx, actorAccountId }
}

export function emptyResult<C>(kind: 'roster' | 'timetable', setup: Setup, opts: ImportOptions, counts: C, errors: ImportIssue[], rows = 0): ImportResult<C> {
  return {
    kind, school: { id: setup.school.id, name: setup.school.name }, year: setup.year, date: setup.date,
    orderNumber: opts.orderNumber ?? null, rows, imported: 0, errors, warnings: [], counts, written: false,
    dryRun: !!opts.dryRun, actorAccountId: setup.actorAccountId,
  }
}

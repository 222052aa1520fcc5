/**
 * Closing a period (school26 2.14, 2.16: the summary sheet goes to the archive as soon as the
 * period's record is complete). In one transaction: the period is marked closed, and every
 * class of the period's grades gets its summary sheet frozen — the data as canonical JSON and
 * the PDF registered as a printout with a verification code — appended to the school's chain
 * and kept 25 years after the school year ends (school14 5.3). Final marks of a closed period
 * are refused from then on (core/journal/final-marks.ts).
 */
import { writeAudit } from '../audit/audit.ts'
import type { Sql, Tx } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { requireSchoolAction } from '../journal/access.ts'
import type { RequestContext } from '../people/service.ts'
import { madeByLabel, producePrintout } from '../print/index.ts'
import { summarySheet, summarySheetDoc } from '../reports/summary-sheet.ts'
import { addYears } from './canonical.ts'
import { appendEntry, type ArchiveEntry } from './chain.ts'
import { summarySheetTitle } from './titles.ts'

/** Summary sheets are kept 25 years after their school year ends (school14 5.3). */
export const SUMMARY_SHEET_RETENTION_YEARS = 25

export interface ClosePeriodResult {
  readonly periodId: string
  readonly closedAt: Date
  readonly entries: ArchiveEntry[]
}

interface PeriodRow {
  id: string; schoolId: string; academicYearId: string; kind: 'quarter' | 'trimester' | 'half' | 'year'; number: number
  gradeFrom: number; gradeTo: number; closedAt: Date | null; yearName: string; yearEndsOn: string
}

export async function closePeriod(sql: Sql, ctx: RequestContext, periodId: string, opts: { clock?: () => Date } = {}): Promise<ClosePeriodResult> {
  const [found] = await sql<{ schoolId: string }[]>`select school_id from periods where id = ${periodId}`
  if (!found) throw errors.notFound('period', periodId)
  requireSchoolAction(ctx, found.schoolId, 'period.close')
  return sql.begin((tx) => closePeriodTx(tx, ctx, periodId, opts)) as Promise<ClosePeriodResult>
}

/**
 * The close itself, inside the caller's transaction; the caller has checked `period.close`.
 * The year-close flow uses it for the periods still open when the year closes.
 */
export async function closePeriodTx(tx: Tx, ctx: RequestContext, periodId: string, opts: { clock?: () => Date } = {}): Promise<ClosePeriodResult> {
  // FOR UPDATE waits for final marks being set in the period (they hold a key-share lock)
  // and makes them wait for this close, so the frozen sheets are the final ones
  const [p] = await tx<PeriodRow[]>`
    select p.id, p.school_id, p.academic_year_id, p.kind, p.number, p.grade_from, p.grade_to, p.closed_at,
      y.name as year_name, y.ends_on as year_ends_on
    from periods p join academic_years y on y.id = p.academic_year_id
    where p.id = ${periodId}
    for update of p`
  if (!p) throw errors.notFound('period', periodId)
  if (p.closedAt) throw new AppError('period_closed', 'The period is already closed')
  const closedAt = (opts.clock ?? (() => new Date()))()
  await tx`update periods set closed_at = ${closedAt} where id = ${periodId}`
  const classes = await tx<{ id: string; grade: number; letter: string }[]>`
    select id, grade, letter from classes
    where academic_year_id = ${p.academicYearId} and school_id = ${p.schoolId} and grade between ${p.gradeFrom} and ${p.gradeTo}
    order by grade, letter`
  const label = await madeByLabel(tx, ctx.actor.accountId, p.schoolId)
  const retainUntil = addYears(p.yearEndsOn, SUMMARY_SHEET_RETENTION_YEARS)
  const entries: ArchiveEntry[] = []
  for (const c of classes) {
    const sheet = await summarySheet(tx, c.id, periodId)
    const title = summarySheetTitle(c, p, p.yearName)
    const printout = await producePrintout(tx, {
      schoolId: p.schoolId, kind: 'summary_sheet', title, madeBy: { accountId: ctx.actor.accountId, label },
      classId: c.id, params: { periodId, archived: true }, data: sheet, docs: summarySheetDoc(sheet), formats: ['pdf'],
    })
    entries.push(await appendEntry(tx, {
      schoolId: p.schoolId, kind: 'summary_sheet', title, academicYearId: p.academicYearId, periodId, classId: c.id,
      archivedBy: ctx.actor.accountId, archivedAt: closedAt, retainUntil, printoutCode: printout.code,
      data: sheet, pdf: printout.pdf ?? null, requestId: ctx.requestId ?? null,
    }))
  }
  await writeAudit(tx, {
    schoolId: p.schoolId, actorAccountId: ctx.actor.accountId, action: 'period.closed', entityType: 'period', entityId: periodId,
    before: { closedAt: null },
    after: { closedAt, archived: entries.map((e) => ({ entryId: e.id, seq: e.seq, classId: e.classId, printoutCode: e.printoutCode })) },
    requestId: ctx.requestId ?? null,
  })
  return { periodId, closedAt, entries }
}

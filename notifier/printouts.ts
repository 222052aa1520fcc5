/**
 * The weekly printouts the notifier carries (school14 4.6.5, school26 1.6):
 *  - diary_week: one child's week as a PDF, by e-mail to a guardian who chose e-mail;
 *  - paper_bundle: one PDF of the week of every child whose guardian chose paper, with a cover
 *    listing who gets which, to the class teacher (Telegram document or e-mail attachment).
 * The PDF is made (and registered under its verification code) at the first send attempt and
 * kept in the delivery's payload until the delivery is done: a retry, a resend after a crash or
 * a fallback to the next channel carries the same document with the same code. When sent, the
 * file is dropped from the payload; the code stays on the delivery.
 */
import type { Db, Sql } from '../core/db/connect.ts'
import { AppError } from '../core/http/errors.ts'
import type { Channel, Topic } from '../core/notifications/preferences.ts'
import { displayCode, systemLabel } from '../core/print/index.ts'
import { printWeekForClass, printWeekForStudent, weekLabel } from '../core/printouts/diary-week.ts'
import { classPrintoutRecipients, type NameCard } from '../core/printouts/preferences.ts'
import { render } from '../core/render/render.ts'

export const PRINTOUT_REPORTS = ['diary_week', 'paper_bundle'] as const
export type PrintoutReport = (typeof PRINTOUT_REPORTS)[number]

export const isPrintoutReport = (report: unknown): report is PrintoutReport =>
  PRINTOUT_REPORTS.includes(report as PrintoutReport)

export interface PrintoutPayload {
  readonly report: PrintoutReport
  /** diary_week: the child */
  readonly studentId?: string
  /** paper_bundle: the class */
  readonly classId?: string
  /** Monday and Saturday of the week */
  readonly from: string
  readonly to: string
  readonly printout?: StoredPrintout
}

/** What the message says about the document; the same on every attempt. */
export interface PrintoutView {
  readonly code: string
  readonly pages: number
  readonly filename: string
  readonly week: string
  readonly from: string
  readonly to: string
  readonly classLabel: string
  /** diary_week: the child */
  readonly student?: { readonly lastName: string; readonly firstName: string }
  /** paper_bundle: the cover's list, in its order */
  readonly recipients?: ReadonlyArray<{ readonly n: number; readonly guardian: string; readonly student: string }>
}

interface StoredPrintout extends PrintoutView {
  /** the PDF, base64; dropped once the delivery is done */
  readonly pdf?: string
}

export interface PreparedPrintout extends PrintoutView {
  readonly pdf: Buffer
}

/**
 * Channels a printout may go by and the topic whose preferences choose among them. The diary
 * goes only by e-mail (the guardian chose it); the bundle as the class teacher's weekly
 * attendance summary does, but never by SMS, which cannot carry a file.
 */
export const PRINTOUT_ROUTES: Record<PrintoutReport, { readonly channels: readonly Channel[]; readonly topic: Topic | null }> = {
  diary_week: { channels: ['email'], topic: null },
  paper_bundle: { channels: ['telegram', 'email'], topic: 'attendance_summary' },
}

const fullName = (p: Pick<NameCard, 'lastName' | 'firstName' | 'middleName'>) => [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ')

/**
 * The delivery's document: the one kept in its payload, or a new one made and kept now (in one
 * transaction with the printout's record, so a crash leaves no code that no delivery knows).
 * Null when there is nothing to print any more (the child left, nobody takes paper now).
 */
export async function preparePrintout(sql: Sql, deliveryId: string, payload: PrintoutPayload): Promise<PreparedPrintout | null> {
  const kept = payload.printout
  if (kept?.pdf) return { ...kept, pdf: Buffer.from(kept.pdf, 'base64') }
  try {
    return await sql.begin(async (tx) => {
      const made = payload.report === 'diary_week' ? await diaryWeek(tx, payload) : await paperBundle(tx, payload)
      if (!made) return null
      const { pdf, ...view } = made
      const stored: StoredPrintout = { ...view, pdf: pdf.toString('base64') }
      await tx`update deliveries set payload = jsonb_set(payload, '{printout}', ${tx.json(stored as never)}), updated_at = now() where id = ${deliveryId}`
      return made
    })
  } catch (err) {
    // the regulations' refusals (not enrolled that week): nothing to send, not worth retrying
    if (err instanceof AppError && err.status < 500) return null
    throw err
  }
}

/**
 * The message names the days the page covers: Monday..Saturday, or ..Sunday when the week has
 * lessons on Sunday: the days of the diary the page was made from.
 */
async function diaryWeek(db: Db, p: PrintoutPayload): Promise<PreparedPrintout | null> {
  // not enrolled that week: a refusal (AppError), nothing to send
  const r = await printWeekForStudent(db, { studentId: p.studentId!, monday: p.from, madeBy: { accountId: null, label: systemLabel('weekly') } })
  const d = r.diary
  const base = {
    week: weekLabel(d.monday, d.lastDay), from: d.monday, to: d.lastDay, classLabel: d.className,
    student: { lastName: d.lastName, firstName: d.firstName },
  }
  return { ...base, code: displayCode(r.code), pages: r.pages, pdf: r.pdf, filename: fileName('diary-week', base) }
}

async function paperBundle(db: Db, p: PrintoutPayload): Promise<PreparedPrintout | null> {
  const { classLabel, paper } = await classPrintoutRecipients(db, p.classId!)
  if (!paper.length) return null
  const recipients = paper.map((r, i) => ({ n: i + 1, guardian: fullName(r.guardian), student: `${r.student.lastName} ${r.student.firstName}` }))
  const studentIds = [...new Set(paper.map((x) => x.student.personId))]
  // the bundle reckons the days its pages cover (Sunday only with lessons) and says them on the cover
  const r = await printWeekForClass(db, {
    classId: p.classId!, monday: p.from, madeBy: { accountId: null, label: systemLabel('weekly') }, studentIds,
    cover: { recipients: recipients.map(({ guardian, student }) => ({ guardian, student })), className: classLabel },
  })
  const base = { week: r.week, from: p.from, to: r.lastDay, classLabel, recipients }
  return { ...base, code: displayCode(r.code), pages: r.pages, pdf: r.pdf, filename: fileName('paper-bundle', base) }
}

/** The attachment's name is read by people too: it comes from a template. */
const fileName = (name: 'diary-week' | 'paper-bundle', model: object) =>
  render(`notify/email/${name}-file.text`, model).replace(/[\s/\\:]+/g, ' ').trim()

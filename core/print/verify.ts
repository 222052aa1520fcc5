/**
 * Checking a printout: the code on a paper (or a file) → what the system produced under it.
 * Staff of the school, the person who made it, and the family of the student it is about may
 * look; to anyone else the code does not exist (404, never 403: a code is not confirmed).
 */
import { can, type Actor } from '../auth/policy.ts'
import type { Db } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { displayCode } from './meta.ts'
import { normalizeCode } from './registry.ts'

export interface PrintoutRecord {
  readonly code: string
  readonly kind: string
  readonly title: string
  readonly schoolName: string
  readonly madeAt: Date
  readonly madeBy: string
  readonly pages: number | null
  readonly sha256: { readonly data: string; readonly pdf: string | null; readonly xlsx: string | null }
  /** given a file's SHA-256: whether it is this printout's PDF or spreadsheet */
  readonly fileMatches: boolean | null
}

interface Row {
  code: string; schoolId: string; kind: string; title: string; schoolName: string; madeAt: Date; madeBy: string | null
  madeByLabel: string; studentId: string | null; pages: number | null; dataSha256: string; pdfSha256: string | null; xlsxSha256: string | null
}

/** The record, without access checks: the CLI on the server, and the route after its check. */
export async function findPrintout(db: Db, input: string): Promise<Row | null> {
  const code = normalizeCode(input)
  if (!code) throw new AppError('validation_failed', 'A verification code is 10 letters and digits, e.g. 7K3MQ-9XF2B', { issues: [{ path: 'code', message: 'not a verification code' }] })
  const [row] = await db<Row[]>`
    select p.code, p.school_id, p.kind, p.title, s.name as school_name, p.made_at, p.made_by, p.made_by_label, p.student_id,
           p.pages, p.data_sha256, p.pdf_sha256, p.xlsx_sha256
    from printouts p join schools s on s.id = p.school_id
    where p.code = ${code}`
  return row ?? null
}

export function recordView(row: Row, fileSha256?: string): PrintoutRecord {
  const given = fileSha256?.trim().toLowerCase()
  return {
    code: displayCode(row.code), kind: row.kind, title: row.title, schoolName: row.schoolName, madeAt: row.madeAt,
    madeBy: row.madeByLabel, pages: row.pages,
    sha256: { data: row.dataSha256, pdf: row.pdfSha256, xlsx: row.xlsxSha256 },
    fileMatches: given ? given === row.pdfSha256 || given === row.xlsxSha256 : null,
  }
}

async function mayCheck(db: Db, actor: Actor, row: Row): Promise<boolean> {
  if (row.madeBy === actor.accountId) return true
  if (can(actor, 'school.verifyPrintouts', { type: 'school', schoolId: row.schoolId })) return true
  if (!row.studentId) return false
  if (actor.personIds.includes(row.studentId)) return true
  const [g] = await db<{ one: number }[]>`
    select 1 as one from guardianships where student_id = ${row.studentId} and guardian_id = any(${actor.personIds as string[]}::uuid[])`
  return !!g
}

export async function checkPrintout(db: Db, actor: Actor, code: string, fileSha256?: string): Promise<PrintoutRecord> {
  const row = await findPrintout(db, code)
  if (!row || !(await mayCheck(db, actor, row))) throw errors.notFound('Printout')
  return recordView(row, fileSha256)
}

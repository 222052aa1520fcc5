/**
 * The record of every printout: a short verification code, what it is, who made it and when,
 * and the SHA-256 of its data and files. A paper in hand is checked by its code; a file by its
 * checksum as well.
 */
import { randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.ts'
import { initialsName } from '../people/names.ts'
import { canonicalJson, sha256Hex } from './canonical.ts'
import { render } from '../render/render.ts'
import type { PrintDoc } from './markup.ts'
import type { PrintMeta } from './meta.ts'
import { toPdf } from './pdf.ts'
import { toXlsx } from './xlsx.ts'

// Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper is not misread
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CODE_LENGTH = 10

/** A new verification code: 50 random bits. */
export function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH)
  let code = ''
  for (const b of bytes) code += ALPHABET[b & 31]
  return code
}

/** What a person typed («abcde-fghjk», «ABCDE FGHJK», O for 0, I or L for 1) → the code, or null. */
export function normalizeCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  return new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`).test(s) ? s : null
}

export type PrintFormat = 'pdf' | 'xlsx'

export interface PrintoutInput {
  readonly schoolId: string
  /** diary_week, diary_week_class, summary_sheet, attendance, class_teacher, timeliness, activity */
  readonly kind: string
  readonly title: string
  /** accountId null: the system itself (the weekly mailing, the archive on a period's close) */
  readonly madeBy: { readonly accountId: string | null; readonly label: string }
  readonly studentId?: string | null
  readonly classId?: string | null
  readonly params?: Record<string, unknown>
  /** the view model the documents were made from */
  readonly data: unknown
  readonly docs: PrintDoc | readonly PrintDoc[]
  readonly formats: readonly PrintFormat[]
}

export interface Printout {
  readonly code: string
  readonly madeAt: Date
  readonly meta: PrintMeta
  readonly pdf?: Buffer
  readonly xlsx?: Buffer
  readonly pages?: number
}

/**
 * Registers a printout and renders its formats. The row is written after rendering with the
 * files' checksums; a failure to render leaves no row behind.
 */
export async function producePrintout(db: Db, input: PrintoutInput): Promise<Printout> {
  const [school] = await db<{ name: string; timezone: string }[]>`select name, timezone from schools where id = ${input.schoolId}`
  if (!school) throw new Error(`producePrintout: no school ${input.schoolId}`)
  const meta: PrintMeta = { code: newCode(), madeAt: new Date(), madeBy: input.madeBy.label, timezone: school.timezone, schoolName: school.name }
  const docs: readonly PrintDoc[] = Array.isArray(input.docs) ? input.docs : [input.docs as PrintDoc]
  const pdf = input.formats.includes('pdf') ? await toPdf(docs, meta) : undefined
  if (input.formats.includes('xlsx') && docs.length !== 1) throw new Error('producePrintout: a spreadsheet is made of one document')
  const xlsx = input.formats.includes('xlsx') ? await toXlsx(docs[0]!, meta) : undefined
  await db`
    insert into printouts (code, school_id, kind, title, made_at, made_by, made_by_label, student_id, class_id, params,
                           data_sha256, pdf_sha256, xlsx_sha256, pages)
    values (${meta.code}, ${input.schoolId}, ${input.kind}, ${input.title.slice(0, 300)}, ${meta.madeAt}, ${input.madeBy.accountId},
            ${input.madeBy.label.slice(0, 200)}, ${input.studentId ?? null}, ${input.classId ?? null}, ${db.json((input.params ?? {}) as never)},
            ${sha256Hex(canonicalJson(input.data))}, ${pdf ? sha256Hex(pdf.pdf) : null}, ${xlsx ? sha256Hex(xlsx) : null}, ${pdf?.pages ?? null})`
  return { code: meta.code, madeAt: meta.madeAt, meta, pdf: pdf?.pdf, xlsx, pages: pdf?.pages }
}

/** Roles in the order a printout names the maker by: the first the account holds in the school. */
const ROLE_ORDER = [
  'director', 'deputy', 'secretary', 'admin', 'coordinator', 'class_teacher', 'teacher', 'moderator',
  'parent_liaison', 'authority', 'guardian', 'student',
] as const

/** «Иванова А. П., заместитель директора» (templates/print/made-by.text). */
export async function madeByLabel(db: Db, accountId: string, schoolId: string): Promise<string> {
  const [row] = await db<{ lastName: string | null; firstName: string | null; middleName: string | null; login: string; roles: string[] }[]>`
    select p.last_name, p.first_name, p.middle_name, a.login,
           coalesce((select array_agg(distinct r.role::text) from account_roles r
                     where r.account_id = a.id and (r.school_id = ${schoolId} or r.school_id is null)), '{}') as roles
    from accounts a
    left join account_persons ap on ap.account_id = a.id
    left join persons p on p.id = ap.person_id and p.school_id = ${schoolId}
    where a.id = ${accountId}
    order by p.last_name nulls last
    limit 1`
  if (!row) throw new Error(`madeByLabel: no account ${accountId}`)
  const role = ROLE_ORDER.find((r) => row.roles.includes(r)) ?? null
  const name = row.lastName && row.firstName ? initialsName({ lastName: row.lastName, firstName: row.firstName, middleName: row.middleName }) : null
  return render('print/made-by.text', { name, login: row.login, role }).replace(/\s+/g, ' ').trim()
}

/** The system's own label, for printouts nobody asked for by hand (the weekly mailing, an archive). */
export function systemLabel(what: 'weekly' | 'archive' | 'job'): string {
  return render('print/made-by.text', { name: null, login: null, role: null, system: what }).replace(/\s+/g, ' ').trim()
}

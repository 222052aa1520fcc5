/**
 * Reading the archive: the administration and the secretary (school.readArchive) list a
 * school's entries, download an entry's frozen data and PDF, and check the school's chain.
 */
import type { Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import { requireSchoolAction } from '../journal/access.ts'
import type { RequestContext } from '../people/service.ts'
import { ENTRY_COLUMNS, verifyArchive, type ArchiveEntry, type ArchiveKind, type ArchiveVerifyResult } from './chain.ts'

export interface ArchiveListQuery {
  readonly kind?: ArchiveKind | undefined
  readonly classId?: string | undefined
  readonly periodId?: string | undefined
  readonly academicYearId?: string | undefined
  /** entries after this seq (the next page) */
  readonly afterSeq?: number | undefined
  readonly limit?: number | undefined
}

export type ArchiveEntryView = ArchiveEntry & { readonly hasPdf: boolean }

export async function listArchive(sql: Sql, ctx: RequestContext, schoolId: string, q: ArchiveListQuery = {}): Promise<ArchiveEntryView[]> {
  requireSchoolAction(ctx, schoolId, 'school.readArchive')
  return listEntries(sql, { ...q, schoolId })
}

/** The entries of a school, or of every school (the CLI), in chain order. */
export async function listEntries(sql: Sql, q: ArchiveListQuery & { schoolId?: string | undefined }): Promise<ArchiveEntryView[]> {
  return sql<ArchiveEntryView[]>`
    select ${ENTRY_COLUMNS(sql)}, e.pdf_sha256 is not null and e.purged_at is null as has_pdf
    from archive_entries e
    where true
      ${q.schoolId ? sql`and e.school_id = ${q.schoolId}` : sql``}
      ${q.kind ? sql`and e.kind = ${q.kind}` : sql``}
      ${q.classId ? sql`and e.class_id = ${q.classId}` : sql``}
      ${q.periodId ? sql`and e.period_id = ${q.periodId}` : sql``}
      ${q.academicYearId ? sql`and e.academic_year_id = ${q.academicYearId}` : sql``}
      ${q.afterSeq !== undefined ? sql`and e.seq > ${q.afterSeq}` : sql``}
    order by e.school_id, e.seq
    ${q.limit !== undefined ? sql`limit ${q.limit}` : sql``}`
}

/** An entry's stored data (canonical JSON bytes, exactly as hashed) or PDF. */
export async function entryFile(sql: Sql, ctx: RequestContext, entryId: string, which: 'data' | 'pdf') {
  const [e] = await sql<{ schoolId: string; title: string; seq: number; purgedAt: Date | null; dataSha256: string; pdfSha256: string | null; printoutCode: string | null }[]>`
    select school_id, title, seq, purged_at, data_sha256, pdf_sha256, printout_code from archive_entries where id = ${entryId}`
  if (!e) throw errors.notFound('archive entry', entryId)
  requireSchoolAction(ctx, e.schoolId, 'school.readArchive')
  if (e.purgedAt)
    throw new AppError('not_found', `The files of archive entry ${entryId} were removed on ${e.purgedAt.toISOString().slice(0, 10)}: their retention period had ended`)
  const [f] = which === 'pdf'
    ? await sql<{ content: Buffer | null }[]>`select pdf as content from archive_files where entry_id = ${entryId}`
    : await sql<{ content: Buffer | null }[]>`select data as content from archive_files where entry_id = ${entryId}`
  if (!f?.content) throw errors.notFound(which === 'pdf' ? 'the PDF of archive entry' : 'the data of archive entry', entryId)
  return { ...e, content: f.content, sha256: which === 'pdf' ? e.pdfSha256 : e.dataSha256 }
}

export async function verifySchoolArchive(sql: Sql, ctx: RequestContext, schoolId: string): Promise<ArchiveVerifyResult> {
  requireSchoolAction(ctx, schoolId, 'school.readArchive')
  return verifyArchive(sql, { schoolId })
}

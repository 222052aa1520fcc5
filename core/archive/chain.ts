/**
 * The archive's hash chain: per school, entries numbered 1..n, each entry's hash covering the
 * previous entry's hash and the entry's canonical description (which holds the SHA-256 of its
 * data and PDF). A changed file, a changed entry, a removed or reordered entry breaks the chain;
 * retention removes only the files (purged_at) and leaves the links, so the chain still
 * verifies after an expired entry is gone (school14 5.3, school26 2.15).
 *
 * The hash of entry n, as hex:
 *   hash_n = SHA-256( bytes(prev_hash) || UTF-8(description_n) )
 * where bytes(prev_hash) are the 32 bytes the previous entry's hex hash stands for (32 zero
 * bytes before the first entry, GENESIS), and description_n is the canonical JSON
 * (canonical.ts) of the object
 *   { format: "zvonok-archive-entry/1", schoolId, seq, kind, title, academicYearId, periodId,
 *     classId, archivedAt: "YYYY-MM-DDTHH:mm:ss.sssZ" (UTC), archivedBy, retainUntil: "YYYY-MM-DD",
 *     printoutCode, dataSha256, pdfSha256 }
 * with null for an absent id, code or PDF. dataSha256 is the SHA-256 of the stored data, which
 * is the canonical JSON of what was archived; pdfSha256 that of the stored PDF.
 */
import { randomUUID } from 'node:crypto'
import { writeAudit } from '../audit/audit.ts'
import type { Db, Tx } from '../db/connect.ts'
import { localDate } from '../journal/time.ts'
import { canonicalJson, sha256Hex } from './canonical.ts'

export const GENESIS = '0'.repeat(64)
export const DESCRIPTION_FORMAT = 'zvonok-archive-entry/1'

export type ArchiveKind = 'summary_sheet' | 'class_journal'

/** What the hash covers: every column of an entry except its own hashes and purged_at. */
export interface EntryDescription {
  readonly schoolId: string
  readonly seq: number
  readonly kind: ArchiveKind
  readonly title: string
  readonly academicYearId: string | null
  readonly periodId: string | null
  readonly classId: string | null
  readonly archivedAt: Date
  readonly archivedBy: string | null
  readonly retainUntil: string
  readonly printoutCode: string | null
  readonly dataSha256: string
  readonly pdfSha256: string | null
}

export interface ArchiveEntry extends EntryDescription {
  readonly id: string
  readonly prevHash: string
  readonly hash: string
  readonly purgedAt: Date | null
}

export const ENTRY_COLUMNS = (db: Db) => db`
  e.id, e.school_id, e.seq, e.kind, e.title, e.academic_year_id, e.period_id, e.class_id, e.archived_at, e.archived_by,
  e.retain_until, e.printout_code, e.data_sha256, e.pdf_sha256, e.prev_hash, e.hash, e.purged_at`

export function describeEntry(e: EntryDescription): string {
  return canonicalJson({
    format: DESCRIPTION_FORMAT,
    schoolId: e.schoolId, seq: e.seq, kind: e.kind, title: e.title,
    academicYearId: e.academicYearId, periodId: e.periodId, classId: e.classId,
    archivedAt: e.archivedAt.toISOString(), archivedBy: e.archivedBy, retainUntil: e.retainUntil,
    printoutCode: e.printoutCode, dataSha256: e.dataSha256, pdfSha256: e.pdfSha256,
  })
}

export function entryHash(prevHash: string, e: EntryDescription): string {
  return sha256Hex(Buffer.concat([Buffer.from(prevHash, 'hex'), Buffer.from(describeEntry(e), 'utf8')]))
}

export interface NewEntry {
  readonly schoolId: string
  readonly kind: ArchiveKind
  readonly title: string
  readonly academicYearId?: string | null
  readonly periodId?: string | null
  readonly classId?: string | null
  /** the account that closed the period or the year; null for the system */
  readonly archivedBy: string | null
  readonly archivedAt: Date
  readonly retainUntil: string
  readonly printoutCode?: string | null
  /** stored as its canonical JSON */
  readonly data: unknown
  readonly pdf?: Uint8Array | null
  readonly requestId?: string | null
}

/**
 * Appends an entry to its school's chain, with its files and an `archive.appended` audit row,
 * inside the caller's transaction. The head row is locked FOR UPDATE first, so concurrent
 * appenders of one school queue behind each other until commit and the chain cannot fork.
 */
export async function appendEntry(tx: Tx, input: NewEntry): Promise<ArchiveEntry> {
  const data = Buffer.from(canonicalJson(input.data), 'utf8')
  const pdf = input.pdf ? Buffer.from(input.pdf.buffer, input.pdf.byteOffset, input.pdf.byteLength) : null
  await tx`insert into archive_heads (school_id, seq, hash) values (${input.schoolId}, 0, ${GENESIS}) on conflict (school_id) do nothing`
  const [head] = await tx<{ seq: number; hash: string }[]>`
    select seq, hash from archive_heads where school_id = ${input.schoolId} for update`
  const description: EntryDescription = {
    schoolId: input.schoolId, seq: head!.seq + 1, kind: input.kind, title: input.title,
    academicYearId: input.academicYearId ?? null, periodId: input.periodId ?? null, classId: input.classId ?? null,
    // the database keeps microseconds, the hash milliseconds: store exactly what is hashed
    archivedAt: new Date(Math.floor(input.archivedAt.getTime())), archivedBy: input.archivedBy,
    retainUntil: input.retainUntil, printoutCode: input.printoutCode ?? null,
    dataSha256: sha256Hex(data), pdfSha256: pdf ? sha256Hex(pdf) : null,
  }
  const entry: ArchiveEntry = { ...description, id: randomUUID(), prevHash: head!.hash, hash: entryHash(head!.hash, description), purgedAt: null }
  await tx`
    insert into archive_entries (id, school_id, seq, kind, title, academic_year_id, period_id, class_id, archived_at, archived_by,
      retain_until, printout_code, data_sha256, pdf_sha256, prev_hash, hash)
    values (${entry.id}, ${entry.schoolId}, ${entry.seq}, ${entry.kind}, ${entry.title}, ${entry.academicYearId}, ${entry.periodId},
      ${entry.classId}, ${entry.archivedAt}, ${entry.archivedBy}, ${entry.retainUntil}, ${entry.printoutCode}, ${entry.dataSha256},
      ${entry.pdfSha256}, ${entry.prevHash}, ${entry.hash})`
  await tx`insert into archive_files (entry_id, data, pdf) values (${entry.id}, ${data}, ${pdf})`
  await tx`update archive_heads set seq = ${entry.seq}, hash = ${entry.hash} where school_id = ${entry.schoolId}`
  await writeAudit(tx, {
    schoolId: entry.schoolId, actorAccountId: entry.archivedBy, action: 'archive.appended', entityType: 'archive_entry', entityId: entry.id,
    after: {
      seq: entry.seq, kind: entry.kind, title: entry.title, academicYearId: entry.academicYearId, periodId: entry.periodId,
      classId: entry.classId, retainUntil: entry.retainUntil, printoutCode: entry.printoutCode, dataSha256: entry.dataSha256,
      pdfSha256: entry.pdfSha256, hash: entry.hash,
    },
    requestId: input.requestId ?? null,
  })
  return entry
}

// ---------------------------------------------------------------- verification

export const PROBLEMS = [
  'sequence_gap', 'prev_hash_mismatch', 'hash_mismatch', 'head_mismatch',
  'files_missing', 'data_mismatch', 'pdf_mismatch', 'printout_mismatch', 'purged_with_files', 'purged_before_expiry',
] as const
export type ArchiveProblemKind = (typeof PROBLEMS)[number]

export interface ArchiveProblem {
  readonly schoolId: string
  /** the entry's seq; for a head that does not match, the head's seq */
  readonly seq: number
  readonly entryId: string | null
  readonly problem: ArchiveProblemKind
  readonly detail: string
}

export interface ArchiveVerifyResult {
  readonly ok: boolean
  readonly chains: number
  readonly entries: number
  readonly purged: number
  readonly problems: ArchiveProblem[]
}

interface CheckedRow extends ArchiveEntry {
  timezone: string
  hasFiles: boolean
  dataActual: string | null
  pdfActual: string | null
  printoutFound: boolean
  printoutPdfSha256: string | null
}

/**
 * Recomputes each school's chain (seq without gaps, prev links, every hash, the head) and
 * checks every entry's files: a live entry's data and PDF re-hashed against its recorded
 * SHA-256 (and the PDF against its printout's record), a purged entry without files and purged
 * only after its retention ended. Reports every problem, in school and seq order. The files are
 * hashed inside the database, so no file crosses the wire.
 */
export async function verifyArchive(db: Db, opts: { schoolId?: string | undefined } = {}): Promise<ArchiveVerifyResult> {
  const only = opts.schoolId
  const schools = await db<{ schoolId: string }[]>`
    select school_id from archive_heads ${only ? db`where school_id = ${only}` : db``}
    union
    select distinct school_id from archive_entries ${only ? db`where school_id = ${only}` : db``}
    order by 1`
  const problems: ArchiveProblem[] = []
  let entries = 0, purged = 0
  for (const { schoolId } of schools) {
    const rows = await db<CheckedRow[]>`
      select ${ENTRY_COLUMNS(db)}, s.timezone,
        f.entry_id is not null as has_files,
        encode(sha256(f.data), 'hex') as data_actual,
        encode(sha256(f.pdf), 'hex') as pdf_actual,
        p.code is not null as printout_found, p.pdf_sha256 as printout_pdf_sha256
      from archive_entries e
      join schools s on s.id = e.school_id
      left join archive_files f on f.entry_id = e.id
      left join printouts p on p.code = e.printout_code
      where e.school_id = ${schoolId}
      order by e.seq`
    const [head] = await db<{ seq: number; hash: string }[]>`select seq, hash from archive_heads where school_id = ${schoolId}`
    entries += rows.length
    const add = (row: { seq: number; id: string | null }, problem: ArchiveProblemKind, detail: string) =>
      problems.push({ schoolId, seq: row.seq, entryId: row.id, problem, detail })

    let expectedSeq = 1, prev = GENESIS
    for (const e of rows) {
      if (e.seq !== expectedSeq)
        add(e, 'sequence_gap', e.seq > expectedSeq ? `entries ${expectedSeq}–${e.seq - 1} are missing before it` : `seq ${e.seq} repeats or goes back (expected ${expectedSeq})`)
      if (e.prevHash !== prev) add(e, 'prev_hash_mismatch', 'its prev_hash is not the hash of the entry before it')
      if (entryHash(e.prevHash, e) !== e.hash) add(e, 'hash_mismatch', 'its recorded hash does not match its description (an entry field was changed)')
      checkFiles(e, add)
      if (e.purgedAt) purged++
      expectedSeq = e.seq + 1
      prev = e.hash
    }
    const last = rows[rows.length - 1]
    if (!head) {
      if (last) add({ seq: last.seq, id: null }, 'head_mismatch', 'the chain has no head row')
    } else if (head.seq !== (last?.seq ?? 0) || head.hash !== (last?.hash ?? GENESIS)) {
      add({ seq: head.seq, id: null }, 'head_mismatch', `the head is at seq ${head.seq} but the last entry is seq ${last?.seq ?? 0} (entries removed from the end, or the head changed)`)
    }
  }
  return { ok: problems.length === 0, chains: schools.length, entries, purged, problems }
}

function checkFiles(e: CheckedRow, add: (row: { seq: number; id: string }, p: ArchiveProblemKind, detail: string) => void): void {
  if (e.purgedAt) {
    if (e.hasFiles) add(e, 'purged_with_files', 'the entry is marked purged but its files are still stored')
    const purgedOn = localDate(e.purgedAt, e.timezone)
    if (!(e.retainUntil < purgedOn)) add(e, 'purged_before_expiry', `purged on ${purgedOn}, but it was to be kept until ${e.retainUntil}`)
    return
  }
  if (!e.hasFiles) {
    add(e, 'files_missing', 'the entry is not purged but its files are gone')
    return
  }
  if (e.dataActual !== e.dataSha256) add(e, 'data_mismatch', 'the stored data does not match its recorded SHA-256')
  if (e.pdfActual !== e.pdfSha256)
    add(e, 'pdf_mismatch', e.pdfSha256 === null ? 'a PDF is stored where none was archived'
      : e.pdfActual === null ? 'the archived PDF is gone' : 'the stored PDF does not match its recorded SHA-256')
  if (e.printoutCode && (!e.printoutFound || e.printoutPdfSha256 !== e.pdfSha256))
    add(e, 'printout_mismatch', e.printoutFound ? `the PDF differs from the one registered under printout ${e.printoutCode}` : `printout ${e.printoutCode} is not registered`)
}

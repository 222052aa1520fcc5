/** What an import is asked and what it answers. */
import type { RequestContext } from '../../people/service.ts'

export interface ImportOptions {
  readonly schoolId: string
  /** admission date (roster) or first day of the timetable; default: today in the school's time zone */
  readonly date?: string | undefined
  /** the admission order (приказ о зачислении), recorded in the movement book */
  readonly orderNumber?: string | undefined
  /** write the good rows even when some rows are bad */
  readonly partial?: boolean | undefined
  /** check and count everything, write nothing */
  readonly dryRun?: boolean | undefined
  /** called after each chunk of rows is written (awaited, so a caller may pace or observe the import) */
  readonly onProgress?: ((done: number, total: number) => void | Promise<void>) | undefined
}

export interface ImportIssue {
  readonly line: number
  readonly message: string
}

export interface RosterCounts {
  studentsCreated: number
  /** already enrolled in the class under the same full name: left as they are */
  studentsExisting: number
  guardiansCreated: number
  /** found in the school by phone, by full name and email, or among the student's guardians */
  guardiansExisting: number
  links: number
  admissions: number
  consents: number
  birthDates: number
  classesCreated: string[]
}

export interface TimetableCounts {
  slotsCreated: number
  /** the same lesson already in the timetable from that date: left as it is */
  slotsExisting: number
  subjectsCreated: string[]
  subgroupsCreated: number
  assignmentsCreated: number
}

export interface ImportResult<C> {
  readonly kind: 'roster' | 'timetable'
  readonly school: { id: string; name: string }
  readonly year: { id: string; name: string }
  readonly date: string
  readonly orderNumber: string | null
  /** data rows in the file (the header not counted) */
  readonly rows: number
  /** rows written (or, in a dry run, that would be) */
  readonly imported: number
  /** every bad row, in file order */
  readonly errors: ImportIssue[]
  readonly warnings: string[]
  readonly counts: C
  /** false when errors stopped the import, and in a dry run */
  readonly written: boolean
  readonly dryRun: boolean
  /** whom the audit rows name: the school's first admin account, or null (the system) */
  readonly actorAccountId: string | null
}

export interface Setup {
  readonly school: { id: string; name: string; timezone: string }
  readonly year: { id: string; name: string }
  readonly date: string
  readonly today: string
  readonly ctx: RequestContext
  readonly actorAccountId: string | null
}

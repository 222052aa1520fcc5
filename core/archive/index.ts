/**
 * The archive: frozen summary sheets (on a period's close) and class journals (on a year's
 * close), hash-chained per school, kept for their retention term and checked all that time.
 */
export { addYears, canonicalJson, sha256Hex } from './canonical.ts'
export {
  appendEntry, describeEntry, entryHash, verifyArchive, DESCRIPTION_FORMAT, GENESIS, PROBLEMS,
  type ArchiveEntry, type ArchiveKind, type ArchiveProblem, type ArchiveProblemKind, type ArchiveVerifyResult, type NewEntry,
} from './chain.ts'
export { closePeriod, closePeriodTx, SUMMARY_SHEET_RETENTION_YEARS, type ClosePeriodResult } from './close-period.ts'
export { archiveClassJournals, classJournal, CLASS_JOURNAL_FORMAT, CLASS_JOURNAL_RETENTION_YEARS } from './journals.ts'
export { archiveRetentionTask, purgeExpired, type PurgedEntry } from './retention.ts'
export { entryFile, listArchive, listEntries, verifySchoolArchive } from './service.ts'
export { archiveRoutes } from './routes.ts'

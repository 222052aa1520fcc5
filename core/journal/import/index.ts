/**
 * `zvonok import`: a class roster (students, their guardians, contacts, relation) or a weekly
 * timetable, from CSV or XLSX. The whole file is checked first — against itself and against
 * the school's data — and every bad row is reported with its line in the file. While any row
 * is bad nothing is written, unless `partial` is asked for: then the good rows go in and the
 * bad ones are reported. Writes take the services' audit and outbox path (writeAudit for
 * persons, recordChanges for journal entities), in one transaction, or one per chunk of rows
 * with `partial` so that a long import does not hold the school's audit chain for its whole run.
 */
export { parseCsv } from './csv.ts'
export { ImportSetupError } from './errors.ts'
export { normalizePhone, parseClassLabel } from './normalise.ts'
export { createProgress } from './progress.ts'
export { importRoster } from './roster.ts'
export { formatSummary } from './summary.ts'
export { importTimetable } from './timetable.ts'
export type { ImportOptions } from './types.ts'

/** The timetable import: read, check, plan, write. */
import type { Sql } from '../../db/connect.ts'
import { TIMETABLE_COLUMNS } from './columns.ts'
import { execute } from './execute.ts'
import { Problems } from './problems.ts'
import { readWithHeader } from './read.ts'
import { emptyResult, loadSetup } from './setup.ts'
import { planTimetable } from './timetable-plan.ts'
import { readSlotRow, type SlotRow } from './timetable-row.ts'
import { loadTimetableSnapshot } from './timetable-snapshot.ts'
import { writeTimetableChunk } from './timetable-write.ts'
import type { ImportOptions, ImportResult, TimetableCounts } from './types.ts'

/**
 * Imports the weekly timetable of the year that contains the date: subjects, subgroups and
 * teaching assignments are created as needed, and slots valid from the date. Subgroups are
 * created empty; the class teacher puts students into them.
 */
export async function importTimetable(sql: Sql, data: Uint8Array, opts: ImportOptions): Promise<ImportResult<TimetableCounts>> {
  const setup = await loadSetup(sql, opts)
  const counts: TimetableCounts = { slotsCreated: 0, slotsExisting: 0, subjectsCreated: [], subgroupsCreated: 0, assignmentsCreated: 0 }
  const parsed = await readWithHeader(data, TIMETABLE_COLUMNS)
  if ('issues' in parsed) return emptyResult('timetable', setup, { ...opts, orderNumber: undefined }, counts, parsed.issues)
  const snap = await loadTimetableSnapshot(sql, setup)
  const problems = new Problems()
  const good: SlotRow[] = []
  for (const row of parsed.rows) {
    const { value, problems: p } = readSlotRow(parsed.header, row, snap, setup.year.name)
    for (const m of p) problems.add(row.line, m)
    if (value) good.push(value)
  }
  const { ops, warnings } = planTimetable(good, snap, setup, problems)
  const errors = problems.issues()
  if (parsed.header.unknown.length) warnings.unshift(`столбцы не распознаны и пропущены: ${parsed.header.unknown.map((u) => `«${u}»`).join(', ')} / unknown columns skipped`)
  const base = { ...emptyResult('timetable', setup, { ...opts, orderNumber: undefined }, counts, errors, parsed.rows.length), warnings }
  if ((errors.length && !opts.partial) || !ops.length) return base
  const written = await execute(sql, opts, ops, (tx, chunk) => writeTimetableChunk(tx, setup, chunk), errors)
  for (const op of ops) {
    if (!written.has(op.line)) continue
    if (op.slot) counts.slotsCreated++
    else counts.slotsExisting++
    if (op.newSubject) counts.subjectsCreated.push(op.newSubject.name)
    if (op.newSubgroup) counts.subgroupsCreated++
    if (op.newAssignment) counts.assignmentsCreated++
  }
  return { ...base, imported: written.size, written: !opts.dryRun && written.size > 0 }
}

/** The roster import: read, check, plan, write. */
import type { Sql } from '../../db/connect.ts'
import { ROSTER_COLUMNS } from './columns.ts'
import { execute } from './execute.ts'
import { Problems } from './problems.ts'
import { readWithHeader } from './read.ts'
import { planRoster } from './roster-plan.ts'
import { readRosterRow, type RosterRow } from './roster-row.ts'
import { loadRosterSnapshot } from './roster-snapshot.ts'
import { writeRosterChunk } from './roster-write.ts'
import { emptyResult, loadSetup } from './setup.ts'
import type { ImportOptions, ImportResult, RosterCounts } from './types.ts'

/**
 * Imports a class roster: one row is one student with at most one guardian (a student with
 * two guardians takes two rows). New students are admitted into the class of the year that
 * contains the date (created when missing) with a movement under the order number.
 */
export async function importRoster(sql: Sql, data: Uint8Array, opts: ImportOptions): Promise<ImportResult<RosterCounts>> {
  const setup = await loadSetup(sql, opts)
  const counts: RosterCounts = {
    studentsCreated: 0, studentsExisting: 0, guardiansCreated: 0, guardiansExisting: 0, links: 0, admissions: 0,
    consents: 0, birthDates: 0, classesCreated: [],
  }
  const parsed = await readWithHeader(data, ROSTER_COLUMNS)
  if ('issues' in parsed) return emptyResult('roster', setup, opts, counts, parsed.issues)
  const problems = new Problems()
  const rows: RosterRow[] = []
  for (const row of parsed.rows) {
    const { value, problems: p } = readRosterRow(parsed.header, row, setup.today)
    for (const m of p) problems.add(row.line, m)
    if (value) rows.push(value)
  }
  const snap = await loadRosterSnapshot(sql, setup)
  const { ops, warnings } = planRoster(rows, snap, setup, problems)
  const errors = problems.issues()
  if (parsed.header.unknown.length) warnings.unshift(`столбцы не распознаны и пропущены: ${parsed.header.unknown.map((u) => `«${u}»`).join(', ')} / unknown columns skipped`)
  const base = { ...emptyResult('roster', setup, opts, counts, errors, parsed.rows.length), warnings }
  if ((errors.length && !opts.partial) || !ops.length) return base
  const written = await execute(sql, opts, ops, (tx, chunk) => writeRosterChunk(tx, setup, opts.orderNumber ?? null, chunk), errors)
  for (const op of ops) {
    if (!written.has(op.line)) continue
    if (op.newClass) counts.classesCreated.push(`${op.newClass.grade}${op.newClass.letter}`)
    if (op.newStudent) counts.studentsCreated++, counts.admissions++
    if (op.studentExisting) counts.studentsExisting++
    if (op.newGuardian) counts.guardiansCreated++
    if (op.guardianExisting) counts.guardiansExisting++
    if (op.link) counts.links++
    counts.consents += op.consents.length
    if (op.birthDate) counts.birthDates++
  }
  return { ...base, imported: written.size, written: !opts.dryRun && written.size > 0 }
}

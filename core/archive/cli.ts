/**
 * `zvonok archive verify|list [--school ID]`, for the operator: exit 0 intact (or listed),
 * 1 a problem found, 2 usage.
 */
import { parseArgs } from 'node:util'
import type pino from 'pino'
import type { Config } from '../config/config.ts'
import { openAndMigrate } from '../main.ts'
import { verifyArchive } from './chain.ts'
import { listEntries } from './service.ts'

const USAGE = `usage: zvonok archive verify [--school ID]   recompute the hash chains and re-hash every stored file
       zvonok archive list [--school ID]     the entries: seq, kind, title, retained until, purged
`
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function runArchiveCommand(args: string[], config: Config, log: pino.Logger): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { school: { type: 'string' } }, strict: true })
  } catch (err) {
    process.stderr.write(`zvonok archive: ${(err as Error).message}\n${USAGE}`)
    return 2
  }
  const [sub, ...extra] = parsed.positionals
  const schoolId = parsed.values.school
  if ((sub !== 'verify' && sub !== 'list') || extra.length) {
    process.stderr.write(USAGE)
    return 2
  }
  if (schoolId !== undefined && !UUID.test(schoolId)) {
    process.stderr.write(`zvonok archive: --school must be a school id (a UUID), not "${schoolId}"\n`)
    return 2
  }
  const db = await openAndMigrate(config, log)
  try {
    if (sub === 'verify') {
      const r = await verifyArchive(db.sql, { schoolId })
      if (r.ok) {
        process.stdout.write(`archive intact: ${r.entries} entries in ${r.chains} chains${r.purged ? ` (${r.purged} purged after their retention)` : ''}\n`)
        return 0
      }
      for (const p of r.problems)
        process.stdout.write(`BROKEN chain ${p.schoolId}: seq ${p.seq}${p.entryId ? ` (entry ${p.entryId})` : ''}: ${p.problem}: ${p.detail}\n`)
      process.stdout.write(`${r.problems.length} problem(s) in ${r.entries} entries in ${r.chains} chains\n`)
      return 1
    }
    const entries = await listEntries(db.sql, { schoolId })
    let school: string | null = null
    for (const e of entries) {
      if (e.schoolId !== school) {
        school = e.schoolId
        process.stdout.write(`school ${school}\n  seq  kind           retain until  purged      title\n`)
      }
      const purged = e.purgedAt ? e.purgedAt.toISOString().slice(0, 10) : '-'
      process.stdout.write(`  ${String(e.seq).padStart(3)}  ${e.kind.padEnd(13)}  ${e.retainUntil}    ${purged.padEnd(10)}  ${e.title}\n`)
    }
    if (entries.length === 0) process.stdout.write('the archive is empty\n')
    return 0
  } finally {
    await db.close()
  }
}

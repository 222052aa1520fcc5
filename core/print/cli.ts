/**
 * `zvonok printout verify CODE [--file F]`: what the system produced under a code, and whether
 * a file is that printout. `zvonok printouts weekly …`: the weekly diaries, made here with
 * progress (core/printouts/cli.ts).
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type pino from 'pino'
import type { Config } from '../config/config.ts'
import { openAndMigrate } from '../main.ts'
import { render } from '../render/render.ts'
import { madeAtText } from './meta.ts'
import { sha256Hex } from './canonical.ts'
import { normalizeCode } from './registry.ts'
import { findPrintout, recordView } from './verify.ts'

const USAGE = 'usage: zvonok printout verify CODE [--file FILE]\n       zvonok printouts weekly --school ID [--class ID] [--week YYYY-MM-DD] [--only-paper] [--out DIR]\n'

export async function runPrintCommand(command: string, args: string[], config: Config, log: pino.Logger): Promise<number> {
  if (command === 'printouts') {
    if (args[0] !== 'weekly') {
      process.stderr.write(USAGE)
      return 2
    }
    return (await import('../printouts/cli.ts')).runWeeklyPrintouts(args.slice(1), config, log)
  }
  let parsed
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { file: { type: 'string' } }, strict: true })
  } catch (err) {
    process.stderr.write(`zvonok printout: ${(err as Error).message}\n${USAGE}`)
    return 2
  }
  const [verb, code, ...extra] = parsed.positionals
  if (verb !== 'verify' || !code || extra.length) {
    process.stderr.write(USAGE)
    return 2
  }
  if (!normalizeCode(code)) {
    process.stderr.write(`zvonok printout verify: "${code}" is not a verification code (10 letters and digits, e.g. 7K3MQ-9XF2B)\n`)
    return 2
  }
  let fileHash: string | undefined
  if (parsed.values.file) {
    try {
      fileHash = sha256Hex(await readFile(parsed.values.file))
    } catch (err) {
      process.stderr.write(`zvonok printout verify: cannot read ${parsed.values.file}: ${(err as Error).message}\n`)
      return 2
    }
  }
  const db = await openAndMigrate(config, log)
  try {
    const row = await findPrintout(db.sql, code)
    if (!row) {
      process.stdout.write(render('print/verify.text', { found: false, code }))
      return 1
    }
    const [school] = await db.sql<{ timezone: string }[]>`select timezone from schools where id = ${row.schoolId}`
    const view = recordView(row, fileHash)
    process.stdout.write(render('print/verify.text', {
      found: true, ...view, madeAt: madeAtText({ madeAt: view.madeAt, timezone: school?.timezone ?? 'UTC' }),
      file: parsed.values.file ?? null, fileChecked: view.fileMatches !== null,
    }))
    return view.fileMatches === false ? 1 : 0
  } finally {
    await db.close()
  }
}

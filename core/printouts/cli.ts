/**
 * `zvonok printouts weekly --school ID [--class ID] [--week YYYY-MM-DD] [--out DIR] [--only-paper]`:
 * the week's diaries made in this process (not queued), one PDF per class written to DIR
 * (default ./printouts-<monday>), progress on stderr, a summary on stdout. Each PDF is a
 * registered printout under its own verification code, made by «the system, batch printing».
 * Exit 0 done, 1 nothing to print or the school is unknown, 2 usage.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type pino from 'pino'
import type { Config } from '../config/config.ts'
import { createProgress } from '../journal/import/progress.ts'
import { addDays } from '../journal/time.ts'
import { openAndMigrate } from '../main.ts'
import { displayCode, systemLabel } from '../print/index.ts'
import { render } from '../render/render.ts'
import { printWeekForClass, weekLabel } from './diary-week.ts'
import { classFileName, currentMonday, mondayOf, weeklyPlan } from './jobs.ts'

const USAGE = 'usage: zvonok printouts weekly --school ID [--class ID] [--week YYYY-MM-DD] [--out DIR] [--only-paper]\n' +
  '  --week: any date of the week (default: this week in the school\'s time zone); --out: default ./printouts-<monday>\n'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const isDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`)
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

export async function runWeeklyPrintouts(args: string[], config: Config, log: pino.Logger): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({
      args: args[0] === 'weekly' ? args.slice(1) : args,
      options: {
        school: { type: 'string' }, class: { type: 'string' }, week: { type: 'string' }, out: { type: 'string' },
        'only-paper': { type: 'boolean', default: false },
      },
      strict: true,
    }))
  } catch (err) {
    process.stderr.write(`zvonok printouts weekly: ${(err as Error).message}\n${USAGE}`)
    return 2
  }
  const problem = !values.school ? 'missing --school'
    : !UUID.test(values.school) ? `--school must be a school id (uuid), not "${values.school}"`
    : values.class !== undefined && !UUID.test(values.class) ? `--class must be a class id (uuid), not "${values.class}"`
    : values.week !== undefined && !isDate(values.week) ? `--week must be a date YYYY-MM-DD, not "${values.week}"`
    : null
  if (problem) {
    process.stderr.write(`zvonok printouts weekly: ${problem}\n${USAGE}`)
    return 2
  }
  const schoolId = values.school!
  const db = await openAndMigrate(config, log)
  try {
    const [school] = await db.sql<{ name: string }[]>`select name from schools where id = ${schoolId}`
    if (!school) {
      process.stderr.write(`zvonok printouts weekly: no school ${schoolId}\n`)
      return 1
    }
    const monday = values.week ? mondayOf(values.week) : await currentMonday(db.sql, schoolId)
    const params = { monday, ...(values.class ? { classId: values.class } : {}), ...(values['only-paper'] ? { onlyPaper: true } : {}) }
    const plan = await weeklyPlan(db.sql, schoolId, params)
    const out = path.resolve(values.out ?? `printouts-${monday}`)
    const week = weekLabel(monday, addDays(monday, 5))
    if (!plan.length) {
      process.stdout.write(render('print/diary-week-summary.text', { nothing: true, school: school.name, week, onlyPaper: !!params.onlyPaper }))
      return 1
    }
    await mkdir(out, { recursive: true })
    const total = plan.reduce((n, c) => n + c.students, 0)
    const progress = createProgress(process.stderr, 'дневники')
    const madeBy = { accountId: null, label: systemLabel('job') }
    const started = performance.now()
    let done = 0, pages = 0, bytes = 0
    const files: { name: string; pages: number; code: string }[] = []
    for (const c of plan) {
      const r = await printWeekForClass(db.sql, {
        classId: c.classId, monday, madeBy,
        ...(c.studentIds ? { studentIds: c.studentIds } : {}), ...(c.cover ? { cover: c.cover } : {}),
      })
      const name = classFileName(c.className, monday)
      await writeFile(path.join(out, name), r.pdf)
      done += c.students
      pages += r.pages
      bytes += r.pdf.length
      files.push({ name, pages: r.pages, code: displayCode(r.code) })
      progress.update(done, total)
    }
    progress.end()
    process.stdout.write(render('print/diary-week-summary.text', {
      nothing: false, school: school.name, week, onlyPaper: !!params.onlyPaper, out, files,
      classes: plan.length, students: done, pages, megabytes: (bytes / 1048576).toFixed(1),
      seconds: ((performance.now() - started) / 1000).toFixed(1),
    }))
    return 0
  } finally {
    await db.close()
  }
}

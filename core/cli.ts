import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from './config/config.ts'
import { AppError } from './http/errors.ts'
import { verifyAudit } from './audit/audit.ts'
import { createLogger, openAndMigrate, runApi, runBot, runWorker } from './main.ts'
import { seedDemo } from './demo/seed.ts'
import { createProgress, formatSummary, importRoster, importTimetable, ImportSetupError } from './journal/import/index.ts'
import { bootstrapSchool, isValidTimeZone } from './school/bootstrap.ts'

const HELP = `zvonok — a messaging-first school journal

Usage: zvonok <command> [options]

Process roles
  start            all roles in one process: the API, the notifier and, when TELEGRAM_BOT_TOKEN is set, the
                   Telegram bot. Runs migrations; seeds the demo school into an empty database (DEMO=off to skip).
  api              the HTTP API only (stateless; run several behind a load balancer)
  worker           the notifier: outbox → deliveries → Telegram / email / SMS (run several; with REDIS_URL
                   they share bull queues, without it each sends from the database itself)
  bot              the Telegram bot alone (needs TELEGRAM_BOT_TOKEN): long polling, or with TELEGRAM_WEBHOOK_URL
                   and TELEGRAM_WEBHOOK_SECRET a webhook at /v1/telegram/webhook on its own API server (PORT)

Administration
  migrate          apply pending migrations from migrations/ and exit
  demo             create the demo school now and write DATA_DIR/demo-credentials.json
  bootstrap        create a school and its first admin account (a new installation, or one more school)
                     --school-name NAME  --timezone IANA_ZONE  --admin-last-name NAME  --admin-first-name NAME
                     prints the admin's login and one-time password once
  audit verify     recompute the audit hash chains and report the first broken link of each
  import roster FILE --school ID [--order N] [--date YYYY-MM-DD] [--partial] [--dry-run]
                   students with their guardians from CSV (; or ,) or XLSX; admits them into the classes of
                   the year containing --date (default today) under admission order --order
  import timetable FILE --school ID [--date YYYY-MM-DD] [--partial] [--dry-run]
                   the weekly timetable, valid from --date; subjects and teaching assignments as needed
                   Both check the whole file first and list every bad row ("строка N: причина"); with any
                   bad row nothing is written (exit 1) unless --partial; --dry-run writes nothing.
  backup [--out FILE|DIR]
                   a consistent dump with a checksum manifest (pg_dump, or the embedded store's own dump);
                   the worker also makes one daily (BACKUP_AT, BACKUP_KEEP)
  restore FILE [--force]
                   checks the checksum, restores into an empty database (--force: replace), migrates, verifies
                   the audit chains
  archive verify|list [--school ID]
                   the archive of summary sheets and class journals: recompute the hash chains and every file
  printout verify CODE [--file FILE]
                   what the system produced under a printout's verification code; with --file, whether the file
                   is that printout
  printouts weekly --school ID [--class ID] [--week YYYY-MM-DD] [--only-paper] [--out DIR]
                   the weekly diary printouts of a school or a class, one PDF per class, with progress

Configuration comes from the environment (see README.md): DATABASE_URL, REDIS_URL, PORT, DATA_DIR,
JWT_SECRET, TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT, TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, SMTP_URL,
SMS_URL, PUBLIC_URL, LOG_LEVEL …
`

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP)
    return command ? 0 : 1
  }
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n')
      return 2
    }
    throw err
  }
  try {
    return await run(command, rest, config)
  } catch (err) {
    const log = createLogger(config)
    log.error({ err }, `${command} failed`)
    process.stderr.write(`zvonok ${command}: ${(err as Error).message}\n`)
    if (err instanceof AppError) for (const i of err.extra.issues ?? []) process.stderr.write(`  ${i.path}: ${i.message}\n`)
    return 1
  }
}

async function run(command: string, args: string[], config: Config): Promise<number> {
  const log = createLogger(config)
  switch (command) {
    case 'start':
      await runApi(config, { demo: true, notifier: true, bot: true })
      return new Promise<number>(() => {}) // runs until a signal
    case 'api':
      await runApi(config, { demo: false })
      return new Promise<number>(() => {})
    case 'worker':
      await runWorker(config)
      return new Promise<number>(() => {})
    case 'bot':
      if (!config.telegram.token) {
        process.stderr.write('zvonok bot: TELEGRAM_BOT_TOKEN is not set (the token from @BotFather)\n')
        return 2
      }
      await runBot(config)
      return new Promise<number>(() => {})
    case 'migrate': {
      const db = await openAndMigrate(config, log)
      await db.close()
      process.stdout.write('migrations are up to date\n')
      return 0
    }
    case 'demo': {
      const db = await openAndMigrate(config, log)
      try {
        const r = await seedDemo(db.sql, config)
        process.stdout.write(`Demo school "${r.schoolName}" created. Logins and initial passwords: ${r.credentialsFile}\n`)
      } finally {
        await db.close()
      }
      return 0
    }
    case 'bootstrap': {
      const { values } = parseArgs({
        args,
        options: {
          'school-name': { type: 'string' }, timezone: { type: 'string' },
          'admin-last-name': { type: 'string' }, 'admin-first-name': { type: 'string' },
        },
        strict: true,
      })
      const missing = ['school-name', 'timezone', 'admin-last-name', 'admin-first-name'].filter((k) => !values[k as keyof typeof values])
      if (missing.length) {
        process.stderr.write(`zvonok bootstrap: missing ${missing.map((m) => '--' + m).join(', ')}\n`)
        return 2
      }
      if (!isValidTimeZone(values.timezone!)) {
        process.stderr.write(`zvonok bootstrap: --timezone must be an IANA time zone such as Europe/Moscow, not "${values.timezone}"\n`)
        return 2
      }
      const db = await openAndMigrate(config, log)
      try {
        const r = await bootstrapSchool(db.sql, {
          schoolName: values['school-name']!, timezone: values.timezone!,
          adminLastName: values['admin-last-name']!, adminFirstName: values['admin-first-name']!,
        })
        process.stdout.write(`School ${r.schoolId} created.\nAdmin login: ${r.login}\nOne-time password: ${r.password}\n(it must be changed at first login; it is not shown again)\n`)
      } finally {
        await db.close()
      }
      return 0
    }
    case 'audit': {
      if (args[0] !== 'verify') {
        process.stderr.write('usage: zvonok audit verify\n')
        return 2
      }
      const db = await openAndMigrate(config, log)
      try {
        const r = await verifyAudit(db.sql)
        if (r.ok) {
          process.stdout.write(`audit log intact: ${r.rows} rows in ${r.chains} chains\n`)
          return 0
        }
        for (const b of r.broken)
          process.stdout.write(`BROKEN chain ${b.schoolId ?? '(system)'}: first broken link at seq ${b.seq}${b.id ? ` (row ${b.id})` : ''}: ${b.reason}\n`)
        return 1
      } finally {
        await db.close()
      }
    }
    case 'import':
      return runImport(args, config, log)
    case 'backup':
    case 'restore':
      return (await import('./backup/cli.ts')).runBackupCommand(command, args, config, log)
    case 'archive':
      return (await import('./archive/cli.ts')).runArchiveCommand(args, config, log)
    case 'printout':
    case 'printouts':
      return (await import('./print/cli.ts')).runPrintCommand(command, args, config, log)
    default:
      process.stderr.write(`zvonok: unknown command "${command}"\n\n${HELP}`)
      return 2
  }
}

const IMPORT_USAGE = 'usage: zvonok import roster|timetable FILE --school ID [--order N] [--date YYYY-MM-DD] [--partial] [--dry-run]\n'

/** `zvonok import roster|timetable FILE …`: exit 0 done, 1 bad rows (nothing written) or setup problem, 2 usage. */
async function runImport(args: string[], config: Config, log: ReturnType<typeof createLogger>): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        school: { type: 'string' }, order: { type: 'string' }, date: { type: 'string' },
        partial: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false },
      },
      strict: true,
    })
  } catch (err) {
    process.stderr.write(`zvonok import: ${(err as Error).message}\n${IMPORT_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [kind, file, ...extra] = positionals
  if ((kind !== 'roster' && kind !== 'timetable') || !file || extra.length) {
    process.stderr.write(IMPORT_USAGE)
    return 2
  }
  if (!values.school) {
    process.stderr.write(`zvonok import: missing --school\n${IMPORT_USAGE}`)
    return 2
  }
  if (values.order !== undefined && kind === 'timetable') {
    process.stderr.write('zvonok import timetable: --order applies to a roster only\n')
    return 2
  }
  let data: Uint8Array
  try {
    data = await readFile(file)
  } catch (err) {
    process.stderr.write(`zvonok import: cannot read ${file}: ${(err as Error).message}\n`)
    return 2
  }
  const progress = createProgress(process.stderr)
  const opts = {
    schoolId: values.school, date: values.date, orderNumber: values.order?.trim(), partial: values.partial,
    dryRun: values['dry-run'], onProgress: progress.update,
  }
  const db = await openAndMigrate(config, log)
  try {
    const result = kind === 'roster' ? await importRoster(db.sql, data, opts) : await importTimetable(db.sql, data, opts)
    progress.end()
    for (const e of result.errors) process.stderr.write(`строка ${e.line}: ${e.message}\n`)
    for (const w of result.warnings) process.stderr.write(`предупреждение: ${w}\n`)
    process.stdout.write(formatSummary(result))
    return result.errors.length && (!opts.partial || result.imported === 0) ? 1 : 0
  } catch (err) {
    if (!(err instanceof ImportSetupError)) throw err
    process.stderr.write(`zvonok import: ${err.message}\n`)
    return 1
  } finally {
    await db.close()
  }
}

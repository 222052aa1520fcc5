/**
 * Process roles. Only this module (through the CLI) listens, connects for real and exits;
 * everything it starts is built by pure factories that tests use directly.
 */
import { Redis } from 'ioredis'
import pino from 'pino'
import { buildApp } from './http/app.ts'
import { loggerOptions } from './http/logger.ts'
import type { Config } from './config/config.ts'
import { openDatabase, type Database } from './db/connect.ts'
import { migrate } from './db/migrate.ts'
import { seedDemoIfEmpty } from './demo/seed.ts'
import { createProviders } from '../notifier/channels/index.ts'
import { createNotifier, type Notifier } from '../notifier/worker.ts'
import { createTaskRunner, workerTasks, type TaskRunner } from './jobs/index.ts'
import { createGrammyBot, setWebhook, startPolling, startSweeper, webhookRoutes } from '../bots/index.ts'

export function createLogger(config: Config) {
  return pino(loggerOptions(config.logLevel))
}

export async function openAndMigrate(config: Config, log: pino.Logger): Promise<Database> {
  if (!config.databaseUrl) log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL')
  const db = await openDatabase(config)
  try {
    const result = await migrate(db.sql)
    if (result.applied.length) log.info({ applied: result.applied }, 'migrations applied')
    return db
  } catch (err) {
    await db.close()
    throw err
  }
}

/** The notifier on this process's database: LISTEN needs a real server (PGlite has one connection). */
export function startNotifier(config: Config, db: Database, log: pino.Logger): Notifier {
  const providers = createProviders(config, log)
  const missing = (['telegram', 'email', 'sms'] as const).filter((c) => !providers[c])
  if (missing.length) log.info({ missing }, 'notification channels without a provider are not used')
  return createNotifier({
    sql: db.sql, providers, log, publicUrl: config.publicUrl, secret: config.jwtSecret,
    redisUrl: config.redisUrl, listen: !!config.databaseUrl,
  })
}

/** The worker's periodic tasks (backups, archive retention, print jobs) on this process's database. */
export function startTasks(config: Config, db: Database, log: pino.Logger): TaskRunner {
  const runner = createTaskRunner({ db, config, log: log.child({ role: 'tasks' }), clock: () => new Date() }, workerTasks())
  runner.start()
  return runner
}

/** `zvonok worker`: the notifier and the periodic tasks (run several; they share the outbox and the queues). */
export async function runWorker(config: Config): Promise<void> {
  const log = createLogger(config)
  const db = await openAndMigrate(config, log)
  const notifier = startNotifier(config, db, log)
  await notifier.start()
  const tasks = startTasks(config, db, log)
  onSignals(log, async () => {
    await tasks.stop()
    await notifier.stop()
    await db.close()
  })
}

/**
 * The Telegram bot on this process's database. By webhook (TELEGRAM_WEBHOOK_URL), its route
 * joins the API server (`webhook`, for buildApp) and `start()` points Telegram at it; otherwise
 * `start()` begins long polling. `stop()` ends polling; the route goes with the API server.
 */
export function prepareBot(config: Config, db: Database, log: pino.Logger) {
  const { token, apiRoot, webhookUrl, webhookSecret } = config.telegram
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set')
  const botLog = log.child({ role: 'bot' })
  const bot = createGrammyBot({ sql: db.sql, token, apiRoot, log: botLog })
  const byWebhook = webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined
  let polling: Awaited<ReturnType<typeof startPolling>> | undefined
  let sweeper: ReturnType<typeof startSweeper> | undefined
  return {
    webhook: byWebhook ? webhookRoutes({ bot, secretToken: byWebhook.secret }) : undefined,
    /** resolves once the bot is taking updates; `onFatal` hears of polling that ended for good */
    async start(onFatal: (err: unknown) => void) {
      if (byWebhook) {
        await bot.init()
        await setWebhook(bot, byWebhook.url, byWebhook.secret)
        botLog.info({ bot: bot.botInfo.username, mode: 'webhook' }, 'the Telegram bot is taking updates')
        sweeper = startSweeper(bot, { sql: db.sql, log: botLog })
        return
      }
      polling = await startPolling(bot)
      // class channels: gating and moderation calls left pending
      sweeper = startSweeper(bot, { sql: db.sql, log: botLog })
      polling.done.catch(onFatal)
      botLog.info({ bot: bot.botInfo.username, mode: 'polling' }, 'the Telegram bot is taking updates')
    },
    async stop() {
      await polling?.stop()
      await sweeper?.stop()
    },
  }
}

/** `zvonok bot`: the Telegram bot alone, by long polling, or by webhook on its own API server. */
export async function runBot(config: Config): Promise<() => Promise<void>> {
  const log = createLogger(config)
  const db = await openAndMigrate(config, log)
  let runtime: ReturnType<typeof prepareBot>
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  try {
    runtime = prepareBot(config, db, log)
    if (runtime.webhook) {
      app = await buildApp({ config, sql: db.sql, telegramWebhook: runtime.webhook })
      await app.listen({ host: config.host, port: config.port })
    }
  } catch (err) {
    await app?.close()
    await db.close()
    throw err
  }
  const shutdown = onSignals(log, async () => {
    await runtime.stop()
    await app?.close()
    await db.close()
  })
  await runtime.start((err) => {
    log.error({ err }, 'the Telegram bot stopped taking updates')
    shutdown().finally(() => process.exit(1))
  }).catch(async (err: unknown) => {
    await shutdown()
    throw err
  })
  return shutdown
}

/** `zvonok api` (the HTTP API) or `zvonok start` (the API, the notifier and, with a token, the bot in one process). */
export async function runApi(config: Config, opts: { demo: boolean; notifier?: boolean; bot?: boolean }): Promise<() => Promise<void>> {
  const log = createLogger(config)
  const db = await openAndMigrate(config, log)
  if (opts.demo && config.demo === 'auto') {
    const seeded = await seedDemoIfEmpty(db.sql, config)
    if (seeded) {
      log.info({ credentialsFile: seeded.credentialsFile }, 'demo school created')
      printDemoHint(seeded.credentialsFile, config)
    }
  }
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined
  if (redis) await redis.connect().catch((err: Error) => log.warn({ err: err.message }, 'Redis is not reachable yet'))
  const bot = opts.bot && config.telegram.token ? prepareBot(config, db, log) : undefined
  if (opts.bot && !bot) log.info('TELEGRAM_BOT_TOKEN is not set: the Telegram bot is off')
  const app = await buildApp({ config, sql: db.sql, redis, telegramWebhook: bot?.webhook })
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    // the port is taken (another `zvonok start`?): release the database so the process can exit
    await app.close()
    await redis?.quit().catch(() => undefined)
    await db.close()
    throw err
  }
  const notifier = opts.notifier ? startNotifier(config, db, log) : undefined
  await notifier?.start()
  const tasks = opts.notifier ? startTasks(config, db, log) : undefined
  // the API keeps serving if the bot cannot start or stops polling (a revoked token): say so loudly
  await bot?.start((err) => log.error({ err }, 'the Telegram bot stopped taking updates'))
    .catch((err: unknown) => log.error({ err }, 'the Telegram bot could not start'))

  return onSignals(log, async () => {
    log.info('shutting down: no new requests, finishing those in flight')
    await bot?.stop()
    await app.close()
    await tasks?.stop()
    await notifier?.stop()
    await redis?.quit().catch(() => undefined)
    await db.close()
  })
}

/** SIGTERM/SIGINT run `close` once and exit; the returned function runs it by hand. */
function onSignals(log: pino.Logger, close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  const shutdown = () => {
    closing ??= close().then(() => log.info('stopped'))
    return closing
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown().then(() => process.exit(0), (err) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
    })
  }
  return shutdown
}

function printDemoHint(file: string, config: Config) {
  const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`
  process.stdout.write(
    `\nДемо-школа создана. Логины и начальные пароли: ${file}\n` +
      `Demo school created. Logins and initial passwords are in ${file} (mode 0600).\n` +
      `Log in: curl -X POST ${base}/v1/auth/login -H 'content-type: application/json' -d '{"login":"…","password":"…"}'\n` +
      `API documentation: ${base}/docs\n\n`,
  )
}

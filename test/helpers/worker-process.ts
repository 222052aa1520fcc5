/**
 * A notifier worker in its own process for the fault drills: the real createNotifier on the
 * test database, Redis and fake Telegram, with short timings (the lease after which an
 * interrupted send is taken up again, the requeue interval) so a drill takes seconds.
 * Run with tsx; prints "ready" when started. Killed with SIGKILL by the drill.
 */
import pino from 'pino'
import postgres from 'postgres'
import { connectionOptions } from '../../core/db/connect.ts'
import { createTelegramProvider } from '../../notifier/channels/index.ts'
import { createNotifier } from '../../notifier/worker.ts'

const env = process.env
const sql = postgres(env.DRILL_DATABASE_URL!, connectionOptions(4))
const notifier = createNotifier({
  sql,
  providers: { telegram: createTelegramProvider({ token: env.DRILL_TELEGRAM_TOKEN!, apiRoot: env.DRILL_TELEGRAM_API_ROOT!, timeoutSeconds: 5 }) },
  log: pino({ level: 'warn' }, pino.destination(2)),
  publicUrl: 'http://127.0.0.1:3000',
  secret: 'drill-secret-drill-secret-drill-secret-0123',
  redisUrl: env.DRILL_REDIS_URL,
  queuePrefix: env.DRILL_QUEUE_PREFIX,
  listen: true,
  options: { coalesceMs: 0, pollMs: 100, sweepMs: 200, requeueAfterMs: 1_000, leaseMs: 1_500 },
})
await notifier.start()
process.stdout.write('ready\n')

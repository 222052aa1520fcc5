/**
 * The real `zvonok` command, spawned as a child process. Against the real PostgreSQL (when
 * TEST_DATABASE_URL is set) it gets a fresh database through DATABASE_URL; otherwise it runs
 * in embedded mode on a fresh DATA_DIR (PGlite in DATA_DIR/pg, one process at a time, so the
 * commands run one after another).
 */
import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fromEmbedded, type Database } from '../../core/db/connect.ts'
import { startEmbeddedPostgres } from '../../core/db/embedded.ts'
import { createTestDb, realServerUrl, type TestDb } from '../helpers/db.ts'
import { startFakeTelegram } from '../fakes/telegram-api.ts'

const ROOT = new URL('../..', import.meta.url).pathname
const JWT_SECRET = 'cli-test-secret-cli-test-secret-0123456789'
const SLOW = 120_000 // an embedded start takes a few seconds; argon2 a little more

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `node core/bin.mjs ...args` with only the given environment (plus PATH and HOME). */
function zvonok(args: string[], env: Record<string, string | undefined>, timeoutMs = SLOW - 10_000): Promise<Run> {
  return spawnZvonok(args, env, timeoutMs).done
}

/** The same, for a long-running role: the child (to signal) and its end. */
function spawnZvonok(args: string[], env: Record<string, string | undefined>, timeoutMs = SLOW - 10_000) {
  let child!: ReturnType<typeof spawn>
  const done = new Promise<Run>((resolve, reject) => {
    child = spawn(process.execPath, ['core/bin.mjs', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}
/** A port nobody listens on (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
const show = (r: Run) => `exit ${r.code} ${r.signal ?? ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

const dirs: string[] = []
const freshDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'zvonok-cli-'))
  dirs.push(d)
  return d
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

describe('without a database', () => {
  test('--help exits 0 and lists every command', async () => {
    const r = await zvonok(['--help'], {})
    expect(r.code, show(r)).toBe(0)
    for (const cmd of ['start', 'api', 'worker', 'bot', 'migrate', 'demo', 'bootstrap', 'audit verify'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\s`, 'm'))
    expect(r.stderr).toBe('')
  })

  test('an unknown command exits 2', async () => {
    const r = await zvonok(['frobnicate'], { DATA_DIR: freshDir() })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('unknown command "frobnicate"')
  })

  test('a bad environment exits 2 and names the key', async () => {
    const r = await zvonok(['migrate'], { PORT: 'abc', DATA_DIR: freshDir() })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('PORT')
    expect(r.stderr).toContain('Invalid configuration')
  })

  test('bot without a token exits 2 and says what is missing', async () => {
    const r = await zvonok(['bot'], { DATA_DIR: freshDir() })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('TELEGRAM_BOT_TOKEN is not set')
  })

  test('a webhook URL without its secret is a configuration error', async () => {
    const r = await zvonok(['bot'], {
      DATA_DIR: freshDir(), TELEGRAM_BOT_TOKEN: '5550010:cli-test-token-abcdefghijkl', TELEGRAM_WEBHOOK_URL: 'https://bot.school.example/v1/telegram/webhook',
    })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('TELEGRAM_WEBHOOK_SECRET')
  })

  // Regression: an unparseable URL once escaped loadConfig as a bare TypeError (exit 1, stack trace).
  test('a malformed DATABASE_URL is a configuration error too (exit 2, names the key)', async () => {
    const r = await zvonok(['migrate'], { DATABASE_URL: 'not a url', JWT_SECRET, DATA_DIR: freshDir() })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('DATABASE_URL')
  })
})

describe('against a database', () => {
  let testDb: TestDb | undefined
  let dataDir: string
  let env: Record<string, string | undefined>
  const embedded = !realServerUrl()

  beforeAll(async () => {
    dataDir = freshDir()
    if (!embedded) {
      testDb = await createTestDb({ migrate: false })
      env = { DATABASE_URL: testDb.url, JWT_SECRET, DATA_DIR: dataDir }
    } else {
      env = { DATA_DIR: dataDir } // embedded: PGlite in DATA_DIR/pg, a generated JWT secret
    }
  })
  afterAll(async () => { await testDb?.close() })

  /**
   * The database the CLI used, opened from this process. In embedded mode the CLI has exited
   * and released DATA_DIR/pg, so this process starts PGlite on it; close it before the next run.
   */
  async function openSame(): Promise<Database> {
    if (testDb) return { sql: testDb.sql, embedded: false, close: async () => {} }
    return fromEmbedded(await startEmbeddedPostgres(path.join(dataDir, 'pg')))
  }

  test('migrate exits 0', async () => {
    const r = await zvonok(['migrate'], env)
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toContain('migrations are up to date')
  }, SLOW)

  test('bootstrap creates a school and prints the admin login and a one-time password', async () => {
    const r = await zvonok([
      'bootstrap', '--school-name', 'Школа № 1', '--timezone', 'Europe/Moscow',
      '--admin-last-name', 'Иванов', '--admin-first-name', 'Иван',
    ], env)
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^Admin login: [a-z0-9][a-z0-9._-]{2,63}$/m)
    expect(r.stdout).toMatch(/^One-time password: \S{10,}$/m)
    expect(r.stdout).toMatch(/Admin login: ivanov\.i/)
  }, SLOW)

  // Regression: a bad time zone once failed with only 'The request is not valid', naming nothing.
  test('bootstrap with an unknown time zone fails and says so', async () => {
    const r = await zvonok([
      'bootstrap', '--school-name', 'Школа № 2', '--timezone', 'Mars/Base',
      '--admin-last-name', 'Петров', '--admin-first-name', 'Пётр',
    ], env)
    expect(r.code, show(r)).not.toBe(0)
    expect(r.code, show(r)).not.toBeNull() // exited, not killed by the timeout
    expect(r.stdout + r.stderr, show(r)).toMatch(/time ?zone/i)
  }, SLOW)

  test('bootstrap with a missing option exits 2 and names it', async () => {
    const r = await zvonok(['bootstrap', '--school-name', 'Школа № 3', '--timezone', 'Europe/Moscow'], env)
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('--admin-last-name')
    expect(r.stderr).toContain('--admin-first-name')
  }, SLOW)

  test('audit verify reports an intact log', async () => {
    const r = await zvonok(['audit', 'verify'], env)
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/intact: 1 rows in 1 chains/)
  }, SLOW)

  test('audit verify finds a row altered behind the trigger\'s back', async () => {
    const db = await openSame()
    try {
      // only the good bootstrap left a trace
      const schools = await db.sql<{ name: string }[]>`select name from schools`
      expect(schools.map((s) => s.name)).toEqual(['Школа № 1'])
      const [row] = await db.sql<{ action: string }[]>`select action from audit_log where seq = 1`
      expect(row?.action).toBe('school.bootstrapped')

      // the trigger refuses an ordinary update …
      await expect(db.sql`update audit_log set action = 'forged' where seq = 1`).rejects.toThrow(/append-only/)
      // … so the forger switches it off for a moment
      await db.sql.begin(async (tx) => {
        await tx`alter table audit_log disable trigger audit_log_no_update`
        await tx`update audit_log set action = 'forged' where seq = 1`
        await tx`alter table audit_log enable trigger audit_log_no_update`
      })
      const [forged] = await db.sql<{ action: string }[]>`select action from audit_log where seq = 1`
      expect(forged?.action).toBe('forged')
    } finally {
      await db.close()
    }

    const r = await zvonok(['audit', 'verify'], env)
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toContain('BROKEN')
    expect(r.stdout).toMatch(/seq 1\b/)
    expect(r.stdout).toContain('hash_mismatch')
  }, SLOW)

  test('bot polls Telegram, answers, and stops on SIGTERM', async () => {
    const fake = await startFakeTelegram({ token: '5550011:cli-test-token-abcdefghijkl' })
    try {
      const run = spawnZvonok(['bot'], { ...env, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot })
      fake.pushUpdate(fake.updates.command(740_001, 'start'))
      const end = Date.now() + 60_000
      while (!fake.sent.some((m) => m.chatId === '740001') && Date.now() < end) {
        if (run.child.exitCode !== null) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(fake.sent.map((m) => m.chatId), fake.calls.map((c) => c.method).join(' ')).toContain('740001')
      expect(fake.sent[0]!.text).toContain('привяжите чат')
      // the webhook is removed before polling starts
      const methods = fake.calls.map((c) => c.method)
      expect(methods.indexOf('deleteWebhook')).toBeGreaterThan(-1)
      expect(methods.indexOf('deleteWebhook')).toBeLessThan(methods.indexOf('getUpdates'))
      run.child.kill('SIGTERM')
      const r = await run.done
      expect(r.code, show(r)).toBe(0)
    } finally {
      await fake.close()
    }
  }, SLOW)

  test('bot by webhook: sets the webhook with its secret and takes updates on /v1/telegram/webhook', async () => {
    const fake = await startFakeTelegram({ token: '5550012:cli-test-token-abcdefghijkl' })
    const port = await freePort()
    const secret = 'cli-webhook-secret-0123456789'
    try {
      const run = spawnZvonok(['bot'], {
        ...env, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, PORT: String(port),
        TELEGRAM_WEBHOOK_URL: 'https://bot.school.example/v1/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: secret,
        LOG_LEVEL: 'debug',
      })
      const end = Date.now() + 60_000
      while (!fake.webhook() && run.child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
      expect(fake.webhook(), fake.calls.map((c) => c.method).join(' ')).toEqual({ url: 'https://bot.school.example/v1/telegram/webhook', secretToken: secret })
      const post = (token: string) => fetch(`http://127.0.0.1:${port}/v1/telegram/webhook`, {
        method: 'POST', body: JSON.stringify(fake.updates.command(740_002, 'start')),
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': token },
      })
      expect((await post('not-the-secret-0123456789')).status).toBe(401)
      expect((await post(secret)).status).toBe(200)
      expect(fake.sent.map((m) => m.chatId)).toEqual(['740002'])
      expect(fake.calls.some((c) => c.method === 'getUpdates')).toBe(false)
      run.child.kill('SIGTERM')
      const r = await run.done
      expect(r.code, show(r)).toBe(0)
      // the secrets never reach the log, which did record the requests and the update
      expect(r.stdout).toContain('"updateId"')
      expect(r.stdout + r.stderr).not.toContain(secret)
      expect(r.stdout + r.stderr).not.toContain(fake.token!.split(':')[1])
    } finally {
      await fake.close()
    }
  }, SLOW)

  test('audit without verify is a usage error', async () => {
    const r = await zvonok(['audit'], env)
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain('usage: zvonok audit verify')
  }, SLOW)
})

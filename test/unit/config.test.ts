import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { ConfigError, loadConfig, testConfig, type Config } from '../../core/config/config.ts'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const dirs: string[] = []
/** a fresh, empty directory; `sub` names a not-yet-existing directory inside it */
function freshDir(sub?: string): string {
  const d = mkdtempSync(path.join(tmpdir(), 'zvonok-config-'))
  dirs.push(d)
  return sub ? path.join(d, sub) : d
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('loadConfig accepted the environment')
}
const named = (err: ConfigError, key: string) => err.problems.some((p) => p.startsWith(`${key}:`))

describe('defaults', () => {
  test('an empty environment (with a DATA_DIR) gives the documented defaults', () => {
    const dir = freshDir()
    const c = loadConfig({ DATA_DIR: dir })
    expect(c).toMatchObject({
      env: 'development',
      databaseUrl: undefined,
      databasePoolSize: 10,
      redisUrl: undefined,
      host: '127.0.0.1',
      port: 3000,
      dataDir: path.resolve(dir),
      accessTokenTtl: 900,
      refreshTokenTtl: 30 * 86400,
      telegram: { token: undefined, apiRoot: 'https://api.telegram.org' },
      smtpUrl: undefined,
      smtpFrom: 'Звонок <noreply@zvonok.local>',
      smsUrl: undefined,
      publicUrl: 'http://127.0.0.1:3000',
      logLevel: 'info',
      trustProxy: false,
      demo: 'auto',
    } satisfies Partial<Config>)
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32)
  })

  test('DATA_DIR defaults to ./data resolved against the working directory', () => {
    // JWT_SECRET given, so nothing is written into ./data
    expect(loadConfig({ JWT_SECRET: SECRET }).dataDir).toBe(path.resolve('data'))
  })

  test('empty strings count as unset; numbers and booleans are coerced; PUBLIC_URL loses its trailing slash', () => {
    const c = loadConfig({
      JWT_SECRET: SECRET, PORT: '', HOST: '  ', LOG_LEVEL: '', DATABASE_URL: '', DATABASE_POOL_SIZE: '25',
      ACCESS_TOKEN_TTL: '600', TRUST_PROXY: 'true', PUBLIC_URL: 'https://zvonok.example.ru/', DEMO: 'off',
    })
    expect(c.port).toBe(3000)
    expect(c.host).toBe('127.0.0.1')
    expect(c.logLevel).toBe('info')
    expect(c.databaseUrl).toBeUndefined()
    expect(c.databasePoolSize).toBe(25)
    expect(c.accessTokenTtl).toBe(600)
    expect(c.trustProxy).toBe(true)
    expect(c.publicUrl).toBe('https://zvonok.example.ru')
    expect(c.demo).toBe('off')
  })

  test('valid values are taken as given', () => {
    const c = loadConfig({
      NODE_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: 'postgresql://zvonok@db:5432/zvonok',
      REDIS_URL: 'rediss://cache:6380', PORT: '8080', TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_-abc',
      SMTP_URL: 'smtps://mail.example.ru', SMS_URL: 'https://sms.example.ru/api', LOG_LEVEL: 'warn',
    })
    expect(c).toMatchObject({
      env: 'production', jwtSecret: SECRET, databaseUrl: 'postgresql://zvonok@db:5432/zvonok',
      redisUrl: 'rediss://cache:6380', port: 8080, telegram: { token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_-abc' },
      smtpUrl: 'smtps://mail.example.ru', smsUrl: 'https://sms.example.ru/api', logLevel: 'warn',
    })
  })
})

describe('validation', () => {
  test('every bad key is reported at once in one ConfigError', () => {
    const err = configError({
      JWT_SECRET: SECRET, PORT: 'abc', DATABASE_URL: 'mysql://x', TELEGRAM_BOT_TOKEN: 'bad', LOG_LEVEL: 'loud',
    })
    for (const key of ['PORT', 'DATABASE_URL', 'TELEGRAM_BOT_TOKEN', 'LOG_LEVEL']) {
      expect(named(err, key), `${key} in ${JSON.stringify(err.problems)}`).toBe(true)
      expect(err.message).toContain(key)
    }
    expect(err.problems).toHaveLength(4)
    expect(err.name).toBe('ConfigError')
  })

  test('out-of-range numbers and unknown enum values are rejected', () => {
    const err = configError({
      JWT_SECRET: SECRET, PORT: '70000', DATABASE_POOL_SIZE: '0', ACCESS_TOKEN_TTL: '10', NODE_ENV: 'staging',
      TRUST_PROXY: 'yes', DEMO: 'on', REDIS_URL: 'http://cache',
    })
    for (const key of ['PORT', 'DATABASE_POOL_SIZE', 'ACCESS_TOKEN_TTL', 'NODE_ENV', 'TRUST_PROXY', 'DEMO', 'REDIS_URL'])
      expect(named(err, key), `${key} in ${JSON.stringify(err.problems)}`).toBe(true)
  })

  // Regression: the protocol check once ran `new URL(v)` on an unparseable value and threw a TypeError.
  test('a malformed URL is a ConfigError naming the key, not a TypeError', () => {
    const err = configError({
      JWT_SECRET: SECRET, DATABASE_URL: 'not a url', REDIS_URL: '::', SMTP_URL: 'mail server', SMS_URL: 'sms',
    })
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'SMS_URL'])
      expect(named(err, key), `${key} in ${JSON.stringify(err.problems)}`).toBe(true)
  })
})

describe('JWT_SECRET', () => {
  test('is required when DATABASE_URL is set', () => {
    const dir = freshDir()
    const err = configError({ DATABASE_URL: 'postgres://zvonok@db/zvonok', DATA_DIR: dir })
    expect(err.problems).toHaveLength(1)
    expect(named(err, 'JWT_SECRET')).toBe(true)
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false)
  })

  test('must be at least 32 characters', () => {
    const err = configError({ DATABASE_URL: 'postgres://zvonok@db/zvonok', JWT_SECRET: 'x'.repeat(31) })
    expect(named(err, 'JWT_SECRET')).toBe(true)
    expect(loadConfig({ DATABASE_URL: 'postgres://zvonok@db/zvonok', JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32))
  })

  // Regression: the DATABASE_URL/JWT_SECRET rule once ran only after the schema passed, in a second round.
  test('a missing JWT_SECRET is reported together with the other bad keys', () => {
    const err = configError({ DATABASE_URL: 'postgres://zvonok@db/zvonok', PORT: 'abc' })
    expect(named(err, 'PORT')).toBe(true)
    expect(named(err, 'JWT_SECRET'), JSON.stringify(err.problems)).toBe(true)
  })

  test('a given JWT_SECRET writes no file in embedded mode', () => {
    const dir = freshDir()
    expect(loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir }).jwtSecret).toBe(SECRET)
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false)
  })
})

describe('embedded mode secret', () => {
  test('is generated into DATA_DIR/jwt-secret with mode 0600 and reused on the next load', () => {
    const dir = freshDir('data') // does not exist yet: loadConfig creates it
    const first = loadConfig({ DATA_DIR: dir })
    const file = path.join(dir, 'jwt-secret')
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(first.jwtSecret)
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32)

    const second = loadConfig({ DATA_DIR: dir })
    expect(second.jwtSecret).toBe(first.jwtSecret)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  test('different data directories get different secrets', () => {
    expect(loadConfig({ DATA_DIR: freshDir() }).jwtSecret).not.toBe(loadConfig({ DATA_DIR: freshDir() }).jwtSecret)
  })

  test('an invalid environment writes no secret', () => {
    const dir = freshDir('data')
    configError({ DATA_DIR: dir, PORT: 'abc' })
    expect(existsSync(path.join(dir, 'jwt-secret'))).toBe(false)
  })
})

describe('the returned config is frozen', () => {
  test('loadConfig', () => {
    const c = loadConfig({ JWT_SECRET: SECRET })
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.telegram)).toBe(true)
    expect(() => { (c as { port: number }).port = 1 }).toThrow(TypeError)
    expect(() => { (c.telegram as { token: string | undefined }).token = 'x' }).toThrow(TypeError)
    expect(c.port).toBe(3000)
    expect(c.telegram.token).toBeUndefined()
  })

  test('testConfig applies overrides and stays frozen', () => {
    const c = testConfig({ port: 4321 })
    expect(c.port).toBe(4321)
    expect(c.logLevel).toBe('silent')
    expect(Object.isFrozen(c)).toBe(true)
    expect(() => { (c as { port: number }).port = 1 }).toThrow(TypeError)
  })
})

describe('the Telegram webhook', () => {
  const URL_OK = 'https://bot.school.example/v1/telegram/webhook'
  const SECRET_OK = 'webhook_secret-0123456789'

  test('is off by default and taken as given', () => {
    expect(loadConfig({ DATA_DIR: freshDir() }).telegram).toMatchObject({ webhookUrl: undefined, webhookSecret: undefined })
    const c = loadConfig({ DATA_DIR: freshDir(), TELEGRAM_WEBHOOK_URL: URL_OK, TELEGRAM_WEBHOOK_SECRET: SECRET_OK })
    expect(c.telegram).toMatchObject({ webhookUrl: URL_OK, webhookSecret: SECRET_OK })
  })

  test('needs a public https URL and, with it, a secret of 16–256 safe characters', () => {
    expect(named(configError({ DATA_DIR: freshDir(), TELEGRAM_WEBHOOK_URL: 'http://bot.school.example/hook', TELEGRAM_WEBHOOK_SECRET: SECRET_OK }), 'TELEGRAM_WEBHOOK_URL')).toBe(true)
    expect(named(configError({ DATA_DIR: freshDir(), TELEGRAM_WEBHOOK_URL: URL_OK }), 'TELEGRAM_WEBHOOK_SECRET')).toBe(true)
    for (const bad of ['short-secret', 'has spaces in the secret', 'x'.repeat(257), 'кириллица-0123456789'])
      expect(named(configError({ DATA_DIR: freshDir(), TELEGRAM_WEBHOOK_URL: URL_OK, TELEGRAM_WEBHOOK_SECRET: bad }), 'TELEGRAM_WEBHOOK_SECRET'), bad).toBe(true)
    expect(loadConfig({ DATA_DIR: freshDir(), TELEGRAM_WEBHOOK_URL: URL_OK, TELEGRAM_WEBHOOK_SECRET: 'A'.repeat(16) }).telegram.webhookSecret).toHaveLength(16)
  })
})

import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * Configuration is read from the environment once, here, validated with zod and frozen.
 * Nothing else in the code base reads process.env.
 */
const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const optionalUrl = (protocols: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url()
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol)
        } catch {
          return false
        }
      }, {
        message: `must start with ${protocols.map((p) => p + '//').join(' or ')}`,
      })
      .optional(),
  )

export const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(10)),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  JWT_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  ACCESS_TOKEN_TTL: z.preprocess(emptyToUndefined, z.coerce.number().int().min(60).max(86400).default(900)),
  REFRESH_TOKEN_TTL: z.preprocess(emptyToUndefined, z.coerce.number().int().min(3600).default(30 * 86400)),
  TELEGRAM_BOT_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must look like 123456:ABC… (from @BotFather)').optional(),
  ),
  TELEGRAM_API_ROOT: z.preprocess(emptyToUndefined, z.string().url().default('https://api.telegram.org')),
  // webhook mode: Telegram posts updates to this public https URL (…/v1/telegram/webhook) with the secret
  TELEGRAM_WEBHOOK_URL: optionalUrl(['https:']),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 characters of A–Z, a–z, 0–9, _ and -').optional(),
  ),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().default('Звонок <noreply@zvonok.local>')),
  SMS_URL: optionalUrl(['smpp:', 'smpps:', 'https:', 'http:']),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.string().url().default('http://127.0.0.1:3000')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')).transform((v) => v === 'true'),
  DEMO: z.preprocess(emptyToUndefined, z.enum(['auto', 'off']).default('auto')),
  // backups (core/backup): where, how many daily ones to keep, when (UTC), which binaries
  BACKUP_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  BACKUP_KEEP: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(14)),
  BACKUP_AT: z.preprocess(emptyToUndefined, z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|off)$/, 'must be HH:MM (24-hour, UTC) or off').default('02:30')),
  PG_DUMP: z.preprocess(emptyToUndefined, z.string().default('pg_dump')),
  PG_RESTORE: z.preprocess(emptyToUndefined, z.string().default('pg_restore')),
})

export type Env = z.infer<typeof envSchema>

export interface Config {
  readonly env: Env['NODE_ENV']
  readonly databaseUrl: string | undefined
  readonly databasePoolSize: number
  readonly redisUrl: string | undefined
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly jwtSecret: string
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly telegram: {
    readonly token: string | undefined
    readonly apiRoot: string
    /** set: the bot takes updates by webhook at this URL; unset: by long polling */
    readonly webhookUrl?: string | undefined
    /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token; required with webhookUrl */
    readonly webhookSecret?: string | undefined
  }
  readonly smtpUrl: string | undefined
  readonly smtpFrom: string
  readonly smsUrl: string | undefined
  readonly publicUrl: string
  readonly logLevel: Env['LOG_LEVEL']
  readonly trustProxy: boolean
  readonly demo: Env['DEMO']
  readonly backup: {
    /** where backups are written (default DATA_DIR/backups) */
    readonly dir: string
    /** how many daily backups the worker keeps */
    readonly keep: number
    /** the daily backup's time of day, 'HH:MM' in UTC; 'off': no daily backup */
    readonly at: string
    /** pg_dump and pg_restore (names looked up in PATH, or paths) */
    readonly pgDump: string
    readonly pgRestore: string
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment; every bad key is reported at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env)
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`)
  // several processes share one database: they must share the secret too
  if (emptyToUndefined(env.DATABASE_URL) && !emptyToUndefined(env.JWT_SECRET))
    problems.push('JWT_SECRET: required when DATABASE_URL is set (at least 32 characters)')
  if (emptyToUndefined(env.TELEGRAM_WEBHOOK_URL) && !emptyToUndefined(env.TELEGRAM_WEBHOOK_SECRET))
    problems.push('TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set (16–256 characters of A–Z, a–z, 0–9, _ and -)')
  if (!parsed.success || problems.length) throw new ConfigError(problems)
  const e = parsed.data
  const dataDir = path.resolve(e.DATA_DIR)
  let jwtSecret = e.JWT_SECRET
  jwtSecret ??= localJwtSecret(dataDir)
  return Object.freeze({
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    jwtSecret,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    telegram: Object.freeze({
      token: e.TELEGRAM_BOT_TOKEN, apiRoot: e.TELEGRAM_API_ROOT,
      webhookUrl: e.TELEGRAM_WEBHOOK_URL, webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
    }),
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    smsUrl: e.SMS_URL,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    demo: e.DEMO,
    backup: Object.freeze({
      dir: path.resolve(e.BACKUP_DIR ?? path.join(dataDir, 'backups')),
      keep: e.BACKUP_KEEP, at: e.BACKUP_AT, pgDump: e.PG_DUMP, pgRestore: e.PG_RESTORE,
    }),
  })
}

/** In embedded mode the secret is generated once and kept beside the data (mode 0600). */
function localJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret')
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true })
    try {
      writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      // another process created it first: use theirs
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  const secret = readFileSync(file, 'utf8').trim()
  if (secret.length < 32) throw new ConfigError([`JWT_SECRET: ${file} holds fewer than 32 characters; delete it to generate a new one`])
  return secret
}

/** Config for tests and tools: defaults plus overrides, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    DEMO: 'off',
  })
  return Object.freeze({ ...base, ...overrides })
}

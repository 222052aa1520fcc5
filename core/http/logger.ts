import type { LoggerOptions } from 'pino'

/** Paths whose values never reach a log line: passwords, tokens, credentials, cookies. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie',
  'authorization', 'cookie',
  'password', 'oldPassword', 'newPassword', 'passwordHash', 'accessToken', 'refreshToken', 'token', 'secret', 'telegramCode',
  '*.password', '*.oldPassword', '*.newPassword', '*.passwordHash',
  '*.accessToken', '*.refreshToken', '*.token', '*.secret', '*.jwtSecret', '*.telegramCode',
  'config.jwtSecret', 'config.telegram.token', 'config.telegram.webhookSecret', 'webhookSecret', '*.webhookSecret', 'config.databaseUrl', 'config.redisUrl', 'config.smtpUrl', 'config.smsUrl',
]

/** pino options; fastify takes them as `logger`, the CLI passes them to pino(). `stream` is for tests. */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): LoggerOptions & { stream?: NodeJS.WritableStream } {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Query strings can carry one-time codes: log the path only.
    serializers: {
      req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
        id: req.id, method: req.method, path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined, ip: req.ip,
      }),
    },
    ...(stream ? { stream } : {}),
  }
}

/** Channel providers: the notifier's only way out to Telegram, e-mail and SMS. */
import type { Logger } from 'pino'
import type { Config } from '../../core/config/config.ts'
import { createEmailProvider } from './email.ts'
import { createSmsProvider } from './sms.ts'
import { createTelegramProvider } from './telegram.ts'
import type { ChatProvider, EmailProvider, SmsProvider } from './types.ts'

export * from './types.ts'
export { createEmailProvider, type EmailProviderOptions } from './email.ts'
export { createSmsProvider, type SmsProviderOptions } from './sms.ts'
export { smsParts, splitSms, type SmsEncoding, type SmsParts } from './sms-text.ts'
export { createTelegramProvider, type TelegramProviderOptions } from './telegram.ts'

export interface Providers {
  readonly telegram?: ChatProvider
  readonly email?: EmailProvider
  readonly sms?: SmsProvider
}

/**
 * A provider for each configured channel (TELEGRAM_BOT_TOKEN, SMTP_URL, SMS_URL); a channel
 * left unconfigured has none, and the notifier skips it. The SMPP provider connects at once.
 */
export function createProviders(config: Config, log?: Pick<Logger, 'info' | 'warn'>): Providers {
  const { token, apiRoot } = config.telegram
  return {
    ...(token ? { telegram: createTelegramProvider({ token, apiRoot }) } : {}),
    ...(config.smtpUrl ? { email: createEmailProvider({ url: config.smtpUrl, from: config.smtpFrom }) } : {}),
    ...(config.smsUrl ? { sms: createSmsProvider(config.smsUrl, { log }) } : {}),
  }
}

/**
 * Channel providers: one method each (send), so the delivery logic never sees a vendor API.
 * A provider either resolves with the provider's message id or throws a SendError that says
 * what the delivery should do next.
 */

export type ChannelName = 'telegram' | 'email' | 'sms'

export interface SendResult {
  /** the provider's id of the message (Telegram message_id, SMTP Message-ID, SMSC message_id) */
  readonly providerId: string
}

/**
 * - rate_limited: try again after retryAfterMs (Telegram 429 retry_after, SMPP throttling)
 * - transient: the provider or network failed; retry later with backoff (5xx, connection refused)
 * - permanent: this address will not work (bot blocked, chat not found, mailbox rejected,
 *   invalid number); the recipient's next channel is used. `dead` says the address itself is
 *   gone (the Telegram link must be marked dead).
 */
export type SendErrorKind = 'rate_limited' | 'transient' | 'permanent'

export class SendError extends Error {
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly opts: { retryAfterMs?: number; dead?: boolean } = {},
  ) {
    super(message)
    this.name = 'SendError'
  }
}

/** A file sent with a message (a printout's PDF). */
export interface Attachment {
  readonly filename: string
  readonly content: Uint8Array
  /** e.g. application/pdf */
  readonly contentType: string
}

export interface ChatMessage {
  readonly chatId: string
  /** Telegram HTML (parse_mode HTML); with a document, its caption */
  readonly html: string
  /**
   * Sent as a document (sendDocument) with `html` as its caption. A caption longer than Telegram
   * allows (CAPTION_LIMIT characters of text) is sent as a message after the document, which
   * then carries `shortCaption`.
   */
  readonly document?: Attachment & { readonly shortCaption: string }
}

/** Telegram's limit on a caption: characters of text after the HTML entities are parsed. */
export const CAPTION_LIMIT = 1024

export interface ChatProvider {
  send(msg: ChatMessage): Promise<SendResult>
  close?(): Promise<void>
}

export interface EmailMessage {
  readonly to: string
  readonly subject: string
  readonly html: string
  readonly text: string
  /** stable per delivery: a resend after a crash carries the same Message-ID */
  readonly messageId: string
  /**
   * https URL of the preference page; sent as List-Unsubscribe with One-Click (RFC 8058). None
   * for mail that a topic switch cannot stop (the weekly printout follows its own preference).
   */
  readonly unsubscribeUrl?: string
  readonly attachments?: readonly Attachment[]
}

export interface EmailProvider {
  send(msg: EmailMessage): Promise<SendResult>
  close?(): Promise<void>
}

export interface SmsMessage {
  /** E.164 with +, e.g. +79161234567 */
  readonly phone: string
  readonly text: string
}

export interface SmsReceipt {
  readonly providerId: string
  readonly status: 'delivered' | 'failed'
  readonly error?: string
}

export interface SmsProvider {
  send(msg: SmsMessage): Promise<SendResult>
  /** delivery receipts (SMPP deliver_sm with a receipt, or a gateway's status callback/poll) */
  onReceipt(handler: (receipt: SmsReceipt) => void | Promise<void>): void
  close?(): Promise<void>
}

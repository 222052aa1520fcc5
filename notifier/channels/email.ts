import nodemailer, { type NodemailerError } from 'nodemailer'
import { SendError, type EmailMessage, type EmailProvider } from './types.ts'

export interface EmailProviderOptions {
  /** smtp://[user:pass@]host[:port] or smtps://…; STARTTLS is used when the server offers it */
  readonly url: string
  /** From header, e.g. 'Звонок <noreply@school.example>' */
  readonly from: string
  /** pooled connections (default 3) */
  readonly maxConnections?: number
}

/**
 * E-mail over SMTP with a small connection pool. Short timeouts make an SMTP outage fail the
 * send within seconds, so the delivery is retried later instead of holding a worker.
 */
export function createEmailProvider(opts: EmailProviderOptions): EmailProvider {
  const transport = nodemailer.createTransport({
    url: opts.url,
    pool: true,
    maxConnections: opts.maxConnections ?? 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // the pool would resend a message whose connection dropped mid-way up to 5 times; one is
    // enough for a stale pooled connection, the delivery layer owns real retries
    maxRequeues: 1,
  })

  return {
    async send(msg: EmailMessage) {
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: msg.to,
          subject: msg.subject,
          html: msg.html,
          text: msg.text,
          messageId: msg.messageId,
          headers: {
            ...(msg.unsubscribeUrl ? {
              'List-Unsubscribe': `<${msg.unsubscribeUrl}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            } : {}),
            'Auto-Submitted': 'auto-generated',
          },
          ...(msg.attachments?.length ? {
            attachments: msg.attachments.map((a) => ({ filename: a.filename, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength), contentType: a.contentType })),
          } : {}),
        })
        return { providerId: info.messageId }
      } catch (err) {
        throw toSendError(err as NodemailerError)
      }
    },
    async close() {
      transport.close()
    },
  }
}

/**
 * Only a refusal of the recipient or of the message (RCPT TO, DATA) is permanent. nodemailer
 * sets `permanent` next to `responseCode`: a 5xx reply except 503, a session-state error a new
 * connection cures. A 5xx elsewhere (AUTH, MAIL FROM) is our configuration, the same for every
 * message: retried, and visible, until someone fixes it. Errors without a reply are connection
 * trouble (ECONNECTION, ETIMEDOUT, ESOCKET with the errno in originalCode).
 */
function toSendError(err: NodemailerError): SendError {
  if (err.responseCode !== undefined) {
    const refused = err.permanent === true && (err.command === 'RCPT TO' || err.command === 'DATA')
    const what = `SMTP ${err.responseCode} on ${err.command ?? 'send'}: ${firstLine(err.response)}`
    return new SendError(refused ? 'permanent' : 'transient', what)
  }
  // nodemailer's own check of the envelope: 'Invalid recipient …', 'No recipients defined'
  if (err.code === 'EENVELOPE' && /recipient/i.test(err.message)) return new SendError('permanent', err.message)
  return new SendError('transient', `SMTP ${err.originalCode ?? err.code ?? 'error'}: ${err.message}`)
}

function firstLine(response: string | undefined): string {
  return (response ?? '').split(/\r?\n/)[0] ?? ''
}

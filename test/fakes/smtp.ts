/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that parses every accepted message with
 * mailparser, for tests and benchmarks:
 *
 *   const smtp = await startFakeSmtp()
 *   createEmailProvider({ url: smtp.url, from })      // smtp://127.0.0.1:<port>
 *   smtp.rejectRecipient('gone@example.org')          // 550 on RCPT TO
 *   await smtp.stop(); await smtp.start()             // an outage, then the same port again
 *
 * No AUTH, no STARTTLS. A message is in `messages` before the server answers 250, so it is
 * there as soon as the client's send resolves.
 */
import type { AddressInfo, Socket } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface CapturedMail {
  readonly messageId: string | undefined
  /** envelope recipients (RCPT TO) */
  readonly to: string[]
  readonly from: string | undefined
  readonly subject: string | undefined
  readonly text: string | undefined
  readonly html: string | undefined
  /** raw header values by lower-case name, unfolded (the first one when repeated) */
  readonly headers: Record<string, string>
  readonly parsed: ParsedMail
}

export interface FakeSmtp {
  readonly url: string
  readonly port: number
  readonly messages: CapturedMail[]
  /** answer RCPT TO for this address with 550 */
  rejectRecipient(address: string): void
  /** stop listening and cut every open connection, as a crashed server would */
  stop(): Promise<void>
  /** listen again on the same port */
  start(): Promise<void>
  close(): Promise<void>
}

export async function startFakeSmtp(opts: { port?: number } = {}): Promise<FakeSmtp> {
  const messages: CapturedMail[] = []
  const rejected = new Set<string>()
  let server: SMTPServer | undefined
  let sockets = new Set<Socket>()
  let port = opts.port ?? 0

  function create(): SMTPServer {
    return new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onRcptTo(address, _session, callback) {
        if (!rejected.has(address.address.toLowerCase())) return callback()
        const err = Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 })
        callback(err)
      },
      onData(stream, session, callback) {
        simpleParser(stream).then((parsed) => {
          messages.push({
            messageId: parsed.messageId,
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            subject: parsed.subject,
            text: parsed.text,
            html: parsed.html === false ? undefined : parsed.html,
            headers: rawHeaders(parsed),
            parsed,
          })
          callback()
        }, (err: Error) => callback(err))
      },
    })
  }

  async function start(): Promise<void> {
    const s = create()
    sockets = new Set()
    s.server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      // a listen error fails start(); later ones (clients resetting connections) are routine
      s.on('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.server.address() as AddressInfo).port
    server = s
  }

  async function stop(): Promise<void> {
    const s = server
    if (!s) return
    server = undefined
    const closed = new Promise<void>((resolve) => s.server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  await start()
  return {
    get url() {
      return `smtp://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    messages,
    rejectRecipient(address) {
      rejected.add(address.toLowerCase())
    },
    stop,
    start,
    close: stop,
  }
}

function rawHeaders(parsed: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const { key, line } of parsed.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim()
    headers[key] ??= value
  }
  return headers
}

import smpp from 'smpp'
import type { Logger } from 'pino'
import { SendError } from './types.ts'

export interface SmppSessionOptions {
  /** bind, submit_sm and enquire_link answer time (default 15 s) */
  readonly timeoutMs?: number
  readonly enquireLinkMs?: number
  /** reconnect backoff, doubling from min to max (default 1 s … 60 s) */
  readonly reconnectMinMs?: number
  readonly reconnectMaxMs?: number
  readonly log?: Pick<Logger, 'info' | 'warn'>
}

export interface SmppSession {
  /** submit_sm on the bound session; rejects (transient) only when the link fails */
  submit(fields: Record<string, unknown>): Promise<smpp.PDU>
  close(): Promise<void>
}

type Session = smpp.Session
type Waiter = { resolve: (s: Session) => void; reject: (e: SendError) => void }

const transient = (message: string) => new SendError('transient', message)

export function statusName(status: number): string {
  return Object.keys(smpp.errors).find((key) => smpp.errors[key] === status) ?? `0x${status.toString(16)}`
}

/**
 * One bind_transceiver session, opened at once (receipts arrive on it) and reopened with backoff
 * whenever it drops. A submit while binding waits for the bind; a submit while the link is down
 * fails at once, so an outage costs no worker time. smpp 0.5.1 itself never times out nor fails
 * the callbacks of a dead socket: both are done here. Error texts never hold the password.
 */
export function openSmppSession(
  url: URL,
  onDeliver: (pdu: smpp.PDU) => Promise<void>,
  opts: SmppSessionOptions = {},
): SmppSession {
  const timeoutMs = opts.timeoutMs ?? 15_000
  const tls = url.protocol === 'smpps:'
  const target = { host: url.hostname, port: Number(url.port) || (tls ? 3550 : 2775), tls }
  const bind = { system_id: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
  const inFlight = new Set<(err: SendError) => void>()
  let waiters: Waiter[] = []
  let session: Session | undefined
  let state: 'connecting' | 'bound' | 'down' | 'closed' = 'down'
  let lastError = transient('SMPP is not connected')
  let dropReason: SendError | undefined
  let attempts = 0
  let reconnectTimer: NodeJS.Timeout | undefined
  let linkTimer: NodeJS.Timeout | undefined

  function connect(): void {
    state = 'connecting'
    const s = smpp.connect(target)
    session = s
    const bindTimer = setTimeout(() => drop(s, transient('SMPP bind timed out')), timeoutMs)
    s.on(tls ? 'secureConnect' : 'connect', () => {
      s.bind_transceiver(bind, (pdu) => {
        clearTimeout(bindTimer)
        if (pdu.command_status !== smpp.errors.ESME_ROK) return drop(s, transient(`SMPP bind refused: ${statusName(pdu.command_status)}`))
        state = 'bound'
        attempts = 0
        opts.log?.info({ host: target.host }, 'SMPP bound')
        for (const w of waiters.splice(0)) w.resolve(s)
        linkTimer = setInterval(() => checkLink(s), opts.enquireLinkMs ?? 30_000)
      })
    })
    s.on('error', (err: NodeJS.ErrnoException) => drop(s, transient(`SMPP connection error: ${err.code ?? err.message}`)))
    s.on('close', () => {
      clearTimeout(bindTimer)
      onClose(s)
    })
    s.on('deliver_sm', (pdu) => {
      // acknowledged once handled; on failure the SMSC delivers it again later
      onDeliver(pdu).then(
        () => s.send(pdu.response()),
        () => s.send(pdu.response({ command_status: smpp.errors.ESME_RX_T_APPN })),
      )
    })
    s.on('enquire_link', (pdu) => s.send(pdu.response()))
    s.on('unbind', (pdu) => {
      s.send(pdu.response())
      s.close()
    })
  }

  function drop(s: Session, reason: SendError): void {
    dropReason ??= reason
    s.destroy()
  }

  function onClose(s: Session): void {
    if (s !== session) return
    session = undefined
    clearInterval(linkTimer)
    lastError = state === 'closed' ? transient('SMPP provider is closed') : dropReason ?? transient('SMPP connection closed')
    dropReason = undefined
    for (const w of waiters.splice(0)) w.reject(lastError)
    for (const abort of inFlight) abort(lastError)
    if (state === 'closed') return
    opts.log?.warn({ host: target.host, reason: lastError.message }, 'SMPP link down, reconnecting')
    state = 'down'
    const delay = Math.min(opts.reconnectMaxMs ?? 60_000, (opts.reconnectMinMs ?? 1000) * 2 ** attempts++)
    reconnectTimer = setTimeout(connect, delay * (0.8 + Math.random() * 0.4))
  }

  /** A silent SMSC (half-open TCP) is only noticed by an unanswered enquire_link. */
  function checkLink(s: Session): void {
    const timer = setTimeout(() => drop(s, transient('SMPP enquire_link unanswered')), timeoutMs)
    if (!s.enquire_link(() => clearTimeout(timer))) clearTimeout(timer)
  }

  function ready(): Promise<Session> {
    if (state === 'bound' && session) return Promise.resolve(session)
    if (state === 'connecting') return new Promise((resolve, reject) => waiters.push({ resolve, reject }))
    return Promise.reject(lastError)
  }

  connect()

  return {
    async submit(fields) {
      const s = await ready()
      return new Promise((resolve, reject) => {
        const settle = () => {
          clearTimeout(timer)
          inFlight.delete(abort)
        }
        const abort = (err: SendError) => {
          settle()
          reject(err)
        }
        const timer = setTimeout(() => abort(transient(`SMPP submit_sm unanswered after ${timeoutMs} ms`)), timeoutMs)
        inFlight.add(abort)
        const written = s.submit_sm(fields, (pdu) => {
          settle()
          resolve(pdu)
        })
        if (!written) abort(transient('SMPP socket is not writable'))
      })
    },
    async close() {
      const wasBound = state === 'bound'
      state = 'closed'
      clearTimeout(reconnectTimer)
      const s = session
      if (!s || s.socket.destroyed) return
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => s.destroy(), 1000)
        s.socket.once('close', () => {
          clearTimeout(force)
          resolve()
        })
        if (!wasBound || !s.unbind(() => s.close())) s.destroy()
      })
    },
  }
}

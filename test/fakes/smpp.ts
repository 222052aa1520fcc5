/**
 * A fake SMSC for tests and benchmarks: an SMPP 3.4 server (the `smpp` package) on 127.0.0.1.
 * It accepts bind_transceiver with the given credentials, answers submit_sm with a message_id,
 * reassembles concatenated parts (UDH 05 00 03) into one entry of `submits`, and after
 * receiptDelayMs sends a delivery receipt (deliver_sm, esm_class 0x04) for every part:
 *
 *   const smsc = await startFakeSmpp({ systemId: 'zvonok', password: 'secret' })
 *   createSmsProvider(smsc.url)                        // smpp://zvonok:secret@127.0.0.1:<port>
 *   smsc.throttleNext(2)                               // ESME_RTHROTTLED twice
 *   smsc.failReceiptFor('79160000000')                 // stat:UNDELIV instead of DELIVRD
 *
 * To imitate an outage, close() it and start a new one with `port: old.port`.
 */
import type { AddressInfo } from 'node:net'
import smpp from 'smpp'

export interface SmppSubmit {
  /** destination_addr as sent: digits without '+' */
  readonly destination: string
  /** decoded by data_coding, parts joined */
  readonly text: string
  readonly parts: number
  readonly dataCoding: number
  /** message_id answered for the first part */
  readonly messageId: string
}

export interface FakeSmpp {
  readonly url: string
  readonly port: number
  readonly submits: SmppSubmit[]
  /** answer the next n submit_sm with ESME_RTHROTTLED */
  throttleNext(n: number): void
  /** receipts for this destination say stat:UNDELIV */
  failReceiptFor(destination: string): void
  /** submit_sm to this destination is answered with ESME_RINVDSTADR */
  rejectDestination(destination: string): void
  close(): Promise<void>
}

interface Assembly {
  readonly texts: string[]
  readonly ids: string[]
}

export async function startFakeSmpp(opts: { systemId: string; password: string; receiptDelayMs?: number; port?: number }): Promise<FakeSmpp> {
  const submits: SmppSubmit[] = []
  const failing = new Set<string>()
  const invalid = new Set<string>()
  const partials = new Map<string, Assembly>()
  const bound = new Set<smpp.Session>()
  const timers = new Set<NodeJS.Timeout>()
  let throttle = 0
  let lastId = 0

  const server = smpp.createServer((session) => {
    // clients drop connections without unbinding; nothing for the fake to do about it
    session.on('error', () => {})
    session.socket.on('close', () => bound.delete(session))
    session.on('bind_transceiver', (pdu) => {
      if (pdu.system_id !== opts.systemId) return session.send(pdu.response({ command_status: smpp.errors.ESME_RINVSYSID }))
      if (pdu.password !== opts.password) return session.send(pdu.response({ command_status: smpp.errors.ESME_RINVPASWD }))
      bound.add(session)
      session.send(pdu.response({ system_id: 'FAKESMSC' }))
    })
    session.on('enquire_link', (pdu) => session.send(pdu.response()))
    session.on('unbind', (pdu) => {
      session.send(pdu.response())
      session.close()
    })
    session.on('submit_sm', (pdu) => onSubmit(session, pdu))
  })

  function onSubmit(session: smpp.Session, pdu: smpp.PDU): void {
    const destination = pdu.destination_addr ?? ''
    const refuse = (status: number): void => {
      session.send(pdu.response({ command_status: status }))
    }
    if (!bound.has(session)) return refuse(smpp.errors.ESME_RINVBNDSTS)
    if (throttle > 0) {
      throttle--
      return refuse(smpp.errors.ESME_RTHROTTLED)
    }
    if (invalid.has(destination)) return refuse(smpp.errors.ESME_RINVDSTADR)
    const messageId = (++lastId).toString(16).padStart(8, '0')
    session.send(pdu.response({ message_id: messageId }))
    scheduleReceipt(session, pdu.source_addr ?? '', destination, messageId)

    const sm = pdu.short_message
    const decoded = Buffer.isBuffer(sm) ? sm : sm?.message ?? ''
    const text = typeof decoded === 'string' ? decoded : decoded.toString('latin1')
    const dataCoding = pdu.data_coding ?? 0
    // concatenation information element: IEI 00, length 3, reference, total, sequence
    const ie = Buffer.isBuffer(sm) ? undefined : sm?.udh?.find((e) => e[0] === 0x00 && e[1] === 3)
    if (!ie) {
      submits.push({ destination, text, parts: 1, dataCoding, messageId })
      return
    }
    const [ref = 0, total = 1, seq = 1] = ie.subarray(2)
    const key = `${pdu.source_addr}|${destination}|${ref}`
    const partial = partials.get(key) ?? { texts: [], ids: [] }
    partials.set(key, partial)
    partial.texts[seq - 1] = text
    partial.ids[seq - 1] = messageId
    if (partial.texts.filter((t) => t !== undefined).length < total) return
    partials.delete(key)
    submits.push({ destination, text: partial.texts.join(''), parts: total, dataCoding, messageId: partial.ids[0] ?? messageId })
  }

  function scheduleReceipt(session: smpp.Session, source: string, destination: string, id: string): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      // the submitting session, or whichever is bound now if it has gone
      const target = bound.has(session) ? session : [...bound][0]
      if (!target) return
      const failed = failing.has(destination)
      const stat = failed ? 'UNDELIV' : 'DELIVRD'
      const date = new Date().toISOString().replace(/\D/g, '').slice(2, 12)
      target.deliver_sm({
        source_addr: destination, source_addr_ton: 1, source_addr_npi: 1, destination_addr: source,
        esm_class: 0x04, data_coding: 0, receipted_message_id: id, message_state: failed ? 5 : 2,
        short_message: { message: `id:${id} sub:001 dlvrd:${failed ? '000' : '001'} submit date:${date} done date:${date} stat:${stat} err:${failed ? '001' : '000'} text:` },
      })
    }, opts.receiptDelayMs ?? 20)
    timers.add(timer)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `smpp://${encodeURIComponent(opts.systemId)}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`,
    port,
    submits,
    throttleNext(n) {
      throttle = n
    },
    failReceiptFor(destination) {
      failing.add(destination)
    },
    rejectDestination(destination) {
      invalid.add(destination)
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const session of [...server.sessions]) session.destroy()
      await closed
    },
  }
}

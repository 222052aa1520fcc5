import smpp from 'smpp'
import { openSmppSession, statusName, type SmppSessionOptions } from './smpp-session.ts'
import { encodeGsm7, encodeUcs2, splitSms } from './sms-text.ts'
import { SendError, type SmsMessage, type SmsProvider, type SmsReceipt } from './types.ts'

export type SmppOptions = SmppSessionOptions

const FINAL_FAILURES = new Set(['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED'])

/**
 * SMS over SMPP: smpp://system_id:password@host:port?from=Zvonok. Cyrillic goes as UCS-2
 * (data_coding 8), GSM-7 text as data_coding 0; a long text as concatenated parts. The
 * providerId is the SMSC's message_id of the first part.
 */
export function createSmppProvider(url: URL, opts: SmppOptions = {}): SmsProvider {
  const from = url.searchParams.get('from') || 'Zvonok'
  // an alphanumeric sender is TON 5; a number is international (TON 1, NPI 1)
  const source = /^\+?\d+$/.test(from)
    ? { source_addr: from.replace('+', ''), source_addr_ton: 1, source_addr_npi: 1 }
    : { source_addr: from, source_addr_ton: 5, source_addr_npi: 0 }
  const handlers: Array<(receipt: SmsReceipt) => void | Promise<void>> = []
  const session = openSmppSession(url, async (pdu) => {
    const receipt = parseReceipt(pdu)
    if (!receipt) return
    try {
      await Promise.all(handlers.map((h) => h(receipt)))
    } catch (err) {
      opts.log?.warn({ err, providerId: receipt.providerId }, 'SMS receipt handler failed')
      throw err
    }
  }, opts)
  let udhRef = 0

  return {
    async send(msg: SmsMessage) {
      const { encoding, parts } = splitSms(msg.text)
      const ref = (udhRef = (udhRef + 1) & 0xff)
      const ids: string[] = []
      // parts go one by one: if one fails, a retry resends them all (the phone may show a
      // part twice, which beats a message with a hole)
      for (const [i, part] of parts.entries()) {
        const body = encoding === 'ucs2' ? encodeUcs2(part) : encodeGsm7(part)
        // concatenated SMS: UDH 05 00 03 <ref> <total> <seq>; esm_class 0x40 says a UDH leads
        const udh = parts.length > 1 ? Buffer.from([5, 0, 3, ref, parts.length, i + 1]) : undefined
        const resp = await session.submit({
          ...source,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: msg.phone.replace(/^\+/, ''),
          esm_class: udh ? 0x40 : 0,
          registered_delivery: 1,
          data_coding: encoding === 'ucs2' ? 8 : 0,
          short_message: udh ? Buffer.concat([udh, body]) : body,
        })
        if (resp.command_status !== smpp.errors.ESME_ROK) throw submitError(resp.command_status)
        ids.push(resp.message_id ?? '')
      }
      return { providerId: ids[0] ?? '' }
    },
    onReceipt(handler) {
      handlers.push(handler)
    },
    close: () => session.close(),
  }
}

function submitError(status: number): SendError {
  const name = statusName(status)
  if (status === smpp.errors.ESME_RTHROTTLED || status === smpp.errors.ESME_RMSGQFUL) {
    return new SendError('rate_limited', `SMSC throttled the submit: ${name}`, { retryAfterMs: 1000 })
  }
  if (status === smpp.errors.ESME_RINVDSTADR) return new SendError('permanent', `SMSC rejected the number: ${name}`)
  return new SendError('transient', `SMSC refused the submit: ${name}`)
}

/**
 * A delivery receipt is a deliver_sm with esm_class bit 0x04 and the text
 * `id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…`. The
 * receipted_message_id TLV, when present, is the authoritative id (some SMSCs print the id in
 * the text in decimal while submit_sm_resp gave it in hex). Each part of a long message gets
 * its own receipt; only the first part's id matches a providerId. Non-final states (ENROUTE,
 * ACCEPTD, UNKNOWN) and incoming SMS are ignored.
 */
function parseReceipt(pdu: smpp.PDU): SmsReceipt | undefined {
  if (!((pdu.esm_class ?? 0) & 0x04)) return undefined
  const sm = pdu.short_message
  const raw = Buffer.isBuffer(sm) ? sm : sm?.message ?? ''
  const text = typeof raw === 'string' ? raw : raw.toString('latin1')
  const providerId = pdu.receipted_message_id || /\bid:(\S+)/.exec(text)?.[1]
  const stat = /\bstat:(\w+)/.exec(text)?.[1]
  if (!providerId || !stat) return undefined
  if (stat === 'DELIVRD') return { providerId, status: 'delivered' }
  if (!FINAL_FAILURES.has(stat)) return undefined
  const err = /\berr:(\w+)/.exec(text)?.[1]
  return { providerId, status: 'failed', error: err && !/^0+$/.test(err) ? `${stat} err:${err}` : stat }
}

import { createSmppProvider, type SmppOptions } from './sms-smpp.ts'
import { SendError, type SmsMessage, type SmsProvider } from './types.ts'

export type SmsProviderOptions = SmppOptions

/**
 * SMS_URL picks the transport:
 * - smpp://system_id:password@host:port?from=Zvonok (smpps:// for TLS): an SMPP session to the
 *   operator's SMSC, with delivery receipts;
 * - http(s)://host/sms/send?api_id=KEY&from=NAME: an sms.ru-style HTTP gateway, no receipts.
 * The URL carries secrets, so it appears in no error message.
 */
export function createSmsProvider(url: string, opts: SmsProviderOptions = {}): SmsProvider {
  const parsed = new URL(url)
  switch (parsed.protocol) {
    case 'smpp:':
    case 'smpps:':
      return createSmppProvider(parsed, opts)
    case 'http:':
    case 'https:':
      return createHttpSmsProvider(parsed, opts)
    default:
      throw new Error(`SMS_URL: unsupported scheme ${parsed.protocol}// (smpp, smpps, http, https)`)
  }
}

interface GatewayReply {
  status?: string
  status_code?: number
  status_text?: string
  sms?: Record<string, { status?: string; status_code?: number; status_text?: string; sms_id?: string }>
}

// sms.ru: 202 invalid number, 207 no route to the number; everything else may pass later
const INVALID_NUMBER = new Set([202, 207])

/**
 * POST <path> with to, msg, json=1 and the URL's own query parameters (api_id, from…) as a
 * form body: the key goes in the body, never into a URL that a proxy or an error could log.
 */
function createHttpSmsProvider(url: URL, opts: SmsProviderOptions): SmsProvider {
  const endpoint = url.origin + url.pathname
  const fixed = [...url.searchParams]
  const timeoutMs = opts.timeoutMs ?? 15_000

  return {
    async send(msg: SmsMessage) {
      const to = msg.phone.replace(/^\+/, '')
      const body = new URLSearchParams(fixed)
      body.set('to', to)
      body.set('msg', msg.text)
      body.set('json', '1')
      let res: Response
      try {
        res = await fetch(endpoint, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) })
      } catch (err) {
        throw new SendError('transient', `SMS gateway unreachable: ${fetchFailure(err)}`)
      }
      if (!res.ok) {
        await res.body?.cancel()
        if (res.status === 429) {
          const seconds = Number(res.headers.get('retry-after'))
          throw new SendError('rate_limited', 'SMS gateway: HTTP 429', { retryAfterMs: seconds > 0 ? seconds * 1000 : 1000 })
        }
        throw new SendError('transient', `SMS gateway: HTTP ${res.status}`)
      }
      const reply = (await res.json().catch(() => ({}))) as GatewayReply
      if (reply.status !== 'OK') throw new SendError('transient', `SMS gateway error ${reply.status_code ?? '?'}: ${reply.status_text ?? 'no status'}`)
      const result = reply.sms?.[to]
      if (result?.status === 'OK' && result.sms_id) return { providerId: result.sms_id }
      const code = result?.status_code ?? 0
      const kind = INVALID_NUMBER.has(code) ? 'permanent' : 'transient'
      throw new SendError(kind, `SMS gateway refused the message (${code}: ${result?.status_text ?? 'no result for the number'})`)
    },
    /**
     * sms.ru-style gateways report delivery by a callback URL or by polling, neither of which is
     * wired here: handlers are accepted and never called. Receipts come with SMPP.
     */
    onReceipt() {},
  }
}

function fetchFailure(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout'
  const cause = (err as { cause?: { code?: unknown } }).cause
  return typeof cause?.code === 'string' ? cause.code : 'network error'
}

import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { Api, GrammyError, HttpError, InputFile } from 'grammy'
import { CAPTION_LIMIT, SendError, type ChatMessage, type ChatProvider } from './types.ts'

export interface TelegramProviderOptions {
  readonly token: string
  /** https://api.telegram.org, a local Bot API server, or a test fake */
  readonly apiRoot: string
  /** per request; grammY's own default is 500 s, far too long for a delivery worker */
  readonly timeoutSeconds?: number
}

/**
 * Telegram through grammY's bare `Api`: no plugins are installed, so grammY neither retries nor
 * sleeps on 429; the delivery layer decides when to try again from the SendError.
 */
export function createTelegramProvider(opts: TelegramProviderOptions): ChatProvider {
  // our own keep-alive agent (grammY otherwise caches one per apiRoot for the process's
  // lifetime), so close() can release the sockets
  const agent = opts.apiRoot.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const api = new Api(opts.token, {
    apiRoot: opts.apiRoot.replace(/\/+$/, ''),
    timeoutSeconds: opts.timeoutSeconds ?? 30,
    baseFetchConfig: { agent },
  })

  return {
    async send(msg: ChatMessage) {
      try {
        const text = (html: string) => api.sendMessage(msg.chatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } })
        const doc = msg.document
        if (!doc) return { providerId: String((await text(msg.html)).message_id) }
        // a list too long for a caption follows the document as a message of its own
        const fits = captionLength(msg.html) <= CAPTION_LIMIT
        // grammY writes the name unquoted into the multipart header: no spaces in it
        const file = new InputFile(doc.content, doc.filename.replace(/\s+/g, '_'))
        const sent = await api.sendDocument(msg.chatId, file, { caption: fits ? msg.html : doc.shortCaption, parse_mode: 'HTML' })
        if (!fits) await text(msg.html)
        return { providerId: String(sent.message_id) }
      } catch (err) {
        throw toSendError(err)
      }
    },
    async close() {
      agent.destroy()
    },
  }
}

/** The length Telegram checks a caption against: the text without tags, entities decoded, in UTF-16 units. */
export function captionLength(html: string): number {
  return html.replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot);/gi, 'x')
    .length
}

// a 400 that means the chat itself is gone (every 403 does: blocked, kicked, deactivated)
const DEAD_CHAT = /chat not found|PEER_ID_INVALID/i

/** Messages carry the Bot API description only: never the request URL, which holds the token. */
function toSendError(err: unknown): SendError {
  if (err instanceof GrammyError) {
    const what = `Telegram ${err.error_code}: ${err.description}`
    if (err.error_code === 429) {
      return new SendError('rate_limited', what, { retryAfterMs: (err.parameters.retry_after ?? 1) * 1000 })
    }
    if (err.error_code === 403) return new SendError('permanent', what, { dead: true })
    if (err.error_code === 400) return new SendError('permanent', what, { dead: DEAD_CHAT.test(err.description) })
    // 5xx, and 401/404/409, which mean our token or setup is wrong: retry until someone fixes it
    return new SendError('transient', what)
  }
  if (err instanceof HttpError) return new SendError('transient', `${err.message} (${networkDetail(err.error)})`)
  return new SendError('transient', `Telegram send failed: ${err instanceof Error ? err.name : 'unknown error'}`)
}

/**
 * What went wrong on the wire, without the cause's message: node-fetch puts the request URL
 * (and so the token) into it. FetchError has `code` (ECONNREFUSED…) or `type` (invalid-json for
 * an HTML 502 page); grammY's own timeout is a plain Error.
 */
function networkDetail(cause: unknown): string {
  const c = (cause ?? {}) as { code?: unknown; type?: unknown; message?: unknown }
  if (typeof c.code === 'string') return c.code
  if (typeof c.type === 'string') return c.type
  return typeof c.message === 'string' && c.message.includes('timed out') ? 'timeout' : 'network error'
}

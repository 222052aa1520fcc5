/**
 * Replies → Bot API calls. `planReplies` is pure: it turns the conversation layer's Outgoing[]
 * into a list of {method, params}; `executePlan` runs such a list with whatever client the
 * runtime has (grammY's `api.raw`, telegraf's `callApi`), so both runtimes speak the same API.
 *
 * Keyboards: inline buttons go under their message. `askContact` shows a one-time reply keyboard
 * with a «share my number» button (a message carries one keyboard, so it wins over inline
 * buttons; no reply asks for both). That keyboard would otherwise stay in the chat after the
 * person linked: when the input came from the linking flow (a shared contact, `/start`), plain
 * replies carry `remove_keyboard`. It is not sent otherwise, so a school's own telegraf bot
 * keeps whatever reply keyboard it shows.
 */
import type { Outgoing } from '../conversation/types.ts'

/** Telegram's limit for a message's text (after entities are parsed; raw HTML is longer, so safe). */
export const MAX_TEXT = 4096

export interface ApiCall {
  readonly method: string
  readonly params: Record<string, unknown>
  /** run instead when this call is refused with a 400 (an edit of a message that is gone → a new message) */
  readonly fallback?: ApiCall | undefined
}

export interface PlanOptions {
  /** the pressed button's query (answered) and the message it sits under (the one edits replace) */
  readonly callback?: { readonly id: string; readonly messageId: number } | undefined
  /** plain replies remove the reply keyboard (the input was a contact or /start) */
  readonly removeKeyboard?: boolean | undefined
}

const CONTACT_BUTTON = 'Поделиться номером'

export function planReplies(chatId: string, replies: readonly Outgoing[], opts: PlanOptions = {}): ApiCall[] {
  const calls: ApiCall[] = []
  const chat_id = Number(chatId)
  // answer the query first: the button stops spinning while the rest is sent
  if (opts.callback) calls.push({ method: 'answerCallbackQuery', params: { callback_query_id: opts.callback.id } })
  let editable = opts.callback?.messageId

  for (const r of replies) {
    const chunks = r.html ? splitHtml(r.html, MAX_TEXT) : []
    const inline = r.buttons?.length
      ? { inline_keyboard: r.buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))) }
      : undefined
    const markup = r.askContact
      ? { keyboard: [[{ text: CONTACT_BUTTON, request_contact: true }]], one_time_keyboard: true, resize_keyboard: true }
      : inline ?? (opts.removeKeyboard ? { remove_keyboard: true } : undefined)
    const text = (t: string, last: boolean) => ({
      chat_id, text: t, parse_mode: 'HTML', link_preview_options: { is_disabled: true },
      ...(last && markup ? { reply_markup: markup } : {}),
    })
    chunks.forEach((chunk, i) => {
      const last = i === chunks.length - 1
      const send: ApiCall = { method: 'sendMessage', params: text(chunk, last) }
      // only one reply can replace the pressed message, only with inline buttons (or none),
      // and only when it fits in one message
      if (r.edit && editable !== undefined && chunks.length === 1 && !r.askContact) {
        const { chat_id: _c, reply_markup: _m, ...rest } = send.params
        calls.push({
          method: 'editMessageText',
          params: { chat_id, message_id: editable, ...rest, ...(inline ? { reply_markup: inline } : {}) },
          fallback: send,
        })
        editable = undefined
      } else calls.push(send)
    })
    for (const f of r.files ?? []) {
      calls.push(f.kind === 'photo'
        ? { method: 'sendPhoto', params: { chat_id, photo: f.fileId } }
        : { method: 'sendDocument', params: { chat_id, document: f.fileId } })
    }
  }
  return calls
}

/**
 * Splits at line breaks so that every part fits; the templates keep tags within a line, so
 * parts stay valid HTML. A single overlong line is cut hard (it would be refused whole).
 */
export function splitHtml(html: string, max: number): string[] {
  if (html.length <= max) return [html]
  const parts: string[] = []
  let current = ''
  for (const line of html.split('\n')) {
    for (let piece = line; ; ) {
      const candidate = current ? `${current}\n${piece}` : piece
      if (candidate.length <= max) {
        current = candidate
        break
      }
      if (current) {
        parts.push(current)
        current = ''
        continue
      }
      parts.push(piece.slice(0, max))
      piece = piece.slice(max)
      if (!piece) break
    }
  }
  if (current) parts.push(current)
  return parts
}

/** The runtime's client: one Bot API method with its parameters → its result, or a thrown error. */
export type CallApi = (method: string, params: Record<string, unknown>) => Promise<unknown>

export interface ExecutedCall {
  readonly method: string
  readonly params: Record<string, unknown>
  readonly ok: boolean
  readonly result?: unknown
  /** the Bot API's error_code and description when the call was refused */
  readonly error?: { readonly code: number | undefined; readonly description: string } | undefined
}

interface Logger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

/** The longest wait a 429's retry_after gets before the one retry; longer ones are given up. */
const MAX_RETRY_AFTER_S = 10

/**
 * Runs a plan in order. "message is not modified" (the same text pressed twice) counts as done;
 * a refused edit falls back to a new message; a blocked bot or a gone chat stops the plan.
 */
export async function executePlan(plan: readonly ApiCall[], callApi: CallApi, log?: Logger): Promise<ExecutedCall[]> {
  const done: ExecutedCall[] = []
  for (const call of plan) {
    let r = await attempt(call, callApi)
    if (!r.ok && r.error?.code === 400 && /message is not modified/i.test(r.error.description)) {
      done.push({ ...r, ok: true })
      continue
    }
    if (!r.ok && r.error?.code === 400 && call.fallback) {
      done.push(r)
      r = await attempt(call.fallback, callApi)
    }
    done.push(r)
    if (!r.ok) {
      const chatId = call.params.chat_id
      if (r.error?.code === 403 || /chat not found/i.test(r.error?.description ?? '')) {
        log?.info({ chatId, method: call.method, code: r.error?.code }, 'the chat cannot be written to; the rest of the reply is dropped')
        break
      }
      log?.warn({ chatId, method: call.method, code: r.error?.code, description: r.error?.description }, 'a Bot API call was refused')
    }
  }
  return done
}

async function attempt(call: ApiCall, callApi: CallApi): Promise<ExecutedCall> {
  for (let retried = false; ; retried = true) {
    try {
      const result = await callApi(call.method, call.params)
      return { method: call.method, params: call.params, ok: true, result }
    } catch (err) {
      const error = describeError(err)
      const wait = retryAfterOf(err)
      if (!retried && error.code === 429 && wait !== undefined && wait <= MAX_RETRY_AFTER_S) {
        await new Promise((r) => setTimeout(r, wait * 1000))
        continue
      }
      return { method: call.method, params: call.params, ok: false, error }
    }
  }
}

/** grammY's GrammyError (error_code) and telegraf's TelegramError (code) both carry the API's answer. */
export function describeError(err: unknown): { code: number | undefined; description: string } {
  const e = err as { error_code?: unknown; code?: unknown; description?: unknown; message?: unknown }
  const code = typeof e?.error_code === 'number' ? e.error_code : typeof e?.code === 'number' ? e.code : undefined
  const description = typeof e?.description === 'string' ? e.description : String(e?.message ?? err)
  return { code, description }
}

function retryAfterOf(err: unknown): number | undefined {
  const e = err as { parameters?: { retry_after?: unknown }; response?: { parameters?: { retry_after?: unknown } } }
  const v = e?.parameters?.retry_after ?? e?.response?.parameters?.retry_after
  return typeof v === 'number' ? v : undefined
}

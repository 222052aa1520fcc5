/**
 * A fake Telegram Bot API for tests and benchmarks: a real HTTP server on 127.0.0.1 that grammY
 * (or any client) talks to through `apiRoot`. It serves POST /bot<token>/<method> with JSON or
 * form bodies, records every accepted sendMessage, and can be told to fail:
 *
 *   const tg = await startFakeTelegram({ token })
 *   tg.failNext('42', telegramErrors.blocked)        // the next send to chat 42 gets a 403
 *   tg.setRateLimit({ total: 30, perChat: 1 })        // enforce limits like Telegram's, 429 above them
 *   tg.onMethod('getUpdates', () => [])               // answer other methods
 *
 * A rejected request is never recorded in `sent`. getMe is answered by default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeResponse {
  readonly status: number
  /** a Bot API error object, or a string sent as text/html (a proxy's 502 page) */
  readonly body: unknown
}

const apiError = (code: number, description: string, parameters?: object): FakeResponse =>
  ({ status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } })

/** Errors the Bot API really answers with. */
export const telegramErrors = {
  tooMany: (retryAfter = 1) => apiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
  blocked: apiError(403, 'Forbidden: bot was blocked by the user'),
  deactivated: apiError(403, 'Forbidden: user is deactivated'),
  chatNotFound: apiError(400, 'Bad Request: chat not found'),
  badHtml: apiError(400, "Bad Request: can't parse entities: Unsupported start tag \"foo\""),
  internal: apiError(500, 'Internal Server Error'),
  badGateway: { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' } satisfies FakeResponse,
}

export interface SentMessage {
  readonly chatId: string
  readonly text: string
  readonly parseMode: string | undefined
  readonly at: number
}

export type MethodHandler = (params: Record<string, unknown>) => unknown

export interface FakeTelegram {
  /** pass as grammY's apiRoot */
  readonly apiRoot: string
  /** when set, requests with any other token get 401 */
  readonly token: string | undefined
  readonly port: number
  readonly sent: SentMessage[]
  counts(): { requests: number; sent: number; tooMany: number; failed: number }
  /** the next `times` sendMessage to chatId ('*': to any chat) get `response` */
  failNext(chatId: string, response: FakeResponse, times?: number): void
  /** sendMessage per rolling second, overall and per chat; above it a 429 with retry_after 1 */
  setRateLimit(limit: { total?: number; perChat?: number } | null): void
  /** delay before every answer, to imitate the network */
  setDelay(ms: number): void
  /** the result of another method (getUpdates, setWebhook…): a value, or a FakeResponse to fail */
  onMethod(name: string, handler: MethodHandler): void
  close(): Promise<void>
}

export async function startFakeTelegram(opts: { token?: string; port?: number } = {}): Promise<FakeTelegram> {
  const sent: SentMessage[] = []
  const stats = { requests: 0, sent: 0, tooMany: 0, failed: 0 }
  const failures: Array<{ chatId: string; response: FakeResponse; left: number }> = []
  const methods = new Map<string, MethodHandler>()
  let limit: { total?: number; perChat?: number } | null = null
  let delayMs = 0
  let messageId = 0
  // accepted sendMessage times, for the rolling-second limits
  const recent: Array<{ chatId: string; at: number }> = []

  const botId = Number(opts.token?.split(':')[0]) || 100000001
  methods.set('getMe', () => ({ id: botId, is_bot: true, first_name: 'Zvonok', username: 'zvonok_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false }))

  function sendMessage(params: Record<string, unknown>): FakeResponse {
    const chatId = String(params.chat_id)
    const failure = failures.find((f) => f.chatId === chatId || f.chatId === '*')
    if (failure) {
      if (--failure.left <= 0) failures.splice(failures.indexOf(failure), 1)
      stats.failed++
      return failure.response
    }
    const now = Date.now()
    while (recent.length && now - recent[0]!.at >= 1000) recent.shift()
    if (limit && ((limit.total !== undefined && recent.length >= limit.total) ||
        (limit.perChat !== undefined && recent.filter((r) => r.chatId === chatId).length >= limit.perChat))) {
      stats.tooMany++
      return telegramErrors.tooMany(1)
    }
    recent.push({ chatId, at: now })
    const text = String(params.text ?? '')
    sent.push({ chatId, text, parseMode: typeof params.parse_mode === 'string' ? params.parse_mode : undefined, at: now })
    stats.sent++
    return ok({ message_id: ++messageId, chat: { id: Number(chatId) || chatId, type: 'private' }, date: Math.floor(now / 1000), text })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++
    const url = new URL(req.url ?? '/', 'http://fake')
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname)
    const params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) }
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    let answer: FakeResponse
    if (!match) answer = apiError(404, 'Not Found')
    else if (opts.token && match[1] !== opts.token) answer = apiError(401, 'Unauthorized')
    else if (match[2] === 'sendMessage') answer = sendMessage(params)
    else {
      const handler = methods.get(match[2]!)
      const result = handler ? await handler(params) : undefined
      answer = !handler ? apiError(404, 'Not Found: method not found') : isFakeResponse(result) ? result : ok(result)
    }
    const html = typeof answer.body === 'string'
    res.writeHead(answer.status, { 'content-type': html ? 'text/html' : 'application/json' })
    res.end(html ? answer.body : JSON.stringify(answer.body))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: false, error_code: 500, description: `fake: ${String(err)}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token: opts.token,
    port,
    sent,
    counts: () => ({ ...stats }),
    failNext(chatId, response, times = 1) {
      failures.push({ chatId, response, left: times })
    },
    setRateLimit(l) {
      limit = l
    },
    setDelay(ms) {
      delayMs = ms
    },
    onMethod(name, handler) {
      methods.set(name, handler)
    },
    async close() {
      // clients keep connections alive; without this close() would wait for them
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const ok = (result: unknown): FakeResponse => ({ status: 200, body: { ok: true, result } })

function isFakeResponse(v: unknown): v is FakeResponse {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks).toString('utf8')
  if (!raw) return {}
  if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(raw) as Record<string, unknown>
  return Object.fromEntries(new URLSearchParams(raw))
}

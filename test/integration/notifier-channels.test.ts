import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { testConfig } from '../../core/config/config.ts'
import {
  createEmailProvider, createProviders, createSmsProvider, createTelegramProvider,
  SendError, type ChatProvider, type EmailProvider, type SmsProvider, type SmsReceipt,
} from '../../notifier/channels/index.ts'
import { startFakeSmpp, type FakeSmpp } from '../fakes/smpp.ts'
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts'
import { startFakeTelegram, telegramErrors, type FakeTelegram } from '../fakes/telegram-api.ts'

/** The SendError a send rejected with. */
async function failure(send: Promise<unknown>): Promise<SendError> {
  const err = await send.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof SendError)) throw new Error(`expected a SendError, got ${String(err)}`)
  return err
}

const TOKEN = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz'

describe('Telegram through grammY', () => {
  let tg: FakeTelegram
  let chat: ChatProvider
  beforeAll(async () => {
    tg = await startFakeTelegram({ token: TOKEN })
    chat = createTelegramProvider({ token: TOKEN, apiRoot: tg.apiRoot })
  })
  afterAll(async () => {
    await chat?.close?.()
    await tg?.close()
  })

  test('sends HTML and returns the message_id', async () => {
    const { providerId } = await chat.send({ chatId: '1001', html: '<b>5</b> по алгебре' })
    expect(tg.sent.at(-1)).toMatchObject({ chatId: '1001', text: '<b>5</b> по алгебре', parseMode: 'HTML' })
    expect(providerId).toMatch(/^\d+$/)
  })

  test('429 is rate_limited with retry_after, and grammY does not wait it out', async () => {
    tg.failNext('1002', telegramErrors.tooMany(7))
    const started = Date.now()
    const err = await failure(chat.send({ chatId: '1002', html: 'x' }))
    expect([err.kind, err.opts.retryAfterMs]).toEqual(['rate_limited', 7000])
    expect(Date.now() - started).toBeLessThan(1000)
  })

  test('blocked bot and missing chat are permanent and dead; bad HTML is permanent only', async () => {
    tg.failNext('1003', telegramErrors.blocked)
    tg.failNext('1004', telegramErrors.chatNotFound)
    tg.failNext('1005', telegramErrors.badHtml)
    for (const [chatId, dead] of [['1003', true], ['1004', true], ['1005', false]] as const) {
      const err = await failure(chat.send({ chatId, html: 'x' }))
      expect([err.kind, err.opts.dead ?? false]).toEqual(['permanent', dead])
    }
    expect(tg.sent.filter((m) => ['1003', '1004', '1005'].includes(m.chatId))).toEqual([])
  })

  test('500, an HTML 502 page and a refused connection are transient, without the token', async () => {
    tg.failNext('1006', telegramErrors.internal)
    tg.failNext('1006', telegramErrors.badGateway)
    const dead = createTelegramProvider({ token: TOKEN, apiRoot: 'http://127.0.0.1:1' })
    const errors = [
      await failure(chat.send({ chatId: '1006', html: 'x' })),
      await failure(chat.send({ chatId: '1006', html: 'x' })),
      await failure(dead.send({ chatId: '1006', html: 'x' })),
    ]
    await dead.close?.()
    expect(errors.map((e) => e.kind)).toEqual(['transient', 'transient', 'transient'])
    expect(errors[2]?.message).toContain('ECONNREFUSED')
    for (const e of errors) expect(e.message).not.toContain(TOKEN.split(':')[1])
  })

  test('the fake enforces per-chat and overall limits with 429s that are not recorded', async () => {
    tg.setRateLimit({ perChat: 1 })
    const results = await Promise.allSettled([1, 2, 3].map(() => chat.send({ chatId: '1007', html: 'x' })))
    tg.setRateLimit(null)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as SendError] : []))
    expect(rejected.map((e) => [e.kind, e.opts.retryAfterMs])).toEqual([['rate_limited', 1000], ['rate_limited', 1000]])
    expect(tg.counts().tooMany).toBe(2)
    expect(tg.sent.filter((m) => m.chatId === '1007')).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    tg.setRateLimit({ total: 2 })
    const overall = await Promise.allSettled(['1008', '1009', '1010'].map((chatId) => chat.send({ chatId, html: 'x' })))
    tg.setRateLimit(null)
    expect(overall.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected'])
  })
})

describe('e-mail through nodemailer and smtp-server', () => {
  let smtp: FakeSmtp
  let email: EmailProvider
  const mail = (n: number, to = `parent${n}@example.org`) => ({
    to, subject: 'Оценка по алгебре', html: '<p>Пётр получил <b>5</b></p>', text: 'Пётр получил 5',
    messageId: `<delivery-${n}@zvonok.test>`, unsubscribeUrl: `https://zvonok.test/prefs/${n}`,
  })
  beforeAll(async () => {
    smtp = await startFakeSmtp()
    email = createEmailProvider({ url: smtp.url, from: 'Звонок <noreply@zvonok.test>' })
  })
  afterAll(async () => {
    await email?.close?.()
    await smtp?.close()
  })

  test('HTML, text and the unsubscribe headers arrive under our Message-ID', async () => {
    const { providerId } = await email.send(mail(1))
    expect(providerId).toBe('<delivery-1@zvonok.test>')
    const got = smtp.messages.find((m) => m.messageId === providerId)
    expect(got).toMatchObject({ to: ['parent1@example.org'], subject: 'Оценка по алгебре', html: '<p>Пётр получил <b>5</b></p>' })
    expect(got?.text?.trim()).toBe('Пётр получил 5')
    expect(got?.parsed.from?.value).toEqual([{ name: 'Звонок', address: 'noreply@zvonok.test' }])
    expect(got?.headers).toMatchObject({
      'list-unsubscribe': '<https://zvonok.test/prefs/1>',
      'list-unsubscribe-post': 'List-Unsubscribe=One-Click',
      'auto-submitted': 'auto-generated',
    })
  })

  test('a rejected mailbox is permanent, not dead', async () => {
    smtp.rejectRecipient('gone@example.org')
    const err = await failure(email.send(mail(2, 'gone@example.org')))
    expect([err.kind, err.opts.dead]).toEqual(['permanent', undefined])
    expect(err.message).toContain('550')
  })

  test('a stopped server fails fast as transient; the same provider works once it is back', async () => {
    await smtp.stop()
    const started = Date.now()
    const err = await failure(email.send(mail(3)))
    expect(err.kind).toBe('transient')
    expect(Date.now() - started).toBeLessThan(3000)
    await smtp.start()
    expect(await email.send(mail(4))).toEqual({ providerId: '<delivery-4@zvonok.test>' })
  })
})

describe('SMS over SMPP', () => {
  let smsc: FakeSmpp
  let sms: SmsProvider
  const receipts: SmsReceipt[] = []
  // enquire_link every 100 ms keeps the link check running through the tests
  const opts = { reconnectMinMs: 50, reconnectMaxMs: 200, enquireLinkMs: 100 }
  beforeAll(async () => {
    smsc = await startFakeSmpp({ systemId: 'zvonok', password: 'pw-9x7' })
    sms = createSmsProvider(`${smsc.url}?from=Zvonok`, opts)
    sms.onReceipt((r) => { receipts.push(r) })
  })
  afterAll(async () => {
    await sms?.close?.()
    await smsc?.close()
  })

  test('60 Cyrillic characters go as one UCS-2 part, decoded exactly', async () => {
    const text = 'Пётр Иванов получил «5» по алгебре за контрольную работу №3.'
    expect(text).toHaveLength(60)
    const { providerId } = await sms.send({ phone: '+79161234501', text })
    expect(smsc.submits.at(-1)).toEqual({ destination: '79161234501', text, parts: 1, dataCoding: 8, messageId: providerId })
  })

  test('150 Cyrillic characters go as 3 concatenated parts; long Latin as 2 GSM-7 parts', async () => {
    const text = 'Щ'.repeat(75) + 'ю'.repeat(75)
    const { providerId } = await sms.send({ phone: '+79161234502', text })
    expect(smsc.submits.at(-1)).toEqual({ destination: '79161234502', text, parts: 3, dataCoding: 8, messageId: providerId })
    // 200 septets (each € takes two): two GSM-7 parts
    const latin = 'Petr: 5 (algebra) 100€. '.repeat(8)
    await sms.send({ phone: '+79161234503', text: latin })
    expect(smsc.submits.at(-1)).toMatchObject({ text: latin, parts: 2, dataCoding: 0 })
  })

  test('receipts arrive through onReceipt with the id send returned', async () => {
    smsc.failReceiptFor('79161234505')
    const ok = await sms.send({ phone: '+79161234504', text: 'Ok' })
    const failed = await sms.send({ phone: '+79161234505', text: 'No' })
    await vi.waitFor(() => {
      expect(receipts).toContainEqual({ providerId: ok.providerId, status: 'delivered' })
      expect(receipts).toContainEqual({ providerId: failed.providerId, status: 'failed', error: 'UNDELIV err:001' })
    })
  })

  test('throttling is rate_limited, an invalid number permanent', async () => {
    smsc.throttleNext(1)
    const throttled = await failure(sms.send({ phone: '+79161234506', text: 'x' }))
    expect([throttled.kind, throttled.opts.retryAfterMs]).toEqual(['rate_limited', 1000])
    smsc.rejectDestination('79161234507')
    expect((await failure(sms.send({ phone: '+79161234507', text: 'x' }))).kind).toBe('permanent')
  })

  test('a wrong password is transient and the message does not carry it', async () => {
    const wrong = createSmsProvider(`smpp://zvonok:hunter2@127.0.0.1:${smsc.port}`, opts)
    const err = await failure(wrong.send({ phone: '+79161234508', text: 'x' }))
    await wrong.close?.()
    expect(err.kind).toBe('transient')
    expect(err.message).toContain('ESME_RINVPASWD')
    expect(err.message).not.toContain('hunter2')
  })

  test('the provider reconnects after the SMSC goes away and comes back', async () => {
    const port = smsc.port
    await smsc.close()
    expect((await failure(sms.send({ phone: '+79161234509', text: 'x' }))).kind).toBe('transient')
    smsc = await startFakeSmpp({ systemId: 'zvonok', password: 'pw-9x7', port })
    await vi.waitFor(() => sms.send({ phone: '+79161234509', text: 'back' }), { timeout: 5000, interval: 100 })
    expect(smsc.submits.map((s) => s.text)).toEqual(['back'])
  })
})

describe('SMS over an sms.ru-style HTTP gateway', () => {
  let gateway: Server
  let base: string
  const calls: Array<{ path: string | undefined; form: Record<string, string> }> = []
  beforeAll(async () => {
    gateway = createServer(async (req, res) => {
      let raw = ''
      for await (const chunk of req) raw += String(chunk)
      const form = Object.fromEntries(new URLSearchParams(raw))
      calls.push({ path: req.url, form })
      if (form.to === '79990000500') return void res.writeHead(500).end('oops')
      if (form.to === '79990000429') return void res.writeHead(429, { 'retry-after': '3' }).end()
      const number = form.to === '70000000000'
        ? { status: 'ERROR', status_code: 202, status_text: 'Неправильно указан номер телефона получателя' }
        : { status: 'OK', status_code: 100, sms_id: '000000-10000001' }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'OK', status_code: 100, sms: { [form.to ?? '']: number }, balance: 100 }))
    })
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => gateway?.close(() => resolve())))

  test('posts the form with the URL parameters, api_id out of the URL; maps number errors, 5xx and 429', async () => {
    const sms = createSmsProvider(`${base}/sms/send?api_id=SECRET-KEY&from=Zvonok`)
    expect(await sms.send({ phone: '+79161234510', text: 'Пётр: 5' })).toEqual({ providerId: '000000-10000001' })
    expect(calls.at(-1)).toEqual({ path: '/sms/send', form: { api_id: 'SECRET-KEY', from: 'Zvonok', to: '79161234510', msg: 'Пётр: 5', json: '1' } })
    const invalid = await failure(sms.send({ phone: '+70000000000', text: 'x' }))
    expect([invalid.kind, invalid.message.includes('SECRET-KEY')]).toEqual(['permanent', false])
    expect((await failure(sms.send({ phone: '+79990000500', text: 'x' }))).kind).toBe('transient')
    const limited = await failure(sms.send({ phone: '+79990000429', text: 'x' }))
    expect([limited.kind, limited.opts.retryAfterMs]).toEqual(['rate_limited', 3000])
  })
})

test('createProviders makes a provider for each configured channel only', async () => {
  expect(createProviders(testConfig())).toEqual({})
  const [tg, smtp, smsc] = await Promise.all([startFakeTelegram(), startFakeSmtp(), startFakeSmpp({ systemId: 'z', password: 'p' })])
  const providers = createProviders(testConfig({ telegram: { token: TOKEN, apiRoot: tg.apiRoot }, smtpUrl: smtp.url, smsUrl: smsc.url }))
  try {
    await providers.telegram?.send({ chatId: '1', html: 'x' })
    await providers.email?.send({ to: 'a@example.org', subject: 's', html: 'h', text: 't', messageId: '<p-1@zvonok.test>', unsubscribeUrl: 'https://zvonok.test/u' })
    await providers.sms?.send({ phone: '+79160000001', text: 'x' })
    expect([tg.sent.length, smtp.messages.length, smsc.submits.length]).toEqual([1, 1, 1])
  } finally {
    await Promise.all([providers.telegram?.close?.(), providers.email?.close?.(), providers.sms?.close?.()])
    await Promise.all([tg.close(), smtp.close(), smsc.close()])
  }
})

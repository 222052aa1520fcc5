/**
 * Who gets the weekly diary printout and how (school14 4.6.5, school26 1.6), end to end: the
 * guardians' choices through the HTTP API, then the real notifier (bull on the real Redis) on a
 * Saturday afternoon, sending through nodemailer to a local SMTP server and through grammY to
 * the fake Bot API; the PDFs are read back with pdf.js.
 *
 * 7А (the journal fixture): Анна's guardian takes the week by e-mail, Борис's and Вера's on
 * paper, Глеб's nothing. 8Б: its one guardian takes e-mail (and keeps quiet hours 14:00–17:00),
 * nobody paper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays, addMark, generateLessons, setClassTeacher, weekday, zonedInstant } from '../../core/journal/index.ts'
import { weekLabel } from '../../core/printouts/diary-week.ts'
import { CAPTION_LIMIT, createTelegramProvider, SendError } from '../../notifier/channels/index.ts'
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts'
import { startFakeTelegram, telegramErrors, type FakeTelegram } from '../fakes/telegram-api.ts'
import { bearer, createAccount, createClass, createPerson, createTestApp, login, type TestApp, type Tokens } from '../helpers/app.ts'
import { buildJournal, linkChat, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'
import { sleep, startTestNotifier, TOKEN, waitFor, type TestNotifier } from '../helpers/notifier.ts'
import { pdfPageCount, pdfText } from '../helpers/pdf.ts'

let t: TestApp, f: JournalFixture
let c8b: string, student8b: string, guardian8b: string
const tok: Record<'guardian0' | 'classTeacher' | 'secretary' | 'otherClassTeacher', Tokens> = {} as never
const CHAT_7A = 7001, CHAT_8B = 8001

// the last whole week: Monday..Saturday on or before today
const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date())
const saturday = addDays(today, -((weekday(today) + 1) % 7))
const monday = addDays(saturday, -5)
const friday = addDays(saturday, -1)
// the fixture teaches every day, Sunday too: the page (and so the message) runs to Sunday
const sunday = addDays(saturday, 1)
const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`
const at = (date: string, time: string) => zonedInstant(date, time, ZONE)

async function call(who: Tokens, method: 'GET' | 'PUT', url: string, payload?: object) {
  const res = await t.app.inject({ method, url: `/v1${url}`, headers: bearer(who), ...(payload ? { payload } : {}) })
  return { status: res.statusCode, body: res.json() }
}
const g = (i: number) => f.students[i]!.guardianId

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 4 })
  // this week and the next, whatever day today is (the fixture's lessons are today ± 7 days)
  await generateLessons(t.sql, f.admin, f.schoolId, { from: monday, to: addDays(monday, 13), classId: f.classId })
  await addMark(t.sql, f.teacher, (await t.sql<{ id: string }[]>`
    select id from lessons where class_id = ${f.classId} and date = ${monday} and lesson_number = 1`)[0]!.id,
  { studentId: f.students[0]!.id, value: 5 })

  const account = (personId: string | undefined, roles: NonNullable<Parameters<typeof createAccount>[1]>['roles']) =>
    createAccount(t.sql, { ...(personId ? { personId } : {}), roles }).then((a) => login(t.app, a))
  tok.guardian0 = await account(g(0), [{ role: 'guardian', schoolId: f.schoolId }])
  tok.classTeacher = await account(f.classTeacherId, [
    { role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: f.classId },
  ])
  tok.secretary = await account(undefined, [{ role: 'secretary', schoolId: f.schoolId }])

  c8b = await createClass(t.sql, f.schoolId, 8, 'Б')
  const teacher8b = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Другова', firstName: 'Ирина' })
  await setClassTeacher(t.sql, f.admin, c8b, teacher8b)
  tok.otherClassTeacher = await account(teacher8b, [
    { role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: c8b },
  ])
  student8b = await createPerson(t.sql, f.schoolId, 'student', { classId: c8b, lastName: 'Восьмая', firstName: 'Ольга' })
  guardian8b = await createPerson(t.sql, f.schoolId, 'guardian', { guardianOf: [student8b], lastName: 'Восьмой', firstName: 'Олег' })
  await t.sql`update persons set email = 'oleg.8b@example.org' where id = ${guardian8b}`
  await t.sql`insert into notification_settings (person_id, enabled, quiet_from, quiet_to) values (${guardian8b}, true, '14:00', '17:00')`
  await linkChat(t.sql, f.classTeacherId, CHAT_7A)
  await linkChat(t.sql, teacher8b, CHAT_8B)
})
afterAll(async () => { await t?.close() })

describe('the printout preference (school14 4.6.5)', () => {
  it('a guardian sees none at first; e-mail without an address on the card is refused with a clear problem', async () => {
    expect((await call(tok.guardian0, 'GET', `/guardians/${g(0)}/printout-preference`)).body)
      .toEqual({ personId: g(0), weekly: 'none', hasEmail: false, setAt: null })
    const refused = await call(tok.guardian0, 'PUT', `/guardians/${g(0)}/printout-preference`, { weekly: 'email' })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({ code: 'rule_violation', issues: [{ path: 'weekly', message: 'email_address_missing' }] })
    expect(refused.body.detail).toMatch(/no e-mail address/)
    expect(await t.sql`select 1 from printout_preferences where person_id = ${g(0)}`).toHaveLength(0)
  })

  it('with an address the guardian chooses e-mail; the change is audited with before and after, a repeat is not', async () => {
    await t.sql`update persons set email = 'maria.0@example.org' where id = ${g(0)}`
    const r = await call(tok.guardian0, 'PUT', `/guardians/${g(0)}/printout-preference`, { weekly: 'email' })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ personId: g(0), weekly: 'email', hasEmail: true })
    expect(await call(tok.guardian0, 'PUT', `/guardians/${g(0)}/printout-preference`, { weekly: 'email' })).toMatchObject({ status: 200 })
    const audit = await t.sql<{ action: string; before: unknown; after: unknown; entityType: string }[]>`
      select action, before, after, entity_type from audit_log where entity_id = ${g(0)} and action like 'printout.%'`
    expect(audit).toEqual([{ action: 'printout.preference_set', entityType: 'person', before: { weekly: 'none' }, after: { weekly: 'email' } }])
  })

  it("the child's class teacher and the secretary record paper for guardians who refuse electronic access", async () => {
    expect(await call(tok.classTeacher, 'PUT', `/guardians/${g(1)}/printout-preference`, { weekly: 'paper' })).toMatchObject({ status: 200, body: { weekly: 'paper' } })
    expect(await call(tok.secretary, 'PUT', `/guardians/${g(2)}/printout-preference`, { weekly: 'paper' })).toMatchObject({ status: 200, body: { weekly: 'paper' } })
    expect(await call(tok.secretary, 'PUT', `/guardians/${guardian8b}/printout-preference`, { weekly: 'email' })).toMatchObject({ status: 200 })
  })

  it("another class's teacher may neither set nor read it, nor the class's list; a guardian may not set another's", async () => {
    expect((await call(tok.otherClassTeacher, 'PUT', `/guardians/${g(1)}/printout-preference`, { weekly: 'none' })).status).toBe(403)
    expect((await call(tok.otherClassTeacher, 'GET', `/guardians/${g(1)}/printout-preference`)).status).toBe(403)
    expect((await call(tok.otherClassTeacher, 'GET', `/classes/${f.classId}/printout-recipients`)).status).toBe(403)
    expect((await call(tok.guardian0, 'PUT', `/guardians/${g(1)}/printout-preference`, { weekly: 'none' })).status).toBe(404)
    // a student is not a guardian
    expect((await call(tok.secretary, 'PUT', `/guardians/${f.students[0]!.id}/printout-preference`, { weekly: 'paper' })).status).toBe(404)
    expect((await t.sql`select weekly from printout_preferences where person_id = ${g(1)}`)[0]).toEqual({ weekly: 'paper' })
  })

  it('the class teacher sees who gets paper and who e-mail: names, no contacts', async () => {
    const r = await call(tok.classTeacher, 'GET', `/classes/${f.classId}/printout-recipients`)
    expect(r.status).toBe(200)
    const line = (i: number) => ({
      guardian: { personId: g(i), lastName: `Родителева${i}`, firstName: 'Мария', middleName: 'Петрович' },
      student: { personId: f.students[i]!.id, lastName: `Ученикова${i}`, firstName: f.students[i]!.firstName, middleName: 'Петрович' },
    })
    expect(r.body).toEqual({ classId: f.classId, classLabel: '7А', paper: [line(1), line(2)], email: [{ ...line(0), hasEmail: true }] })
    expect(JSON.stringify(r.body)).not.toContain('@')
  })
})

describe('on Saturday afternoon the notifier sends the week', () => {
  let tg: FakeTelegram, smtp: FakeSmtp, n: TestNotifier
  const dueKeys = () => t.sql<{ key: string }[]>`
    select dedupe_key as key from deliveries where dedupe_key like 'diary_week:%' or dedupe_key like 'paper_bundle:%' order by 1`
  const diaryMails = (to: string) => smtp.messages.filter((m) => m.to.includes(to) && m.parsed.attachments.length > 0)
  const documents = (chat: number) => tg.messages(chat).filter((m) => m.kind === 'document')

  beforeAll(async () => {
    tg = await startFakeTelegram({ token: TOKEN })
    smtp = await startFakeSmtp()
    n = await startTestNotifier(t.sql, { today: f.today, smtpUrl: smtp.url, telegramApiRoot: tg.apiRoot, redis: true })
  })
  afterAll(async () => {
    await n?.stop()
    await Promise.all([tg?.close(), smtp?.close()])
  })

  it('nothing on Friday evening or on Saturday before 16:00', async () => {
    n.setClock(at(friday, '18:00'))
    await n.notifier.tick()
    n.setClock(at(saturday, '15:59'))
    await n.notifier.tick()
    expect(await dueKeys()).toEqual([])
  })

  it('at 16:00 one delivery per e-mail guardian and child, one bundle for 7А, none for 8Б', async () => {
    await smtp.stop() // the mail server is down: the first attempt fails after the PDF is made
    n.setClock(at(saturday, '16:00:30'))
    await n.notifier.tick()
    expect((await dueKeys()).map((r) => r.key)).toEqual([
      `diary_week:${f.students[0]!.id}:${monday}`, `diary_week:${student8b}:${monday}`, `paper_bundle:${f.classId}:${monday}`,
    ].sort())
    const [bundle] = await t.sql<{ personId: string; channel: string; payload: Record<string, unknown> }[]>`
      select person_id, channel, payload from deliveries where dedupe_key like 'paper_bundle:%'`
    expect(bundle).toMatchObject({ personId: f.classTeacherId, channel: 'telegram', payload: { report: 'paper_bundle', classId: f.classId, from: monday, to: saturday } })
    // quiet hours defer the week, as they defer reports
    expect(await t.sql`select channel, status, not_before, payload from deliveries where person_id = ${guardian8b}`).toEqual([{
      channel: 'email', status: 'deferred', notBefore: at(saturday, '17:00'),
      payload: { report: 'diary_week', studentId: student8b, from: monday, to: saturday },
    }])
  })

  let code = ''
  it('the e-mail that could not go keeps its PDF and code; when the server is back the same document goes, once', async () => {
    const kept = await waitFor(async () => (await t.sql<{ status: string; code: string | null; hasPdf: boolean; lastError: string | null }[]>`
      select status, payload #>> '{printout,code}' as code, payload #> '{printout,pdf}' is not null as has_pdf, last_error
      from deliveries where person_id = ${g(0)} and dedupe_key like 'diary_week:%'`).find((d) => d.status === 'deferred' && d.code), 15_000, 'the failed first attempt')
    expect(kept.hasPdf).toBe(true)
    expect(kept.lastError).toMatch(/SMTP/)
    code = kept.code!
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/)

    await smtp.start()
    const [mail] = await waitFor(() => diaryMails('maria.0@example.org').length > 0 && diaryMails('maria.0@example.org'), 20_000, 'the diary e-mail')
    const week = weekLabel(monday, sunday)
    expect(mail!.subject).toBe(`Дневник за неделю ${week}: Ученикова0 Анна`)
    expect(mail!.text).toContain(`Код проверки документа: ${code}.`)
    expect(mail!.text).toContain('7А класс')
    // no topic switch stops this mail: no List-Unsubscribe that would pretend to
    expect(mail!.headers['list-unsubscribe']).toBeUndefined()
    const [pdf] = mail!.parsed.attachments
    expect(pdf).toMatchObject({ contentType: 'application/pdf', filename: `Дневник Ученикова0 Анна ${dm(monday)}-${dm(sunday)}.pdf` })
    const pages = await pdfText(pdf!.content)
    expect(pages).toHaveLength(1)
    expect(pages[0]).toContain('Ученикова0 Анна')
    expect(pages[0]).toContain(week)
    expect(pages[0]).toContain(code)
    expect(pages[0]).toContain('5 (отв.)')
    // the printout on record is that one, made once, by the weekly mailing
    expect(await t.sql`select code, kind, pages, made_by, made_by_label from printouts where student_id = ${f.students[0]!.id}`).toEqual([
      { code: code.replace('-', ''), kind: 'diary_week', pages: 1, madeBy: null, madeByLabel: '«Звонок», еженедельная рассылка' },
    ])
    const sent = await waitFor(async () => (await t.sql<{ status: string; payload: { printout: Record<string, unknown> } }[]>`
      select status, payload from deliveries where person_id = ${g(0)} and dedupe_key like 'diary_week:%' and status = 'sent'`)[0])
    // done: the file is dropped, the code stays
    expect(sent.payload.printout.code).toBe(code)
    expect(sent.payload.printout.pdf).toBeUndefined()
  })

  it("7А's class teacher gets one PDF in Telegram: the cover with the list, a page per child on paper", async () => {
    const [doc] = await waitFor(() => documents(CHAT_7A).length > 0 && documents(CHAT_7A), 20_000, 'the bundle')
    const file = tg.file(doc!.fileId!)!
    expect(file).toMatchObject({ method: 'sendDocument', chatId: String(CHAT_7A), field: 'document' })
    expect(file.filename).toBe(`Дневники_7А_${dm(monday)}-${dm(sunday)}.pdf`)
    expect(file.content.subarray(0, 5).toString()).toBe('%PDF-')
    expect(await pdfPageCount(file.content)).toBe(3)
    const [cover, boris, vera] = await pdfText(file.content)
    expect(cover).toContain('Родителева1 Мария Петрович')
    expect(cover).toContain('Ученикова1 Борис')
    expect(cover).toContain('Родителева2 Мария Петрович')
    expect(cover).not.toContain('Ученикова0')
    expect(boris).toContain('Ученикова1 Борис')
    expect(vera).toContain('Ученикова2 Вера')
    const [printout] = await t.sql<{ code: string; kind: string; pages: number }[]>`
      select code, kind, pages from printouts where class_id = ${f.classId} and kind = 'diary_week_class'`
    expect(printout).toMatchObject({ kind: 'diary_week_class', pages: 3 })
    expect(cover).toContain(`${printout!.code.slice(0, 5)}-${printout!.code.slice(5)}`)
    // the caption is the message: who gets one, and the code
    const week = weekLabel(monday, sunday)
    expect(doc!.text).toBe([
      `<b>Дневники 7А за неделю ${week}</b>`,
      'Распечатайте файл и передайте дневники родителям, которые получают их на бумаге. Первая страница — список для подписи в получении.',
      '',
      '<b>Кому выдать (2)</b>',
      '1. Родителева1 Мария Петрович — Ученикова1 Борис',
      '2. Родителева2 Мария Петрович — Ученикова2 Вера',
      '',
      `Код проверки: <code>${printout!.code.slice(0, 5)}-${printout!.code.slice(5)}</code>`,
    ].join('\n'))
  })

  it("8Б's guardian gets their child's week when the quiet hours end", async () => {
    expect(diaryMails('oleg.8b@example.org')).toHaveLength(0)
    n.setClock(at(saturday, '17:00:30'))
    await n.notifier.tick()
    const [mail] = await waitFor(() => diaryMails('oleg.8b@example.org').length > 0 && diaryMails('oleg.8b@example.org'), 20_000, "8Б's diary")
    expect(mail!.subject).toContain('Восьмая Ольга')
    expect((await pdfText(mail!.parsed.attachments[0]!.content))[0]).toContain('Восьмая Ольга')
  })

  it('a second tick and a later one make nothing more; 8Б, without paper guardians, gets no bundle', async () => {
    await n.notifier.tick()
    n.setClock(at(saturday, '20:00'))
    await n.notifier.tick()
    await sleep(1_000)
    expect(await dueKeys()).toHaveLength(3)
    expect(documents(CHAT_7A)).toHaveLength(1)
    expect(documents(CHAT_8B)).toHaveLength(0)
    // the guardians on paper and without a choice get no e-mail; each e-mail guardian exactly one
    expect(smtp.messages.filter((m) => m.parsed.attachments.length > 0).map((m) => m.to).sort())
      .toEqual([['maria.0@example.org'], ['oleg.8b@example.org']])
    expect(await t.sql`select kind, count(*)::int as n from printouts group by kind order by kind`).toEqual([
      { kind: 'diary_week', n: 2 }, { kind: 'diary_week_class', n: 1 },
    ])
  })

  it("next week the bot is blocked: the bundle falls back to the class teacher's e-mail with the same document", async () => {
    await t.sql`update persons set email = 'nina.klassnaya@example.org' where id = ${f.classTeacherId}`
    tg.onMethod('sendDocument', () => telegramErrors.blocked)
    const next = addDays(monday, 7)
    n.setClock(at(addDays(saturday, 7), '16:00:30'))
    await n.notifier.tick()
    const [mail] = await waitFor(() => {
      const m = smtp.messages.filter((x) => x.to.includes('nina.klassnaya@example.org') && x.parsed.attachments.length > 0)
      return m.length > 0 && m
    }, 20_000, 'the bundle by e-mail')
    const [failed] = await t.sql<{ channel: string; status: string; code: string; hasPdf: boolean }[]>`
      select channel, status, payload #>> '{printout,code}' as code, payload #> '{printout,pdf}' is not null as has_pdf
      from deliveries where dedupe_key = ${`paper_bundle:${f.classId}:${next}`}`
    expect(failed).toMatchObject({ channel: 'telegram', status: 'failed', hasPdf: false })
    expect(mail!.subject).toBe(`Дневники 7А класса за неделю ${weekLabel(next, addDays(next, 6))}: распечатать и выдать родителям`)
    expect(mail!.text).toContain(`Код проверки документа: ${failed!.code}.`)
    expect(mail!.text).toContain('1. Родителева1 Мария Петрович — Ученикова1 Борис')
    const pages = await pdfText(mail!.parsed.attachments[0]!.content)
    expect(pages).toHaveLength(3)
    expect(pages[0]).toContain(failed!.code)
    // made once for the two attempts
    expect(await t.sql`select count(*)::int as n from printouts where kind = 'diary_week_class' and params->>'monday' = ${next}`).toEqual([{ n: 1 }])
  })
})

describe('the Telegram provider sends a document', () => {
  let tg: FakeTelegram
  beforeAll(async () => { tg = await startFakeTelegram({ token: TOKEN }) })
  afterAll(async () => { await tg?.close() })
  const pdf = Buffer.from('%PDF-1.7\n\u0000\u00ff binary \r\n--not-a-boundary\r\n%%EOF\n', 'latin1')
  const document = { filename: 'Дневники 9В.pdf', content: pdf, contentType: 'application/pdf', shortCaption: '<b>Дневники 9В</b>: список — ниже' }

  it('with the message as its caption when it fits, the bytes intact', async () => {
    const provider = createTelegramProvider({ token: TOKEN, apiRoot: tg.apiRoot })
    const html = '<b>Дневники 9В</b>\n1. Иванова Анна — Иванов Пётр'
    const r = await provider.send({ chatId: '555', html, document })
    expect(tg.messages(555)).toEqual([expect.objectContaining({ kind: 'document', text: html, messageId: Number(r.providerId) })])
    expect(tg.file(tg.messages(555)[0]!.fileId!)).toMatchObject({ filename: 'Дневники_9В.pdf', content: pdf })
    expect(tg.calls.find((c) => c.method === 'sendDocument')!.params).toMatchObject({ chat_id: '555', parse_mode: 'HTML', caption: html })
    await provider.close?.()
  })

  it('a list longer than a caption may be follows the document as a message', async () => {
    const provider = createTelegramProvider({ token: TOKEN, apiRoot: tg.apiRoot })
    const lines = Array.from({ length: 30 }, (_, i) => `${i + 1}. Константинопольская Александра Вениаминовна — Константинопольский Пётр`)
    const html = `<b>Кому выдать</b>\n${lines.join('\n')}`
    expect(html.length).toBeGreaterThan(CAPTION_LIMIT)
    await provider.send({ chatId: '556', html, document })
    expect(tg.messages(556).map((m) => [m.kind, m.text])).toEqual([['document', document.shortCaption], ['text', html]])
    await provider.close?.()
  })

  it("the Bot API's refusals map as for messages: a blocked bot is a dead chat", async () => {
    const provider = createTelegramProvider({ token: TOKEN, apiRoot: tg.apiRoot })
    tg.onMethod('sendDocument', () => telegramErrors.blocked)
    const err = await provider.send({ chatId: '557', html: 'x', document }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SendError)
    expect(err).toMatchObject({ kind: 'permanent', opts: { dead: true } })
    await provider.close?.()
  })
})

/**
 * The print engine and the printout record: markup → PDF read back by pdf.js, → XLSX read back
 * by exceljs; every page carries the system, the time, the maker and the code; the code finds
 * the record through the API (for those who may look) and the CLI.
 */
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  canonicalJson, madeByLabel, MarkupError, normalizeCode, parseMarkup, producePrintout, sha256Hex, systemLabel, toPdf, toXlsx,
  type PrintMeta,
} from '../../core/print/index.ts'
import { bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp } from '../helpers/app.ts'
import { runCli } from '../helpers/cli.ts'
import { pdfInfo, pdfPageCount, pdfText } from '../helpers/pdf.ts'

const META: PrintMeta = {
  code: 'K7M3Q9XF2B', madeAt: new Date('2026-11-20T09:05:00Z'), madeBy: 'Сидорова Е. В., заместитель директора',
  timezone: 'Asia/Yekaterinburg', schoolName: 'Школа № 14',
}

const rows = (n: number) => Array.from({ length: n }, (_, i) =>
  `<tr><td>${i + 1}</td><td>Ученик ${i + 1} &#x27;Ёж&#x27; &amp; Ко</td><td n="${4 + (i % 2) / 2}" align="right">${i % 2 ? '4,5' : '4'}</td></tr>`).join('')

const sheet = (n: number, extra = '') => `
<doc title="Сводная ведомость 5А" font-size="10" ${extra}>
  <h1>Сводная ведомость итоговых отметок</h1>
  <p>Класс <b>5А</b>, 1 четверть.<br/>Классный руководитель: Иванова И. И.</p>
  <table widths="1,6,2">
    <tr head="1"><th>№</th><th>Обучающийся</th><th>Средний балл</th></tr>
    ${rows(n)}
    <tr total="1"><td colspan="2">Итого по классу</td><td n="4.25">4,25</td></tr>
  </table>
  <p class="small">Подпись заместителя директора ________</p>
</doc>`

describe('print markup', () => {
  test('reads headings, runs, tables with head and total rows, entities and spans', () => {
    const d = parseMarkup(sheet(2))
    expect(d.title).toBe('Сводная ведомость 5А')
    expect(d.fontSize).toBe(10)
    const [h1, p, table, small] = d.blocks
    expect(h1).toMatchObject({ kind: 'h1', runs: [{ text: 'Сводная ведомость итоговых отметок', bold: false }] })
    expect(p).toMatchObject({ kind: 'p', runs: [{ text: 'Класс ', bold: false }, { text: '5А', bold: true }, { text: ', 1 четверть.\nКлассный руководитель: Иванова И. И.', bold: false }] })
    expect(small).toMatchObject({ kind: 'p', small: true })
    if (table?.kind !== 'table') throw new Error('expected a table')
    expect(table.widths).toEqual([1, 6, 2])
    expect(table.rows.map((r) => [r.head, r.total])).toEqual([[true, false], [false, false], [false, false], [false, true]])
    expect(table.rows[1]!.cells[1]).toMatchObject({ text: "Ученик 1 'Ёж' & Ко", bold: false, colspan: 1 })
    expect(table.rows[2]!.cells[2]).toMatchObject({ text: '4,5', n: 4.5, align: 'right' })
    expect(table.rows[3]!.cells[0]).toMatchObject({ text: 'Итого по классу', colspan: 2, bold: true })
  })

  test('anything outside the subset is a template bug, said plainly', () => {
    expect(() => parseMarkup('<doc><div>x</div></doc>')).toThrow(MarkupError)
    expect(() => parseMarkup('<doc>loose text</doc>')).toThrow(/text outside/)
    expect(() => parseMarkup('<doc><table><tr><td n="x">1</td></tr></table></doc>')).toThrow(/not a number/)
    expect(() => parseMarkup('<p>no doc</p>')).toThrow(/outside <doc>/)
  })
})

describe('PDF', () => {
  test('Cyrillic text, the footer on every page, a table continued with its header', async () => {
    const { pdf, pages } = await toPdf(parseMarkup(sheet(90)), META)
    expect(pages).toBeGreaterThanOrEqual(2)
    expect(await pdfPageCount(pdf)).toBe(pages)
    const text = await pdfText(pdf)
    expect(text[0]).toContain('Сводная ведомость итоговых отметок')
    expect(text[0]).toContain("Ученик 1 'Ёж' & Ко")
    // the made-at time in the school's zone (Yekaterinburg, UTC+5), the maker, the code, the page
    for (const [i, page] of text.entries()) {
      expect(page).toContain('Электронный журнал «Звонок» · Школа № 14 · сформировано 20.11.2026, 14:05')
      expect(page).toContain('Сидорова Е. В., заместитель директора · код проверки K7M3Q-9XF2B')
      expect(page).toContain(`стр. ${i + 1} из ${pages}`)
    }
    // the second page starts with the repeated header row
    expect(text[1]!.startsWith('№ Обучающийся Средний балл')).toBe(true)
    expect(text[pages - 1]).toContain('Итого по классу 4,25')
    expect(text.join(' ')).toContain('Ученик 90')
    const info = await pdfInfo(pdf)
    expect(info).toMatchObject({ Title: 'Сводная ведомость 5А', Creator: 'Звонок', Keywords: 'K7M3Q9XF2B' })
  })

  test('vertical header cells (a summary sheet\'s subjects) are read back and make the row as tall as the word', async () => {
    const d = parseMarkup('<doc title="В"><table widths="4,1,1"><tr head="1"><th>Обучающийся</th><th vertical="1">Обществознание</th><th vertical="1">Физкультура</th></tr><tr><td>Аникин Олег</td><td>5</td><td>4</td></tr></table></doc>')
    const table = d.blocks[0]
    if (table?.kind !== 'table') throw new Error('expected a table')
    expect(table.rows[0]!.cells.map((c) => c.vertical)).toEqual([false, true, true])
    const text = (await pdfText((await toPdf(d, META)).pdf))[0]!
    for (const word of ['Обществознание', 'Физкультура', 'Аникин Олег']) expect(text).toContain(word)
  })

  test('fit="page" sets a long document in smaller type on one page', async () => {
    const loose = await toPdf(parseMarkup(sheet(70)), META)
    const fitted = await toPdf(parseMarkup(sheet(70, 'fit="page"')), META)
    expect(loose.pages).toBe(2)
    expect(fitted.pages).toBe(1)
    expect((await pdfText(fitted.pdf))[0]).toContain('Ученик 70')
  })

  test('several documents make one PDF, each from a new page', async () => {
    const docs = ['Аникин', 'Борисова', 'Ветров'].map((n) =>
      parseMarkup(`<doc title="Дневник ${n}"><h1>Дневник: ${n}</h1><p>Неделя 16–21 ноября</p></doc>`))
    const { pdf, pages } = await toPdf(docs, META)
    expect(pages).toBe(3)
    const text = await pdfText(pdf)
    expect(text.map((t) => t.split(' ').slice(0, 2).join(' '))).toEqual(['Дневник: Аникин', 'Дневник: Борисова', 'Дневник: Ветров'])
    expect(text[2]).toContain('стр. 3 из 3')
  })
})

describe('XLSX', () => {
  test('cells hold numbers where the template gave them, spans are merged, the footer is under the content', async () => {
    const doc = parseMarkup(`<doc title="Посещаемость"><section name="5А: посещаемость"/>${sheet(2).replace(/^[\s\S]*?<h1>/, '<h1>').replace('</doc>', '')}
      <section name="Итоги"/><p>Всего пропущено: 12 уроков</p></doc>`)
    const buf = await toXlsx(doc, META)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(buf as unknown as ArrayBuffer)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['5А посещаемость', 'Итоги'])
    const ws = wb.worksheets[0]!
    const all = (w: ExcelJS.Worksheet) => {
      const out: unknown[][] = []
      w.eachRow((row) => out.push((row.values as unknown[]).slice(1)))
      return out
    }
    const values = all(ws)
    expect(values[0]).toEqual(['Сводная ведомость итоговых отметок'])
    const head = values.findIndex((r) => r[0] === '№')
    expect(values[head]).toEqual(['№', 'Обучающийся', 'Средний балл'])
    expect(values[head + 1]).toEqual(['1', "Ученик 1 'Ёж' & Ко", 4])
    expect(values[head + 2]).toEqual(['2', "Ученик 2 'Ёж' & Ко", 4.5])
    expect(typeof values[head + 2]![2]).toBe('number')
    expect(ws.getCell(head + 4, 1).isMerged && ws.getCell(head + 4, 2).isMerged).toBe(true)
    expect(String(values[values.length - 1]![0])).toContain('код проверки K7M3Q-9XF2B')
    expect(all(wb.worksheets[1]!)[0]).toEqual(['Всего пропущено: 12 уроков'])
  })
})

describe('the printout record', () => {
  let t: TestApp
  let schoolId: string, otherSchool: string, studentId: string
  let deputy: { accountId: string; login: string; password: string }
  beforeAll(async () => {
    t = await createTestApp()
    schoolId = await createSchool(t.sql, 'Школа № 14')
    otherSchool = await createSchool(t.sql, 'Школа № 26')
    const classId = await createClass(t.sql, schoolId, 5, 'А')
    studentId = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Аникин', firstName: 'Олег' })
    const person = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Сидорова', firstName: 'Елена' })
    await t.sql`update persons set middle_name = 'Викторовна' where id = ${person}`
    deputy = await createAccount(t.sql, { personId: person, roles: [{ role: 'deputy', schoolId }, { role: 'teacher', schoolId }] })
  })
  afterAll(async () => t.close())

  test('the maker is named by surname, initials and the main role; the system by itself', async () => {
    expect(await madeByLabel(t.sql, deputy.accountId, schoolId)).toBe('Сидорова Е. В., заместитель директора')
    const bare = await createAccount(t.sql, { roles: [{ role: 'admin', schoolId }] })
    expect(await madeByLabel(t.sql, bare.accountId, schoolId)).toBe(`учётная запись ${bare.login}, администратор журнала`)
    expect(systemLabel('weekly')).toBe('«Звонок», еженедельная рассылка')
  })

  test('producePrintout stores the code, the checksums and the pages; the files carry the same code', async () => {
    const data = { class: '5А', rows: [{ b: 2, a: 1 }] }
    const p = await producePrintout(t.sql, {
      schoolId, kind: 'summary_sheet', title: 'Сводная ведомость 5А, 1 четверть',
      madeBy: { accountId: deputy.accountId, label: await madeByLabel(t.sql, deputy.accountId, schoolId) },
      params: { periodId: 'p1' }, data, docs: parseMarkup(sheet(3)), formats: ['pdf', 'xlsx'],
    })
    expect(normalizeCode(p.code)).toBe(p.code)
    const [row] = await t.sql<{ dataSha256: string; pdfSha256: string; xlsxSha256: string; pages: number; madeByLabel: string }[]>`
      select data_sha256, pdf_sha256, xlsx_sha256, pages, made_by_label from printouts where code = ${p.code}`
    expect(row).toEqual({
      dataSha256: sha256Hex(canonicalJson({ rows: [{ a: 1, b: 2 }], class: '5А' })),
      pdfSha256: sha256Hex(p.pdf!), xlsxSha256: sha256Hex(p.xlsx!), pages: 1, madeByLabel: 'Сидорова Е. В., заместитель директора',
    })
    expect((await pdfText(p.pdf!))[0]).toContain(`код проверки ${p.code.slice(0, 5)}-${p.code.slice(5)}`)
  })

  test('GET /v1/printouts/{code}: staff of the school see the record; a file is matched by its checksum; others get 404', async () => {
    const p = await producePrintout(t.sql, {
      schoolId, kind: 'diary_week', title: 'Дневник: Аникин Олег, 16–21 ноября', studentId,
      madeBy: { accountId: null, label: systemLabel('weekly') }, data: { week: '2026-11-16' },
      docs: parseMarkup('<doc title="Дневник"><p>Аникин Олег</p></doc>'), formats: ['pdf'],
    })
    const typed = `${p.code.slice(0, 5).toLowerCase()}-${p.code.slice(5)}`
    const deputyTokens = await login(t.app, deputy)
    const ok = await t.app.inject({ method: 'GET', url: `/v1/printouts/${typed}?sha256=${sha256Hex(p.pdf!)}`, headers: bearer(deputyTokens) })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({
      code: `${p.code.slice(0, 5)}-${p.code.slice(5)}`, kind: 'diary_week', title: 'Дневник: Аникин Олег, 16–21 ноября',
      schoolName: 'Школа № 14', madeBy: '«Звонок», еженедельная рассылка', pages: 1, fileMatches: true,
      sha256: { pdf: sha256Hex(p.pdf!) },
    })
    const wrongFile = await t.app.inject({ method: 'GET', url: `/v1/printouts/${p.code}?sha256=${'0'.repeat(64)}`, headers: bearer(deputyTokens) })
    expect(wrongFile.json().fileMatches).toBe(false)

    // the student's guardian may check the child's diary; a guardian of someone else may not
    const guardian = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [studentId] })
    const g = await createAccount(t.sql, { personId: guardian, roles: [{ role: 'guardian', schoolId }] })
    expect((await t.app.inject({ method: 'GET', url: `/v1/printouts/${p.code}`, headers: bearer(await login(t.app, g)) })).statusCode).toBe(200)
    const stranger = await createAccount(t.sql, { personId: await createPerson(t.sql, schoolId, 'guardian'), roles: [{ role: 'guardian', schoolId }] })
    const hidden = await t.app.inject({ method: 'GET', url: `/v1/printouts/${p.code}`, headers: bearer(await login(t.app, stranger)) })
    expect(hidden.statusCode).toBe(404)
    expect(hidden.headers['content-type']).toContain('application/problem+json')
    // staff of another school: the code does not exist for them
    const other = await createAccount(t.sql, { roles: [{ role: 'deputy', schoolId: otherSchool }] })
    expect((await t.app.inject({ method: 'GET', url: `/v1/printouts/${p.code}`, headers: bearer(await login(t.app, other)) })).statusCode).toBe(404)
    // not a code at all
    const bad = await t.app.inject({ method: 'GET', url: '/v1/printouts/hello', headers: bearer(deputyTokens) })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('validation_failed')
    // no token
    expect((await t.app.inject({ method: 'GET', url: `/v1/printouts/${p.code}` })).statusCode).toBe(401)
  })

  test('zvonok printout verify CODE [--file]: found, file matches or not, unknown code', async () => {
    const p = await producePrintout(t.sql, {
      schoolId, kind: 'attendance', title: 'Посещаемость 5А, 1 четверть',
      madeBy: { accountId: deputy.accountId, label: 'Сидорова Е. В., заместитель директора' }, data: { n: 1 },
      docs: parseMarkup(sheet(1)), formats: ['pdf'],
    })
    const { writeFile, mkdtemp } = await import('node:fs/promises')
    const dir = await mkdtemp('/tmp/zv-verify-')
    await writeFile(`${dir}/good.pdf`, p.pdf!)
    await writeFile(`${dir}/bad.pdf`, Buffer.concat([p.pdf!, Buffer.from('x')]))
    const env = { DATABASE_URL: t.db.url, JWT_SECRET: t.config.jwtSecret, LOG_LEVEL: 'silent' }
    const run = async (args: string[]) => {
      const r = await runCli(args, env)
      return { code: r.code, out: r.stdout }
    }
    const found = await run(['printout', 'verify', p.code, '--file', `${dir}/good.pdf`])
    expect(found.code).toBe(0)
    expect(found.out).toContain('Посещаемость 5А, 1 четверть')
    expect(found.out).toContain('Сидорова Е. В., заместитель директора')
    expect(found.out).toContain('совпадает с документом, сформированным системой')
    const tampered = await run(['printout', 'verify', p.code, '--file', `${dir}/bad.pdf`])
    expect(tampered.code).toBe(1)
    expect(tampered.out).toContain('НЕ совпадает')
    const unknown = await run(['printout', 'verify', 'ZZZZZ-ZZZZZ'])
    expect(unknown.code).toBe(1)
    expect(unknown.out).toContain('не найден')
  })
})

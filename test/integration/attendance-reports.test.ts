/**
 * The class teacher's attendance reports on a class built through the HTTP API: 7А of a Moscow
 * school, last week's Monday and Tuesday. English is taught in two subgroups in the same period;
 * Monday's literature is cancelled after two absences were entered on it; Жуков is marked absent
 * on Monday and then leaves the school as of that Monday. A Vladivostok school (UTC+10) and a
 * Moscow class without a class teacher check which classes are due for the digest, and when.
 *
 * Monday (lesson: students expected)      н absent, б ill, уп excused, оп late
 *   1 Математика, 2 Русский язык: all      3 Английский язык gr.1: Абрамова, Дем'яненко, Ёлкина
 *   4 Литература (cancelled)               3 Английский язык gr.2: Борисов, Громов, Жуков, Зайцева
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classAbsenceDigest, classAttendanceWeek, classesDueForAbsenceDigest, type AbsenceDigest,
} from '../../core/notifications/attendance-reports.ts'
import { addDays, localDate, weekday } from '../../core/journal/time.ts'
import { render } from '../../core/render/render.ts'
import { bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens } from '../helpers/app.ts'

const today = localDate(new Date(), 'Europe/Moscow')
const monday = addDays(today, 1 - weekday(today) - 7)
const tuesday = addDays(monday, 1)
const utc = (date: string, time: string) => new Date(`${date}T${time}Z`)
const BELLS = [['08:30', '09:15'], ['09:25', '10:10'], ['10:30', '11:15'], ['11:35', '12:20']].map(([startsAt, endsAt], i) => ({ number: i + 1, startsAt, endsAt }))

let t: TestApp
let deputy: Tokens
let moscow: string, vladivostok: string, vladivostokYear: string, c7a: string, c5b: string, petrova: string
const tok: Record<string, Tokens> = {}
const st: Record<string, string> = {}
/** Monday's and Tuesday's lessons of 7А: L['mon/3/gr.2'] */
const L: Record<string, { id: string; teacher: Tokens }> = {}

async function call(who: Tokens, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, status = method === 'POST' ? 201 : 200) {
  const res = await t.app.inject({ method, url: `/v1${url}`, headers: bearer(who), ...(payload ? { payload } : {}) })
  expect(res.statusCode, res.body).toBe(status)
  return res.json()
}

/** A school year around last week, bells, subjects; returns the ids. */
async function schoolYear(schoolId: string, subjects: string[]) {
  const year = await call(deputy, 'POST', `/schools/${schoolId}/years`, { name: 'Год', startsOn: addDays(monday, -63), endsOn: addDays(monday, 294) })
  await call(deputy, 'PUT', `/schools/${schoolId}/bells`, { shift: 1, bells: BELLS })
  const subject: Record<string, string> = {}
  for (const name of subjects) subject[name] = (await call(deputy, 'POST', `/schools/${schoolId}/subjects`, { name })).id
  return { yearId: year.id as string, subject }
}

/** Assignment and weekly slots: [weekday, lesson number] */
async function teach(schoolId: string, body: object, slots: [number, number][]) {
  const a = await call(deputy, 'POST', `/schools/${schoolId}/assignments`, body)
  for (const [wd, lessonNumber] of slots)
    await call(deputy, 'POST', `/schools/${schoolId}/timetable`, { assignmentId: a.id, weekday: wd, lessonNumber, validFrom: addDays(monday, -63) })
}

const grid = (lesson: string, entries: [string, string | null, string?][]) =>
  call(L[lesson]!.teacher, 'POST', `/lessons/${L[lesson]!.id}/grid`, {
    requestId: `grid-${lesson}-${Math.random()}`,
    attendance: entries.map(([s, kind, reason]) => ({ studentId: st[s], kind, ...(reason ? { reason } : {}) })),
  }, 200)

beforeAll(async () => {
  t = await createTestApp()
  moscow = await createSchool(t.sql, 'МБОУ СОШ № 14')
  vladivostok = await createSchool(t.sql, 'МБОУ СОШ № 3 г. Владивостока')
  await t.sql`update schools set timezone = 'Asia/Vladivostok' where id = ${vladivostok}` // the helper makes Moscow schools only
  const staff = async (schoolId: string, lastName: string, firstName: string) => {
    const id = await createPerson(t.sql, schoolId, 'staff', { lastName, firstName })
    return { id, account: await createAccount(t.sql, { personId: id, roles: [{ role: 'teacher', schoolId }] }) }
  }
  deputy = await login(t.app, await createAccount(t.sql, { roles: [{ role: 'deputy', schoolId: moscow }, { role: 'deputy', schoolId: vladivostok }] }))
  const [sokolova, ivanov, kuznetsova, smirnova] = [
    await staff(moscow, 'Соколова', 'Анна'), await staff(moscow, 'Иванов', 'Сергей'),
    await staff(moscow, 'Кузнецова', 'Ольга'), await staff(moscow, 'Смирнова', 'Елена'),
  ]
  const { yearId, subject } = await schoolYear(moscow, ['Математика', 'Русский язык', 'Английский язык', 'Литература'])
  c7a = (await call(deputy, 'POST', `/schools/${moscow}/classes`, { academicYearId: yearId, grade: 7, letter: 'А', classTeacherId: sokolova.id })).id
  const c7b = (await call(deputy, 'POST', `/schools/${moscow}/classes`, { academicYearId: yearId, grade: 7, letter: 'Б' })).id
  for (const [k, a] of Object.entries({ sokolova, ivanov, kuznetsova, smirnova })) tok[k] = await login(t.app, a.account)

  const names = ['Абрамова Анна', 'Борисов Борис', 'Громов Глеб', "Дем'яненко Дарья", 'Егоров Егор', 'Ёлкина Ева', 'Жуков Жан', 'Зайцева Зоя']
  for (const name of names) {
    const [lastName, firstName] = name.split(' ') as [string, string]
    st[lastName] = await createPerson(t.sql, moscow, 'student', { lastName, firstName })
    await call(deputy, 'POST', `/schools/${moscow}/movements`, { kind: 'admission', studentId: st[lastName], toClassId: c7a, occurredOn: addDays(monday, -63), orderNumber: '№ 41-у' })
  }
  const groups = { 'gr.1': ['Абрамова', "Дем'яненко", 'Ёлкина'], 'gr.2': ['Борисов', 'Громов', 'Жуков', 'Зайцева'] }
  const groupId: Record<string, string> = {}
  for (const [g, members] of Object.entries(groups)) {
    groupId[g] = (await call(deputy, 'POST', `/classes/${c7a}/subgroups`, { subjectId: subject['Английский язык'], name: g })).id
    for (const s of members)
      await call(deputy, 'POST', `/subgroups/${groupId[g]}/members`, { studentId: st[s], startedOn: addDays(monday, -63), reason: 'Деление класса' })
  }
  const body = (name: string, teacherId: string, extra: object = {}) => ({ classId: c7a, subjectId: subject[name], teacherId, ...extra })
  await teach(moscow, body('Математика', ivanov.id), [[1, 1], [2, 1]])
  await teach(moscow, body('Русский язык', sokolova.id), [[1, 2], [2, 2]])
  await teach(moscow, body('Английский язык', kuznetsova.id, { subgroupId: groupId['gr.1'] }), [[1, 3]])
  await teach(moscow, body('Английский язык', smirnova.id, { subgroupId: groupId['gr.2'] }), [[1, 3]])
  await teach(moscow, body('Литература', sokolova.id), [[1, 4]])
  await teach(moscow, { ...body('Математика', ivanov.id), classId: c7b }, [[1, 1]])
  expect(await call(deputy, 'POST', `/schools/${moscow}/lessons/generate`, { from: monday, to: addDays(monday, 6) }, 200)).toEqual({ created: 8 })
  const teacherOf: Record<string, Tokens> = { Математика: tok.ivanov!, 'Русский язык': tok.sokolova!, Литература: tok.sokolova! }
  for (const l of (await call(deputy, 'GET', `/classes/${c7a}/lessons?from=${monday}&to=${tuesday}`)).items) {
    const group = Object.keys(groupId).find((g) => groupId[g] === l.subgroupId)
    L[`${l.date === monday ? 'mon' : 'tue'}/${l.lessonNumber}${group ? `/${group}` : ''}`] = {
      id: l.id, teacher: group ? tok[group === 'gr.1' ? 'kuznetsova' : 'smirnova']! : teacherOf[l.subject]!,
    }
  }

  // Vladivostok: 5Б with a class teacher, mathematics first lesson on Monday and Tuesday
  const vl = await schoolYear(vladivostok, ['Математика'])
  vladivostokYear = vl.yearId
  petrova = await createPerson(t.sql, vladivostok, 'staff', { lastName: 'Петрова', firstName: 'Мария' })
  c5b = (await call(deputy, 'POST', `/schools/${vladivostok}/classes`, { academicYearId: vl.yearId, grade: 5, letter: 'Б', classTeacherId: petrova })).id
  await teach(vladivostok, { classId: c5b, subjectId: vl.subject['Математика'], teacherId: petrova }, [[1, 1], [2, 1]])
  expect(await call(deputy, 'POST', `/schools/${vladivostok}/lessons/generate`, { from: monday, to: addDays(monday, 6) }, 200)).toEqual({ created: 2 })
})
afterAll(async () => { await t?.close() })

/** The week as the teachers, the class teacher and the administration record it. */
beforeAll(async () => {
  await grid('mon/1', [
    ['Абрамова', 'absent'], ['Борисов', 'ill'], ['Громов', 'absent', 'К врачу'], ["Дем'яненко", 'absent'], ['Егоров', 'absent'],
    ['Ёлкина', 'late', 'Опоздала на 10 минут'], ['Жуков', 'absent'], ['Зайцева', 'absent'],
  ])
  await grid('mon/1', [['Зайцева', null]]) // entered by mistake: she was there
  await grid('mon/2', [['Абрамова', 'absent'], ['Борисов', 'ill'], ['Громов', 'absent', 'К врачу'], ['Егоров', 'absent'], ['Жуков', 'absent']])
  await grid('mon/3/gr.1', [['Абрамова', 'absent']])
  await grid('mon/3/gr.2', [['Борисов', 'ill'], ['Жуков', 'absent']])
  await grid('mon/4', [['Абрамова', 'absent'], ['Ёлкина', 'absent']])
  await call(deputy, 'POST', `/lessons/${L['mon/4']!.id}/cancel`, { reason: 'Учитель на курсах' }, 200)
  // the class teacher confirms the reason of Дем'яненко's absence from mathematics (she teaches other subjects)
  const [a] = await t.sql<{ id: string }[]>`
    select id from attendance where lesson_id = ${L['mon/1']!.id} and student_id = ${st["Дем'яненко"]!} and removed_at is null`
  await call(tok.sokolova!, 'POST', `/attendance/${a!.id}/confirm`, { kind: 'ill', reason: 'Справка из поликлиники' }, 200)
  // Жуков left the school as of Monday; the secretary records it afterwards
  await call(deputy, 'POST', `/schools/${moscow}/movements`, { kind: 'departure', studentId: st['Жуков'], occurredOn: monday, orderNumber: '№ 52-у' })
  await grid('tue/1', [['Абрамова', 'ill'], ['Борисов', 'excused', 'Соревнования по плаванию'], ['Громов', 'absent']])
  await grid('tue/2', [['Абрамова', 'ill'], ['Ёлкина', 'late']])
})

const lesson = (number: number, subject: string, kind: 'absent' | 'ill' | 'excused' | 'late', reason: string | null = null, reasonConfirmed = false) =>
  ({ number, subject, kind, kindLabel: { absent: 'н', ill: 'б', excused: 'уп', late: 'оп' }[kind], reason, reasonConfirmed })
const student = (lastName: string, firstName: string, missedLessons: number, reasonKnown: boolean, lessons: ReturnType<typeof lesson>[]) =>
  ({ studentId: st[lastName], lastName, firstName, lessons, missedLessons, reasonKnown })

describe('the absence digest', () => {
  it("Monday: whole day is every lesson the student was expected at; late alone is partial; Жуков is gone", async () => {
    expect(await classAbsenceDigest(t.sql, c7a, monday)).toEqual({
      classId: c7a, classLabel: '7А', date: monday, lessonsHeld: 3, absentCount: 5,
      wholeDay: [
        student('Абрамова', 'Анна', 3, false, [lesson(1, 'Математика', 'absent'), lesson(2, 'Русский язык', 'absent'), lesson(3, 'Английский язык', 'absent')]),
        student('Борисов', 'Борис', 3, true, [lesson(1, 'Математика', 'ill'), lesson(2, 'Русский язык', 'ill'), lesson(3, 'Английский язык', 'ill')]),
        // in neither English group: two lessons are his whole day
        student('Егоров', 'Егор', 2, false, [lesson(1, 'Математика', 'absent'), lesson(2, 'Русский язык', 'absent')]),
      ],
      partial: [
        // a stated reason is not a known one until it is confirmed
        student('Громов', 'Глеб', 2, false, [lesson(1, 'Математика', 'absent', 'К врачу'), lesson(2, 'Русский язык', 'absent', 'К врачу')]),
        student("Дем'яненко", 'Дарья', 1, true, [lesson(1, 'Математика', 'ill', 'Справка из поликлиники', true)]),
        // Ё sorts with Е (a "C" collation would put it first); her absence on the cancelled lesson does not count
        student('Ёлкина', 'Ева', 0, true, [lesson(1, 'Математика', 'late', 'Опоздала на 10 минут')]),
      ],
    })
  })

  it('Tuesday, and a day without lessons', async () => {
    const d = await classAbsenceDigest(t.sql, c7a, tuesday)
    expect([d.lessonsHeld, d.absentCount, d.wholeDay.map((s) => s.lastName), d.partial.map((s) => [s.lastName, s.reasonKnown])])
      .toEqual([2, 3, ['Абрамова'], [['Борисов', true], ['Громов', false], ['Ёлкина', true]]])
    expect(await classAbsenceDigest(t.sql, c7a, addDays(monday, 2))).toEqual({
      classId: c7a, classLabel: '7А', date: addDays(monday, 2), lessonsHeld: 0, wholeDay: [], partial: [], absentCount: 0,
    })
  })
})

describe('the weekly attendance summary (school14 4.6.2)', () => {
  it('counts per student, most missed first, and the share of lessons attended', async () => {
    const c = (absent: number, ill: number, excused: number, late: number, unconfirmed: number) =>
      ({ absent, ill, excused, late, unconfirmed, missedLessons: absent + ill + excused })
    const s = (lastName: string, firstName: string, counts: ReturnType<typeof c>) => ({ studentId: st[lastName], lastName, firstName, ...counts })
    expect(await classAttendanceWeek(t.sql, c7a, monday, addDays(monday, 6))).toEqual({
      classId: c7a, classLabel: '7А', from: monday, to: addDays(monday, 6), lessonsHeld: 5,
      students: [
        s('Абрамова', 'Анна', c(3, 2, 0, 0, 3)),
        s('Борисов', 'Борис', c(0, 3, 1, 0, 0)),
        s('Громов', 'Глеб', c(3, 0, 0, 0, 3)),
        s('Егоров', 'Егор', c(2, 0, 0, 0, 2)),
        s("Дем'яненко", 'Дарья', c(0, 1, 0, 0, 0)),
        s('Ёлкина', 'Ева', c(0, 0, 0, 2, 0)),
      ],
      totals: { absent: 8, ill: 6, excused: 1, late: 2, unconfirmed: 8 },
      // expected student-lessons: 5 each for six students, 4 for Егоров (no English group); 15 missed
      attendancePercent: 55.9,
    })
  })
})

describe('classes due for the digest', () => {
  const due = async (now: Date, grace?: number) =>
    (await classesDueForAbsenceDigest(t.sql, now, grace)).map((r) => [r.classId, r.date]).sort()
  const sorted = (...rows: [string, string][]) => rows.sort()

  it('15 minutes after the last planned lesson of the school-local day, until the local midnight', async () => {
    // 7А's last planned lesson on Monday ends 11:15 in Moscow (08:15 UTC); the cancelled one would end 12:20.
    // 5Б's lesson ended 09:15 in Vladivostok (Sunday 23:15 UTC). 7Б has no class teacher.
    expect(await due(utc(monday, '08:29:59'))).toEqual([[c5b, monday]])
    expect(await due(utc(monday, '08:30:00'))).toEqual(sorted([c5b, monday], [c7a, monday]))
    expect(await due(utc(monday, '08:20:00'), 5)).toEqual(sorted([c5b, monday], [c7a, monday]))
    expect(await due(utc(monday, '13:59:59'))).toEqual(sorted([c5b, monday], [c7a, monday]))
    // midnight in Vladivostok: its Tuesday has begun and Tuesday's lesson is still ahead
    expect(await due(utc(monday, '14:00:00'))).toEqual([[c7a, monday]])
    expect(await due(utc(tuesday, '00:00:00'))).toEqual([[c5b, tuesday]])
    expect(await due(utc(addDays(monday, -1), '12:00:00'))).toEqual([])
    expect(await classesDueForAbsenceDigest(t.sql, utc(monday, '09:00:00'))).toEqual(expect.arrayContaining([
      { classId: c5b, schoolId: vladivostok, classTeacherId: petrova, date: monday },
    ]))
  })

  it('not for a class of a closed school year', async () => {
    await call(deputy, 'POST', `/schools/${vladivostok}/years/${vladivostokYear}/close`, {
      next: { name: 'Следующий', startsOn: addDays(monday, 295), endsOn: addDays(monday, 600) }, orderNumber: '№ 90',
    }, 200)
    expect(await due(utc(monday, '08:30:00'))).toEqual([[c7a, monday]])
  })
})

describe('the templates', () => {
  const view = { schoolName: 'МБОУ СОШ № 14', unsubscribeUrl: 'https://zvonok.example/u/abc', title: 'Пропуски уроков' }
  const TELEGRAM_TAGS = new Set(['b', 'i', 'u', 's', 'a', 'code', 'pre'])
  const telegram = (name: string, data: object) => {
    const html = render(`notify/telegram/${name}.html`, { ...view, ...data })
    for (const [, tag] of html.matchAll(/<\/?([a-z0-9-]+)/gi)) expect(TELEGRAM_TAGS.has(tag!), tag).toBe(true)
    expect(html.length).toBeLessThan(4096)
    return html
  }
  const email = (name: string, data: object) => ({
    subject: render(`notify/email/${name}.subject`, { ...view, ...data }),
    html: render(`notify/email/${name}.html`, { ...view, ...data }),
    text: render(`notify/email/${name}.text`, { ...view, ...data }),
  })
  const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`

  it("Monday's digest", async () => {
    const digest = await classAbsenceDigest(t.sql, c7a, monday)
    expect(telegram('absence-digest', { digest })).toBe(`<b>7А: пропуски уроков, понедельник ${dm(monday)}</b>
Уроков: 3. Отсутствовали: 5 учеников.

<b>Отсутствовали весь день</b>
• Абрамова Анна: 1н 2н 3н — причина не подтверждена
• Борисов Борис: 1б 2б 3б — причина известна
• Егоров Егор: 1н 2н — причина не подтверждена

<b>Пропустили часть уроков или опоздали</b>
• Громов Глеб: 1н 2н — причина не подтверждена
• Дем&#x27;яненко Дарья: 1б — причина известна
• Ёлкина Ева: 1оп

<i>н — отсутствовал, б — по болезни, уп — по уважительной причине, оп — опоздал</i>
`)
    const { subject, html, text } = email('absence-digest', { digest })
    expect(subject).toBe(`7А, ${dm(monday)}: отсутствовали 5 учеников`)
    for (const part of [
      '<title>Пропуски уроков</title>', 'Пропуски уроков: 7А, понедельник', '<b>Абрамова Анна</b> — <span style="color:#b00020;">причина не подтверждена</span>',
      '<li>3 — Английский язык (н)</li>', '<li>1 — Математика (н): К врачу</li>', '<b>Дем&#x27;яненко Дарья</b> — причина известна',
      '<li>1 — Математика (б): Справка из поликлиники (подтверждено)</li>', '<li>1 — Математика (оп): Опоздала на 10 минут</li>',
      'href="https://zvonok.example/u/abc"',
    ]) expect(html).toContain(part)
    expect(html).not.toContain('Жуков')
    for (const part of [
      'Уроков по расписанию: 3. Отсутствовали: 5 учеников.', 'ОТСУТСТВОВАЛИ ВЕСЬ ДЕНЬ\nАбрамова Анна — причина не подтверждена\n  1 — Математика (н)\n',
      "Дем'яненко Дарья — причина известна\n  1 — Математика (б): Справка из поликлиники (подтверждено)\n", 'Ёлкина Ева\n  1 — Математика (оп)',
      'https://zvonok.example/u/abc',
    ]) expect(text).toContain(part)
  })

  it('a day when everyone came, and a day without lessons', async () => {
    const c7b = (await t.sql<{ id: string }[]>`select id from classes where school_id = ${moscow} and letter = 'Б'`)[0]!.id
    const digest = await classAbsenceDigest(t.sql, c7b, monday)
    expect(telegram('absence-digest', { digest })).toBe(`<b>7Б: пропуски уроков, понедельник ${dm(monday)}</b>
Уроков: 1. Сегодня все ученики 7Б были на уроках.
`)
    const { subject, html, text } = email('absence-digest', { digest })
    expect(subject).toBe(`7Б, ${dm(monday)}: все ученики были на уроках`)
    expect(html).toContain('Сегодня все ученики 7Б были на уроках.')
    expect(text).toContain('Сегодня все ученики 7Б были на уроках.')
    const none = await classAbsenceDigest(t.sql, c7a, addDays(monday, 2))
    expect(telegram('absence-digest', { digest: none })).toContain('В этот день у класса не было уроков.')
  })

  it('the weekly summary', async () => {
    const week = await classAttendanceWeek(t.sql, c7a, monday, addDays(monday, 6))
    expect(telegram('attendance-summary', { week })).toBe(`<b>7А: посещаемость с ${dm(monday)} по ${dm(addDays(monday, 6))}</b>
Уроков: 5. Посещаемость: 55.9 %.
Пропуски: н — 8, б — 6, уп — 1; опоздания — 2.
Без подтверждённой причины: 8 уроков.

<b>По ученикам (пропущено уроков)</b>
• Абрамова Анна — 5, без подтверждённой причины — 3
• Борисов Борис — 4
• Громов Глеб — 3, без подтверждённой причины — 3
• Егоров Егор — 2, без подтверждённой причины — 2
• Дем&#x27;яненко Дарья — 1
• Ёлкина Ева — пропусков нет; 2 опоздания

<i>н — отсутствовал, б — по болезни, уп — по уважительной причине</i>
`)
    const { subject, html, text } = email('attendance-summary', { week })
    expect(subject).toBe(`7А: посещаемость с ${dm(monday)} по ${dm(addDays(monday, 6))} — 55.9 %`)
    expect(html).toContain('<tr style="border-top:1px solid #eee;"><td>Абрамова Анна</td><td><b>5</b></td><td>3</td><td>2</td><td>0</td><td>0</td><td><span style="color:#b00020;">3</span></td></tr>')
    expect(html).toContain('<td><b>Всего</b></td><td></td><td>8</td><td>6</td><td>1</td><td>2</td><td>8</td>')
    expect(text).toContain("Дем'яненко Дарья: пропущено 1 (н — 0, б — 1, уп — 0), оп — 0, без подтверждённой причины — 0\n")
    expect(text).toContain('Посещаемость: 55.9 %.')
  })

  it('a class of 35 absent all day fits one Telegram message', () => {
    const lessons = Array.from({ length: 8 }, (_, i) => ({ number: i, subject: 'Основы безопасности и защиты Родины', kind: 'excused' as const, kindLabel: 'уп' as const, reason: 'Участие в региональной олимпиаде', reasonConfirmed: false }))
    const wholeDay = Array.from({ length: 35 }, (_, i) => ({
      studentId: String(i), lastName: `Константинопольская-Преображенская${i}`, firstName: 'Александра', lessons, missedLessons: 8, reasonKnown: i % 2 === 0,
    }))
    const digest: AbsenceDigest = { classId: 'c', classLabel: '11А', date: monday, lessonsHeld: 8, wholeDay, partial: [], absentCount: 35 }
    expect(telegram('absence-digest', { digest }).split('\n').length).toBeGreaterThan(35)
  })
})

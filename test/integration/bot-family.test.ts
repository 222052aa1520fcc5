/**
 * Guardians in the bot: /today after the teacher's entries, greetings, two children, homework
 * by date phrase with attachments, the week's diary, marks with averages, attendance, finals,
 * and a forged child button. The bot's clock runs a day behind the real one, so "today" for the
 * bot is a day whose lessons have taken place whenever the suite runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addDays, addMark, cancelLesson, createPeriod, diary, localDate, setAttendance, setFinalMark, setHomework, weekday, zonedInstant,
} from '../../core/journal/index.ts'
import { mondayOf } from '../../bots/conversation/dates.ts'
import type { Outgoing } from '../../bots/conversation/types.ts'
import { createPerson } from '../helpers/app.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'

let db: TestDb
let j: JournalFixture
let bot: Conversation
const botNow = new Date(Date.now() - 24 * 3600_000)
const today = localDate(botNow, ZONE)
const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`

// chats: a guardian of student 0, of student 1, of student 2; a guardian of student 0 and Тимур
const ANNA_MUM = 2001, BORIS_MUM = 2002, VERA_MUM = 2003, TWO_KIDS = 2004
let timur: string
let quarterId: string

async function lessonOn(date: string, n: 1 | 2): Promise<string> {
  const [l] = await db.sql<{ id: string }[]>`select id from lessons where class_id = ${j.classId} and date = ${date} and lesson_number = ${n}`
  if (!l) throw new Error(`no lesson ${n} on ${date}`)
  return l.id
}
const work = (name: string) => j.workTypes.get(name)!
const buttons = (r: Outgoing[]) => r.flatMap((o) => (o.buttons ?? []).flat())
const button = (r: Outgoing[], label: string | RegExp) => {
  const b = buttons(r).find((x) => (typeof label === 'string' ? x.label === label : label.test(x.label)))
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(buttons(r))}`)
  return b.data
}

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 3 })
  bot = converse(db.sql, { now: () => botNow })
  const [anna, boris, vera] = j.students as [typeof j.students[0], typeof j.students[0], typeof j.students[0]]
  timur = await createPerson(db.sql, j.schoolId, 'student', { classId: j.classId, lastName: 'Ученикова0', firstName: 'Тимур' })
  const both = await createPerson(db.sql, j.schoolId, 'guardian', { guardianOf: [anna.id, timur], lastName: 'Отцов', firstName: 'Пётр' })
  await linkChat(db.sql, anna.guardianId, ANNA_MUM)
  await linkChat(db.sql, boris.guardianId, BORIS_MUM)
  await linkChat(db.sql, vera.guardianId, VERA_MUM)
  await linkChat(db.sql, both, TWO_KIDS)

  // Анна: a 5 in maths and ill at Russian today, late to maths two days ago
  await addMark(db.sql, j.teacher, await lessonOn(today, 1), { studentId: anna.id, value: 5, workTypeId: work('Ответ на уроке'), comment: 'Отлично у доски' })
  await setAttendance(db.sql, j.teacher, await lessonOn(today, 2), anna.id, { kind: 'ill' })
  await setAttendance(db.sql, j.teacher, await lessonOn(addDays(today, -2), 1), anna.id, { kind: 'late' })

  const [year] = await db.sql<{ academicYearId: string }[]>`select academic_year_id from periods where id = ${j.periodId}`
  quarterId = (await createPeriod(db.sql, j.admin, j.schoolId, year!.academicYearId, {
    kind: 'quarter', number: 2, gradeFrom: 1, gradeTo: 11, startsOn: addDays(today, -20), endsOn: addDays(today, 20),
  })).id
  void vera
})
afterAll(async () => db?.close())

describe('/today', () => {
  it("shows the mark the teacher set today, the absence, and the homework given today", async () => {
    await setHomework(db.sql, j.teacher, await lessonOn(today, 1), {
      text: '§12 №3–5', pages: 'стр. 45',
      attachments: [{ name: 'scan.jpg', ref: 'telegram:photo:AgADphoto1' }, { name: 'task.pdf', ref: 'telegram:document:BQADdoc2' }],
    })
    const r = await bot.say(ANNA_MUM, '/today')
    const text = bot.text(r)
    expect(text).toContain(`Сегодня, `)
    expect(text).toContain(dm(today))
    expect(text).toContain('Математика — <b>5</b> (Ответ на уроке): <i>Отлично у доски</i>')
    expect(text).toContain('2 урок, Русский язык — б')
    expect(text).toContain('Математика: §12 №3–5, стр. 45')
    expect(text).not.toContain('отметок и пропусков нет')
    expect(buttons(r).map((b) => b.label)).toEqual(['Отметки', 'ДЗ на завтра', 'Неделя'])
  })

  it('says when nothing happened', async () => {
    const text = bot.text(await bot.say(BORIS_MUM, '/today'))
    expect(text).toContain('Сегодня отметок и пропусков нет')
    expect(text).not.toContain('Анна')
  })

  it('answers a greeting like /today, and leaves other text alone', async () => {
    for (const hello of ['Добрый день!', 'привет', 'Как дела в школе?', 'Здравствуйте']) {
      const text = bot.text(await bot.say(ANNA_MUM, hello))
      expect(text).toContain('Здравствуйте, Мария!')
      expect(text).toContain('Математика — <b>5</b>')
    }
    const other = bot.text(await bot.say(ANNA_MUM, 'купите слона'))
    expect(other).toContain('Не понял сообщение')
  })
})

describe('two children', () => {
  it('/today shows every child in one message, with a button to choose', async () => {
    const r = await bot.say(TWO_KIDS, '/today')
    const text = bot.text(r)
    expect(text).toContain('<b>Анна</b>')
    expect(text).toContain('<b>Тимур</b>')
    expect(text.indexOf('Математика — <b>5</b>')).toBeGreaterThan(text.indexOf('<b>Анна</b>'))
    expect(text.indexOf('Математика — <b>5</b>')).toBeLessThan(text.indexOf('<b>Тимур</b>'))
    expect(text).toContain('Сегодня отметок и пропусков нет')
    expect(button(r, 'Выбрать ребёнка')).toBe('fam:kids')
  })

  it('switches the child of /marks with a button, and /children chooses for later commands', async () => {
    const r = await bot.say(TWO_KIDS, '/marks')
    expect(bot.text(r)).toContain('Анна, отметки')
    const sw = await bot.press(TWO_KIDS, button(r, '→ Тимур'))
    expect(sw[0]!.edit).toBe(true)
    expect(bot.text(sw)).toContain('Тимур, отметки')
    expect(bot.text(await bot.say(TWO_KIDS, '/homework'))).toContain('Тимур, домашнее задание')

    const list = await bot.say(TWO_KIDS, '/children')
    expect(bot.text(list)).toContain('✓ Тимур')
    const chosen = await bot.press(TWO_KIDS, button(list, /^Анна/))
    expect(bot.text(chosen)).toContain('Выбран ребёнок: <b>Анна</b>')
    expect(bot.text(await bot.say(TWO_KIDS, '/week'))).toContain('Анна, дневник')
  })

  it('never shows another family\'s child, even for a forged button', async () => {
    const anna = j.students[0]!
    for (const data of [`child:${anna.id}`, `child:${anna.id}:marks`, `child:${anna.id}:today`]) {
      const text = bot.text(await bot.press(BORIS_MUM, data))
      expect(text).toContain('Не нашёл такой записи')
      expect(text).not.toContain('Анна')
      expect(text).not.toContain('<b>5</b>')
    }
    const [chat] = await db.sql<{ studentId: string | null }[]>`select student_id from bot_chats where chat_id = ${String(BORIS_MUM)}`
    expect(chat!.studentId).not.toBe(anna.id)
    const marks = bot.text(await bot.say(BORIS_MUM, '/marks'))
    expect(marks).not.toContain('<b>5</b>')
    for (const data of ['week:2026-02-31', 'hwd:tomorrow', 'marks:p:00000000-0000-0000-0000-000000000000', 'marks:s:9:x', 'fam:nope'])
      expect(bot.text(await bot.press(BORIS_MUM, data))).toContain('Это действие устарело')
  })
})

describe('homework by date', () => {
  const friday = (() => {
    let d = addDays(today, 1)
    while (weekday(d) !== 5) d = addDays(d, 1)
    return d
  })()

  it('«дз на завтра» and /homework show tomorrow\'s homework with its files', async () => {
    for (const ask of ['дз на завтра', '/homework', 'Домашка завтра']) {
      const r = await bot.say(ANNA_MUM, ask)
      const text = bot.text(r)
      expect(text).toContain(`Домашнее задание на завтра, `)
      expect(text).toContain(dm(addDays(today, 1)))
      expect(text).toContain('<b>Математика</b>: §12 №3–5, стр. 45')
      expect(text).toContain(`задано ${dm(today)}`)
      expect(r[0]!.files).toEqual([
        { kind: 'photo', fileId: 'AgADphoto1', name: 'scan.jpg' },
        { kind: 'document', fileId: 'BQADdoc2', name: 'task.pdf' },
      ])
    }
  })

  it('«что задали на пятницу» shows homework due on Friday', async () => {
    await setHomework(db.sql, j.teacher, await lessonOn(addDays(friday, -1), 2), { text: 'Упражнение 105', attachments: [] })
    for (const ask of ['что задали на пятницу?', 'дз в пятницу', `/homework ${dm(friday)}`]) {
      const text = bot.text(await bot.say(VERA_MUM, ask))
      expect(text).toContain(dm(friday))
      expect(text).toContain('<b>Русский язык</b>: Упражнение 105')
    }
  })

  it('a day without lessons says so and offers the next school day', async () => {
    let quiet = addDays(today, 2)
    while ([4, 5].includes(weekday(quiet)) || quiet === addDays(friday, -1)) quiet = addDays(quiet, 1)
    await cancelLesson(db.sql, j.admin, await lessonOn(quiet, 1), 'Карантин')
    await cancelLesson(db.sql, j.admin, await lessonOn(quiet, 2), 'Карантин')
    const r = await bot.say(VERA_MUM, `дз на ${dm(quiet)}`)
    expect(bot.text(r)).toContain('В этот день уроков нет')
    expect(bot.text(r)).toContain(`Ближайший учебный день — `)
    expect(button(r, `${dm(addDays(quiet, 1))} »`)).toBe(`hwd:${addDays(quiet, 1)}`)
    const next = await bot.press(VERA_MUM, `hwd:${addDays(quiet, 1)}`)
    expect(next[0]!.edit).toBe(true)
    expect(bot.text(next)).not.toContain('уроков нет')
    // and /today on that day
    const onQuietDay = converse(db.sql, { now: () => zonedInstant(quiet, '15:00', ZONE) })
    expect(onQuietDay.text(await onQuietDay.say(VERA_MUM, '/today'))).toContain('Сегодня уроков нет')
  })

  it('an unreadable date gets examples', async () => {
    for (const ask of ['дз на 31.02', '/homework абракадабра', 'дз на завтрв']) {
      const text = bot.text(await bot.say(VERA_MUM, ask))
      expect(text).toContain('Не понял дату')
      expect(text).toContain('«дз в пятницу»')
    }
  })
})

describe('/week', () => {
  it('shows the week and navigates by editing the message', async () => {
    const monday = mondayOf(today)
    const r = await bot.say(ANNA_MUM, '/week')
    const text = bot.text(r)
    expect(text).toContain(`Дневник: ${dm(monday)}–`)
    expect(text).toContain('1. Математика — <b>5</b>')
    expect(text).toContain('2. Русский язык [б]')
    expect(text).toContain('ДЗ: §12 №3–5, стр. 45')
    const prev = await bot.press(ANNA_MUM, button(r, '« пред.'))
    expect(prev[0]!.edit).toBe(true)
    // Sunday shows only when it has lessons (the fixture's timetable has them from a week back)
    const [sunday] = await db.sql`select 1 from lessons where class_id = ${j.classId} and date = ${addDays(monday, -1)}`
    const end = sunday ? addDays(monday, -1) : addDays(monday, -2)
    expect(bot.text(prev)).toContain(`Дневник: ${dm(addDays(monday, -7))}–${dm(end)}`)
    const back = await bot.press(ANNA_MUM, button(prev, 'след. »'))
    expect(bot.text(back)).toContain(`Дневник: ${dm(monday)}–`)
    expect(bot.text(await bot.say(ANNA_MUM, '/week 32.13'))).toContain('Не понял дату')
  })
})

describe('/marks, /attendance, /finals', () => {
  it('averages and forecasts per subject match a hand computation and the diary', async () => {
    const vera = j.students[2]!
    const entries = [
      { offset: 0, n: 1 as const, value: 5, work: 'Ответ на уроке', weight: 1 },
      { offset: -1, n: 1 as const, value: 3, work: 'Контрольная работа', weight: 2 },
      { offset: -2, n: 1 as const, value: 4, work: 'Самостоятельная работа', weight: 1.5 },
      { offset: -1, n: 2 as const, value: 2, work: 'Ответ на уроке', weight: 1 },
    ]
    for (const e of entries)
      await addMark(db.sql, j.teacher, await lessonOn(addDays(today, e.offset), e.n), { studentId: vera.id, value: e.value, workTypeId: work(e.work) })
    await addMark(db.sql, j.teacher, await lessonOn(today, 2), { studentId: vera.id, passed: true, workTypeId: work('Ответ на уроке'), comment: 'Словарный диктант' })

    const maths = entries.filter((e) => e.n === 1)
    const avg = maths.reduce((s, e) => s + e.value * e.weight, 0) / maths.reduce((s, e) => s + e.weight, 0)
    const expected = (Math.round(avg * 100) / 100).toFixed(2).replace('.', ',')
    expect(expected).toBe('3,78')

    const r = await bot.say(VERA_MUM, '/marks')
    const text = bot.text(r)
    expect(text).toContain('Отметки: 2 четверть')
    expect(text).toContain(`Математика: 4 3 5 · средний <b>${expected}</b> · прогноз 4`)
    expect(text).toContain('Русский язык: 2 зачёт · средний <b>2,00</b>\n')

    const d = await diary(db.sql, vera.id, today, today)
    const fromDiary = d.periods.find((p) => p.periodId === quarterId)!.subjects.find((s) => s.subject === 'Математика')!
    expect(fromDiary.average!.toFixed(2).replace('.', ',')).toBe(expected)
    expect(fromDiary.forecast).toBe(4)

    const details = await bot.press(VERA_MUM, button(r, 'Русский язык'))
    expect(details[0]!.edit).toBe(true)
    expect(bot.text(details)).toContain(`${dm(today)} — <b>зачёт</b>, Ответ на уроке (вес 1): <i>Словарный диктант</i>`)
    const year = await bot.press(VERA_MUM, button(r, 'Год'))
    expect(bot.text(year)).toContain('Отметки: Год')
    expect(bot.text(year)).toContain(`средний <b>${expected}</b>`)
    for (const b of buttons(r)) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64)
  })

  it('/attendance counts by kind and lists the recent ones', async () => {
    const text = bot.text(await bot.say(ANNA_MUM, '/attendance'))
    expect(text).toContain('Пропуски: 2 четверть')
    expect(text).toContain('Пропущено уроков: <b>1</b> (1 день с пропусками)')
    expect(text).toContain('н — 0, б — 1, уп — 0, оп — 1')
    expect(text).toContain(`${dm(today)}, 2 урок, Русский язык — б`)
    expect(text).toContain(`${dm(addDays(today, -2))}, 1 урок, Математика — оп`)
    expect(bot.text(await bot.say(BORIS_MUM, '/attendance'))).toContain('пропусков и опозданий нет')
  })

  it('/finals shows the final marks per period', async () => {
    const vera = j.students[2]!
    expect(bot.text(await bot.say(VERA_MUM, '/finals'))).toContain('Итоговых отметок в этом учебном году пока нет')
    await setFinalMark(db.sql, j.teacher, { periodId: quarterId, subjectId: j.subjects.maths, studentId: vera.id, value: 4 })
    await setFinalMark(db.sql, j.teacher, { periodId: quarterId, subjectId: j.subjects.russian, studentId: vera.id, status: 'exempt' })
    const text = bot.text(await bot.say(VERA_MUM, '/finals'))
    expect(text).toContain('<b>2 четверть</b>')
    expect(text).toContain('Математика: <b>4</b>')
    expect(text).toContain('Русский язык: <b>освобождён</b>')
    expect(bot.text(await bot.say(VERA_MUM, '/marks'))).toContain('· итог <b>4</b>')
  })
})

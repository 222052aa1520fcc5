import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays, cancelLesson, diary, zonedInstant } from '../../core/journal/index.ts'
import type { Outgoing } from '../../bots/conversation/types.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'

const TEACHER = 7001
let db: TestDb
let j: JournalFixture
let bot: Conversation

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 3 })
  await linkChat(db.sql, j.teacherId, TEACHER)
  bot = converse(db.sql)
})
afterAll(async () => db?.close())

const buttons = (r: Outgoing[]) => r.flatMap((o) => (o.buttons ?? []).flat())
const data = (r: Outgoing[], label: string | RegExp) => {
  const b = buttons(r).find((x) => (typeof label === 'string' ? x.label.includes(label) : label.test(x.label)))
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(buttons(r))}`)
  return b.data
}
const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`

async function homeworkOf(lessonId: string) {
  return db.sql<{ text: string; pages: string | null; exercises: string | null; attachments: { name: string; ref: string }[] }[]>`
    select text, pages, exercises, attachments from homework where lesson_id = ${lessonId} and removed_at is null`
}

describe('homework by free text', () => {
  it('resolves «7А алгебра …» to today’s maths lesson, confirms, and the diary shows it', async () => {
    const r = await bot.say(TEACHER, '7А алгебра §12 №3–5, стр. 45')
    expect(bot.text(r)).toContain(`Домашнее задание для <b>7А, Математика</b>, к уроку ${dm(j.today)} (1-й урок)`)
    expect(bot.text(r)).toContain('§12 №3–5, стр. 45')
    expect(bot.text(r)).toContain('Страницы: 45')
    // nothing is written before [Сохранить]
    expect(await homeworkOf(await j.lesson(0, 1))).toHaveLength(0)

    const saved = await bot.press(TEACHER, data(r, 'Сохранить'))
    expect(bot.text(saved)).toBe(`Сохранено: 7А, Математика, урок ${dm(j.today)}. Родители увидят его в дневнике.`)
    expect(saved[0]!.edit).toBe(true)

    const d = await diary(db.sql, j.students[0]!.id, j.today, j.today)
    const lessons = d.days[0]!.lessons
    const byId = new Map(lessons.map((l) => [l.lessonId, l]))
    expect(byId.get(await j.lesson(0, 1))!.homework).toMatchObject({ text: '§12 №3–5, стр. 45', pages: '45', exercises: '3–5' })
    expect(byId.get(await j.lesson(0, 2))!.homework).toBeNull()
  })

  it('a subject by its stem goes to that subject; a replaced assignment is announced', async () => {
    const r = await bot.say(TEACHER, '7а рус яз упр. 125')
    expect(bot.text(r)).toContain('<b>7А, Русский язык</b>')
    expect(bot.text(r)).toContain('(2-й урок)')
    await bot.press(TEACHER, data(r, 'Сохранить'))
    expect(await homeworkOf(await j.lesson(0, 2))).toMatchObject([{ text: 'упр. 125', exercises: '125', pages: null }])

    const again = await bot.say(TEACHER, '7A русский упр. 126')
    expect(bot.text(again)).toContain('новое задание заменит прежнее')
    await bot.press(TEACHER, data(again, 'Сохранить'))
    expect(await homeworkOf(await j.lesson(0, 2))).toMatchObject([{ text: 'упр. 126' }])
  })

  it('goes to the next lesson when today’s is cancelled', async () => {
    const today = await j.lesson(0, 1)
    const tomorrow = await j.lesson(1, 1)
    await db.sql`update homework set removed_at = now() where lesson_id = ${today}`
    await cancelLesson(db.sql, j.admin, today, 'карантин')
    try {
      const r = await bot.say(TEACHER, '7А математика №7')
      expect(bot.text(r)).toContain(`к уроку ${dm(addDays(j.today, 1))} (1-й урок) — ближайшему`)
      await bot.press(TEACHER, data(r, 'Сохранить'))
      expect(await homeworkOf(tomorrow)).toMatchObject([{ text: '№7', exercises: '7' }])
      expect(await homeworkOf(today)).toHaveLength(0)
    } finally {
      await db.sql`update lessons set status = 'planned' where id = ${today}`
    }
  })

  it('cancelling a draft saves nothing, and an old draft’s button has expired', async () => {
    const r = await bot.say(TEACHER, '7А матем стр. 99')
    const cancelled = await bot.press(TEACHER, data(r, 'Отменить'))
    expect(bot.text(cancelled)).toContain('ничего не сохранено')
    expect(bot.text(await bot.press(TEACHER, data(r, 'Сохранить')))).toContain('Черновик устарел')

    const r2 = await bot.say(TEACHER, '7А матем стр. 98')
    await bot.say(TEACHER, '/lessons') // a command drops the pending draft
    expect(bot.text(await bot.press(TEACHER, data(r2, 'Сохранить')))).toContain('Черновик устарел')
    // a newer draft does not take an older keyboard's press
    const r3 = await bot.say(TEACHER, '7А матем стр. 97')
    await bot.say(TEACHER, '7А матем стр. 96')
    expect(bot.text(await bot.press(TEACHER, data(r3, 'Сохранить')))).toContain('Черновик устарел')
    const all = await db.sql`select text from homework where text like 'стр. 9%'`
    expect(all).toHaveLength(0)
  })
})

describe('photos and documents', () => {
  it('a photo with a caption is a draft with the photo; a document sent next is added to it', async () => {
    const r = await bot.files(TEACHER, [{ kind: 'photo', fileId: 'AgACphoto1', name: 'photo.jpg' }], '7А алгебра решить задачи на фото')
    expect(bot.text(r)).toContain('Вложений: 1')
    const r2 = await bot.files(TEACHER, [{ kind: 'document', fileId: 'BQACdoc1', name: 'карточка.pdf' }])
    expect(bot.text(r2)).toContain('Вложений: 2')
    const saved = await bot.press(TEACHER, data(r2, 'Сохранить'))
    expect(bot.text(saved)).toContain('вложений: 2')
    expect(await homeworkOf(await j.lesson(0, 1))).toMatchObject([{
      text: 'решить задачи на фото',
      attachments: [{ name: 'photo.jpg', ref: 'telegram:photo:AgACphoto1' }, { name: 'карточка.pdf', ref: 'telegram:document:BQACdoc1' }],
    }])
  })

  it('a file without a caption asks which lesson, then the text', async () => {
    const r = await bot.files(TEACHER, [{ kind: 'document', fileId: 'BQACdoc2', name: 'тест.docx' }])
    expect(bot.text(r)).toContain('К какому уроку их приложить')
    const russianToday = await j.lesson(0, 2)
    const pick = buttons(r).find((b) => b.data === `tch:hw:${russianToday}`)
    expect(pick?.label).toContain('Русский язык')
    const ask = await bot.press(TEACHER, pick!.data)
    expect(bot.text(ask)).toContain('Напишите задание для <b>7А, Русский язык</b>')
    expect(bot.text(ask)).toContain('Сейчас задано: упр. 126')
    const confirm = await bot.say(TEACHER, 'выполнить тест, с. 10–12')
    expect(bot.text(confirm)).toContain('Страницы: 10–12')
    await bot.press(TEACHER, data(confirm, 'Сохранить'))
    expect(await homeworkOf(russianToday)).toMatchObject([{
      text: 'выполнить тест, с. 10–12', pages: '10–12', attachments: [{ ref: 'telegram:document:BQACdoc2' }],
    }])
  })
})

describe('/hw and /lessons', () => {
  it('/lessons lists today’s lessons with homework and buttons', async () => {
    const r = await bot.say(TEACHER, '/lessons')
    const t = bot.text(r)
    expect(t).toContain(`Мои уроки, ${dm(j.today)}`)
    expect(t).toMatch(/1\. 08:30–09:15 — <b>7А<\/b>, Математика/)
    expect(t).toMatch(/2\. 09:25–10:10 — <b>7А<\/b>, Русский язык/)
    expect(t).toContain('ДЗ: задано')
    expect(buttons(r).map((b) => b.data)).toEqual([
      `tch:hw:${await j.lesson(0, 1)}`, `tch:at:${await j.lesson(0, 1)}`, `tch:hw:${await j.lesson(0, 2)}`, `tch:at:${await j.lesson(0, 2)}`,
    ])
    for (const b of buttons(r)) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64)
  })

  it('/hw → a lesson → the text → saved', async () => {
    // late in the day: today's lessons are over, so tomorrow's are offered too
    const evening = converse(db.sql, { now: () => zonedInstant(j.today, '18:00', ZONE) })
    const r = await evening.say(TEACHER, '/hw')
    const tomorrow = await j.lesson(1, 2)
    expect(buttons(r).map((b) => b.data)).toContain(`tch:hw:${tomorrow}`)
    const ask = await evening.press(TEACHER, `tch:hw:${tomorrow}`)
    expect(evening.text(ask)).toContain(`к уроку ${dm(addDays(j.today, 1))} (2-й урок)`)
    const confirm = await evening.say(TEACHER, 'сочинение «Моё лето», упр 3')
    await evening.press(TEACHER, data(confirm, 'Сохранить'))
    expect(await homeworkOf(tomorrow)).toMatchObject([{ text: 'сочинение «Моё лето», упр 3', exercises: '3' }])
  })

  it('a whole «7А …» message while a lesson waits for its text is read on its own', async () => {
    const r = await bot.press(TEACHER, `tch:hw:${await j.lesson(0, 1)}`)
    expect(bot.text(r)).toContain('Напишите задание для <b>7А, Математика</b>')
    const confirm = await bot.say(TEACHER, '7А русский упр. 200')
    expect(bot.text(confirm)).toContain('<b>7А, Русский язык</b>')
    expect(bot.text(confirm)).toContain('упр. 200')
    await bot.press(TEACHER, data(confirm, 'Отменить'))
  })
})

describe('bad input', () => {
  it('a class that is not the teacher’s, a subject not taught there, a missing text', async () => {
    const before = await db.sql`select count(*)::int as n from homework`
    expect(bot.text(await bot.say(TEACHER, '7Б алгебра №1'))).toBe(
      'Не нашёл 7Б среди ваших классов: 7А. Начните сообщение с вашего класса, например: «7А алгебра §12».')
    const subject = bot.text(await bot.say(TEACHER, '7А физика п. 23'))
    expect(subject).toContain('Не понял предмет «физика». В 7А вы ведёте: Математика, Русский язык.')
    expect(bot.text(await bot.say(TEACHER, '7А алгебра'))).toContain('Напишите после предмета само задание')
    const after = await db.sql`select count(*)::int as n from homework`
    expect(after[0]!.n).toBe(before[0]!.n)
  })

  it('a text of a teacher without a class token is not the teacher’s', async () => {
    expect(bot.text(await bot.say(TEACHER, 'алгебра §12'))).toContain('Не понял сообщение')
  })

  it('a parent cannot use the teacher’s commands or post homework', async () => {
    await linkChat(db.sql, j.students[0]!.guardianId, 7100)
    expect(bot.text(await bot.say(7100, '/hw'))).toContain('Эта команда — для учителей')
    expect(bot.text(await bot.press(7100, `tch:hw:${await j.lesson(0, 1)}`))).toContain('Эта команда — для учителей')
    expect(bot.text(await bot.say(7100, '7А алгебра №1'))).not.toContain('Домашнее задание для')
  })

  it('grade 1: no homework, by text or by button', async () => {
    const g1 = await buildJournal(db.sql, { grade: 1, students: 1 })
    await linkChat(db.sql, g1.teacherId, 7002)
    expect(bot.text(await bot.say(7002, '1А математика стр. 5'))).toBe('В 1 классе домашнее задание не задаётся.')
    expect(bot.text(await bot.press(7002, `tch:hw:${await g1.lesson(0, 1)}`))).toBe('В 1 классе домашнее задание не задаётся.')
    expect(bot.text(await bot.say(7002, '/hw'))).toContain('нет уроков, к которым можно задать')
    const lessons = await bot.say(7002, '/lessons')
    expect(buttons(lessons).some((b) => b.data.startsWith('tch:hw:'))).toBe(false)
    expect(await db.sql`select 1 from homework h join lessons l on l.id = h.lesson_id where l.class_id = ${g1.classId}`).toHaveLength(0)
  })

  it('a forged button for another school’s lesson is refused and nothing is written', async () => {
    const other = await buildJournal(db.sql, { students: 1 })
    const forged = await other.lesson(0, 1)
    expect(bot.text(await bot.press(TEACHER, `tch:hw:${forged}`))).toContain('Это не ваш урок')
    expect(bot.text(await bot.say(TEACHER, 'прочитать главу'))).toContain('Не понял сообщение')
    expect(bot.text(await bot.press(TEACHER, `tch:at:${forged}`))).toContain('Это не ваш урок')
    expect(bot.text(await bot.press(TEACHER, 'tch:hw:not-a-uuid'))).toContain('Черновик устарел')
    expect(await db.sql`select 1 from homework where lesson_id = ${forged}`).toHaveLength(0)
    expect(await db.sql`select 1 from attendance where lesson_id = ${forged}`).toHaveLength(0)
  })
})

describe('/attend', () => {
  const at = (time: string) => converse(db.sql, { now: () => zonedInstant(j.today, time, ZONE) })

  it('says when there is no lesson now, else takes the latest begun', async () => {
    const early = at('07:00')
    expect(early.text(await early.say(TEACHER, '/attend'))).toContain('Ближайший: 08:30, 7А, Математика')
    const noon = at('12:00')
    expect(noon.text(await noon.say(TEACHER, '/attend'))).toContain('<b>7А, Русский язык</b>, 2-й урок')
  })

  it('toggles students and saves them in one go; the outbox carries the events for the guardians', async () => {
    const b = at('08:40')
    const lessonId = await j.lesson(0, 1)
    const r = await b.say(TEACHER, '/attend')
    expect(b.text(r)).toContain('<b>7А, Математика</b>, 1-й урок')
    expect(buttons(r).map((x) => x.label).slice(0, 3)).toEqual(['1. Ученикова0 А.', '2. Ученикова1 Б.', '3. Ученикова2 В.'])
    const tap = async (label: string, from: Outgoing[]) => b.press(TEACHER, data(from, label))
    let k = await tap('1. Ученикова0', r)
    expect(buttons(k).map((x) => x.label)).toContain('1. Ученикова0 А. — н')
    expect(k[0]!.edit).toBe(true)
    k = await tap('3. Ученикова2', k)
    k = await tap('2. Ученикова1', k)
    k = await tap('3. Ученикова2', k) // changed her mind: present
    expect(b.text(k)).toContain('Отмечено: 2')
    // nothing is written until [Готово]
    expect(await db.sql`select 1 from attendance where lesson_id = ${lessonId}`).toHaveLength(0)

    const done = await b.press(TEACHER, data(k, 'Готово'))
    expect(b.text(done)).toContain('Отмечено отсутствующих: 2 — Ученикова0 А., Ученикова1 Б.')
    expect(b.text(done)).toContain('Родителям отсутствующих придут уведомления.')
    const rows = await db.sql<{ studentId: string; kind: string }[]>`
      select student_id, kind from attendance where lesson_id = ${lessonId} and removed_at is null order by student_id`
    expect(rows.map((x) => [x.studentId, x.kind]).sort()).toEqual([[j.students[0]!.id, 'absent'], [j.students[1]!.id, 'absent']].sort())
    const events = await db.sql<{ studentId: string }[]>`
      select student_id from outbox where kind = 'attendance.set' and payload->>'lessonId' = ${lessonId}`
    expect(events.map((e) => e.studentId).sort()).toEqual([j.students[0]!.id, j.students[1]!.id].sort())
    // the old keyboard is spent
    expect(b.text(await b.press(TEACHER, data(k, 'Готово')))).toContain('Этот список устарел')
  })

  it('preloads what was marked; clearing a mark removes the entry', async () => {
    const b = at('09:00')
    const lessonId = await j.lesson(0, 1)
    const r = await b.say(TEACHER, '/attend')
    expect(buttons(r).map((x) => x.label).slice(0, 2)).toEqual(['1. Ученикова0 А. — н', '2. Ученикова1 Б. — н'])
    const k = await b.press(TEACHER, data(r, '2. Ученикова1'))
    const done = await b.press(TEACHER, data(k, 'Готово'))
    expect(b.text(done)).toContain('Отмечено отсутствующих: 1 — Ученикова0 А.')
    expect(b.text(done)).not.toContain('придут уведомления') // only a mark was cleared
    const live = await db.sql`select student_id from attendance where lesson_id = ${lessonId} and removed_at is null`
    expect(live.map((x) => x.studentId)).toEqual([j.students[0]!.id])
    expect(await db.sql`select 1 from outbox where kind = 'attendance.removed' and student_id = ${j.students[1]!.id}`).toHaveLength(1)
  })

  it('the attendance of a lesson from /lessons; a class list that changed meanwhile saves nothing', async () => {
    const b = at('09:30')
    const lessonId = await j.lesson(0, 2)
    const r = await b.press(TEACHER, `tch:at:${lessonId}`)
    expect(b.text(r)).toContain('<b>7А, Русский язык</b>, 2-й урок')
    let k = await b.press(TEACHER, data(r, '1. Ученикова0'))
    k = await b.press(TEACHER, data(k, '3. Ученикова2'))
    // the third student leaves the class before [Готово]
    await db.sql`update enrolments set ended_on = ${addDays(j.today, -1)}, started_on = least(started_on, ${addDays(j.today, -1)})
                 where student_id = ${j.students[2]!.id}`
    const done = await b.press(TEACHER, data(k, 'Готово'))
    expect(b.text(done)).toContain('Список класса изменился')
    expect(await db.sql`select 1 from attendance where lesson_id = ${lessonId}`).toHaveLength(0)
  })
})

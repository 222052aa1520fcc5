import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveLessonGrid } from '../../core/journal/index.ts'
import { getPreferences } from '../../core/notifications/index.ts'
import type { Outgoing } from '../../bots/conversation/types.ts'
import { createAccount } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, ctxOf, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'

const CLASS_TEACHER = 8001
const TEACHER = 8002
let db: TestDb
let j: JournalFixture
let bot: Conversation
let ctAccount: string

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 3 })
  ctAccount = (await createAccount(db.sql, {
    personId: j.classTeacherId, roles: [{ role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }],
  })).accountId
  await linkChat(db.sql, j.classTeacherId, CLASS_TEACHER)
  await linkChat(db.sql, j.teacherId, TEACHER)
  bot = converse(db.sql)
  const [s0, s1] = j.students
  // Anna misses both lessons (н); Boris misses Russian, ill with a note; Vera is late to maths
  await saveLessonGrid(db.sql, j.teacher, await j.lesson(0, 1), {
    requestId: 'seed-lesson-1', marks: [], removeMarkIds: [],
    attendance: [{ studentId: s0!.id, kind: 'absent' }, { studentId: j.students[2]!.id, kind: 'late' }],
  })
  await saveLessonGrid(db.sql, j.teacher, await j.lesson(0, 2), {
    requestId: 'seed-lesson-2', marks: [], removeMarkIds: [],
    attendance: [{ studentId: s0!.id, kind: 'absent' }, { studentId: s1!.id, kind: 'ill', reason: 'справка' }],
  })
})
afterAll(async () => db?.close())

const buttons = (r: Outgoing[]) => r.flatMap((o) => (o.buttons ?? []).flat())
const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`

async function attendanceOf(studentId: string) {
  return db.sql<{ kind: string; reason: string | null; confirmed: boolean; lessonNumber: number }[]>`
    select a.kind, a.reason, a.reason_confirmed_at is not null as confirmed, l.lesson_number
    from attendance a join lessons l on l.id = a.lesson_id
    where a.student_id = ${studentId} and a.removed_at is null order by l.lesson_number`
}

describe('/absences', () => {
  it('lists today’s absences with full names, lessons, kind and reason, and a confirm button per student', async () => {
    const r = await bot.say(CLASS_TEACHER, '/absences')
    const t = bot.text(r)
    expect(t).toContain(`<b>7А — отсутствующие, ${dm(j.today)}</b>`)
    expect(t).toMatch(/<b>Ученикова0 Анна<\/b> — весь день\n {3}1\. Математика — н\n {3}2\. Русский язык — н/)
    expect(t).toMatch(/<b>Ученикова1 Борис<\/b>\n {3}2\. Русский язык — б, справка/)
    expect(t).toMatch(/<b>Ученикова2 Вера<\/b>\n {3}1\. Математика — оп/)
    const day = j.today.replace(/-/g, '')
    expect(buttons(r).map((b) => b.data)).toEqual([
      `ct:b:${j.students[0]!.id}:${day}`, `ct:u:${j.students[0]!.id}:${day}`,
      `ct:b:${j.students[1]!.id}:${day}`, `ct:u:${j.students[1]!.id}:${day}`,
    ])
    for (const b of buttons(r)) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64)
  })

  it('confirming a reason updates the student’s attendance of the day and re-renders', async () => {
    const s0 = j.students[0]!.id
    const r = await bot.press(CLASS_TEACHER, `ct:b:${s0}:${j.today.replace(/-/g, '')}`)
    expect(r[0]!.edit).toBe(true)
    expect(bot.text(r)).toContain('Подтверждено: Ученикова0 А. — болезнь (уроков: 2)')
    expect(bot.text(r)).toContain('1. Математика — б, болезнь (подтверждено)')
    expect(await attendanceOf(s0)).toEqual([
      { kind: 'ill', reason: 'болезнь', confirmed: true, lessonNumber: 1 },
      { kind: 'ill', reason: 'болезнь', confirmed: true, lessonNumber: 2 },
    ])
    const events = await db.sql`
      select 1 from outbox where kind = 'attendance.changed' and student_id = ${s0} and (payload->>'confirmed')::boolean`
    expect(events).toHaveLength(2)
    // her buttons are gone; Boris's stay
    expect(buttons(r).every((b) => !b.data.includes(s0))).toBe(true)
    expect(buttons(r).some((b) => b.data.includes(j.students[1]!.id))).toBe(true)

    // уп keeps the teacher's note as the reason
    const s1 = j.students[1]!.id
    await bot.press(CLASS_TEACHER, `ct:u:${s1}:${j.today.replace(/-/g, '')}`)
    expect(await attendanceOf(s1)).toEqual([{ kind: 'excused', reason: 'справка', confirmed: true, lessonNumber: 2 }])
    // pressed again: nothing left to confirm
    expect(bot.text(await bot.press(CLASS_TEACHER, `ct:u:${s1}:${j.today.replace(/-/g, '')}`))).toContain('Неподтверждённых пропусков')
  })

  it('is for class teachers only, and a forged student of another class confirms nothing', async () => {
    expect(bot.text(await bot.say(TEACHER, '/absences'))).toContain('Эта команда — для классных руководителей')
    expect(bot.text(await bot.press(TEACHER, `ct:b:${j.students[2]!.id}:${j.today.replace(/-/g, '')}`))).toContain('для классных руководителей')
    const other = await buildJournal(db.sql, { students: 1 })
    const stranger = other.students[0]!.id
    await saveLessonGrid(db.sql, other.teacher, await other.lesson(0, 1), {
      requestId: 'seed-other-1', marks: [], removeMarkIds: [], attendance: [{ studentId: stranger, kind: 'absent' }],
    })
    expect(bot.text(await bot.press(CLASS_TEACHER, `ct:b:${stranger}:${other.today.replace(/-/g, '')}`))).toContain('Неподтверждённых пропусков')
    expect(await attendanceOf(stranger)).toEqual([{ kind: 'absent', reason: null, confirmed: false, lessonNumber: 1 }])
    expect(bot.text(await bot.press(CLASS_TEACHER, 'ct:b:whatever'))).toContain('Эта кнопка устарела')
  })
})

describe('/digest', () => {
  const ct = () => ctxOf(ctAccount, j.classTeacherId, [{ role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }]).actor
  const modes = async () => (await getPreferences(db.sql, ct(), j.classTeacherId)).preferences
    .filter((p) => p.topic === 'absence_digest').map((p) => `${p.channel}:${p.mode}`)

  it('shows the subscription and toggles it', async () => {
    const r = await bot.say(CLASS_TEACHER, '/digest')
    expect(bot.text(r)).toContain('Сейчас: приходит в Telegram.')
    expect(buttons(r).map((b) => b.data)).toEqual(['ct:d:off'])

    const off = await bot.press(CLASS_TEACHER, 'ct:d:off')
    expect(bot.text(off)).toContain('Готово, вы отписались.')
    expect(bot.text(off)).toContain('Сейчас: не приходит.')
    expect(await modes()).toEqual(['telegram:off', 'email:off', 'sms:off'])

    const on = await bot.press(CLASS_TEACHER, 'ct:d:on')
    expect(bot.text(on)).toContain('Сейчас: приходит в Telegram.')
    expect(await modes()).toEqual(['telegram:instant', 'email:off', 'sms:off'])
    expect(bot.text(await bot.say(CLASS_TEACHER, '/digest'))).toContain('приходит в Telegram')
  })

  it('is for class teachers only', async () => {
    expect(bot.text(await bot.say(TEACHER, '/digest'))).toContain('для классных руководителей')
    expect(bot.text(await bot.press(TEACHER, 'ct:d:off'))).toContain('для классных руководителей')
  })
})

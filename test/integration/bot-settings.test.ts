/**
 * /settings in the bot: the notifier's preferences of the chat's person, changed by buttons and
 * saved through core (read back with getPreferences), a chat of two persons choosing first,
 * class-teacher topics, and a person without an account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../../core/auth/policy.ts'
import { getPreferences } from '../../core/notifications/index.ts'
import type { Outgoing } from '../../bots/conversation/types.ts'
import { createAccount, createPerson } from '../helpers/app.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'

let db: TestDb
let j: JournalFixture
let bot: Conversation
const NO_ACCOUNT = 3001, PARENT = 3002, TWO = 3003
let parent: { personId: string; actor: Actor }
let teacherParent: { staffId: string; guardianId: string }

const buttons = (r: Outgoing[]) => r.flatMap((o) => (o.buttons ?? []).flat())
const button = (r: Outgoing[], label: RegExp) => {
  const b = buttons(r).find((x) => label.test(x.label))
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(buttons(r))}`)
  return b.data
}
const telegramMode = async (personId: string, actor: Actor, topic: string) =>
  (await getPreferences(db.sql, actor, personId)).preferences.find((p) => p.topic === topic && p.channel === 'telegram')!.mode

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 3 })
  bot = converse(db.sql)
  await linkChat(db.sql, j.students[0]!.guardianId, NO_ACCOUNT)

  const g = j.students[1]!.guardianId
  const acc = await createAccount(db.sql, { personId: g, roles: [{ role: 'guardian', schoolId: j.schoolId }] })
  parent = { personId: g, actor: { accountId: acc.accountId, sessionId: 's', personIds: [g], roles: [] } }
  await linkChat(db.sql, g, PARENT)

  // a class teacher who is also a parent: two persons, two accounts, one chat
  const staffId = await createPerson(db.sql, j.schoolId, 'staff', { lastName: 'Учителева', firstName: 'Ирина' })
  await createAccount(db.sql, { personId: staffId, roles: [{ role: 'teacher', schoolId: j.schoolId }, { role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }] })
  const guardianId = await createPerson(db.sql, j.schoolId, 'guardian', { guardianOf: [j.students[2]!.id], lastName: 'Учителева', firstName: 'Ирина' })
  await createAccount(db.sql, { personId: guardianId, roles: [{ role: 'guardian', schoolId: j.schoolId }] })
  await linkChat(db.sql, staffId, TWO)
  await linkChat(db.sql, guardianId, TWO)
  teacherParent = { staffId, guardianId }
})
afterAll(async () => db?.close())

describe('/settings', () => {
  it('explains to a person without an account', async () => {
    const r = await bot.say(NO_ACCOUNT, '/settings')
    expect(bot.text(r)).toContain('доступны владельцу учётной записи')
    expect(buttons(r)).toEqual([])
  })

  it('shows the defaults: channels, modes per topic, quiet hours, digest time', async () => {
    const text = bot.text(await bot.say(PARENT, '/settings'))
    expect(text).toContain('Каналы: Telegram ✓, почта —, SMS —')
    for (const line of ['Отметки — сразу', 'Пропуски — сразу', 'Домашнее задание — в сводке', 'Итоговые отметки — сразу', 'Сообщения — сразу', 'Объявления — сразу'])
      expect(text).toContain(line)
    expect(text).not.toContain('Сводка отсутствующих')
    expect(text).toContain('Тихие часы: 21:00–08:00')
    expect(text).toContain('Вечерняя сводка: в 19:00')
  })

  it('cycles a topic instant → digest → off → instant, saving each press', async () => {
    const { personId, actor } = parent
    let r = await bot.say(PARENT, '/settings')
    for (const [label, next] of [['сразу', 'digest'], ['в сводке', 'off'], ['выкл\\.', 'instant']] as const) {
      r = await bot.press(PARENT, button(r, new RegExp(`^Отметки: ${label}$`)))
      expect(r[0]!.edit).toBe(true)
      expect(await telegramMode(personId, actor, 'marks')).toBe(next)
    }
    expect(bot.text(r)).toContain('Отметки — сразу')
    // the other topics are untouched
    expect(await telegramMode(personId, actor, 'homework')).toBe('digest')
  })

  it('switches quiet hours, the digest time and all notifications', async () => {
    const { personId, actor } = parent
    let r = await bot.say(PARENT, '/settings')
    r = await bot.press(PARENT, button(r, /^Тихие часы: вкл\.$/))
    expect((await getPreferences(db.sql, actor, personId)).quietHours).toBeNull()
    expect(bot.text(r)).toContain('Тихие часы: выключены')
    r = await bot.press(PARENT, button(r, /^Тихие часы: выкл\.$/))
    expect((await getPreferences(db.sql, actor, personId)).quietHours).toEqual({ from: '21:00', to: '08:00' })

    for (const at of ['20:00', '21:00', '18:00', '19:00']) {
      r = await bot.press(PARENT, button(r, /^Сводка в /))
      expect((await getPreferences(db.sql, actor, personId)).digestAt).toBe(at)
      expect(bot.text(r)).toContain(`Вечерняя сводка: в ${at}`)
    }

    r = await bot.press(PARENT, button(r, /^Выключить все уведомления$/))
    expect((await getPreferences(db.sql, actor, personId)).enabled).toBe(false)
    expect(bot.text(r)).toContain('Уведомления выключены')
    expect(buttons(r).map((b) => b.label)).toEqual(['Включить уведомления'])
    r = await bot.press(PARENT, button(r, /^Включить уведомления$/))
    expect((await getPreferences(db.sql, actor, personId)).enabled).toBe(true)
  })

  it('a chat of two persons chooses whose settings, with class-teacher topics for the class teacher', async () => {
    const r = await bot.say(TWO, '/settings')
    expect(bot.text(r)).toContain('Чьи уведомления настроить?')
    expect(buttons(r)).toHaveLength(2)
    // persons come in the speaker's order: the guardian card, then the staff card
    const staff = await bot.press(TWO, buttons(r)[1]!.data)
    const text = bot.text(staff)
    expect(text).toContain('Уведомления: Учителева Ирина')
    expect(text).toContain('Сводка отсутствующих — сразу')
    expect(text).toContain('Недельная сводка — сразу')
    expect(text).not.toContain('Отметки —')
    const off = await bot.press(TWO, button(staff, /^Сводка отсутствующих: сразу$/))
    expect(bot.text(off)).toContain('Сводка отсутствующих — в сводке')
    const actor: Actor = { accountId: 'x', sessionId: 's', personIds: [teacherParent.staffId, teacherParent.guardianId], roles: [] }
    expect(await telegramMode(teacherParent.staffId, actor, 'absence_digest')).toBe('digest')
    expect(await telegramMode(teacherParent.guardianId, actor, 'absence_digest')).toBe('instant')

    const family = bot.text(await bot.press(TWO, buttons(r)[0]!.data))
    expect(family).toContain('Отметки — сразу')
    expect(family).not.toContain('Сводка отсутствующих')
  })

  it('refuses a stale or forged person index', async () => {
    expect(bot.text(await bot.press(PARENT, 'prefs:5:e'))).toContain('Это действие устарело')
    expect(bot.text(await bot.press(PARENT, 'prefs:0:t:99'))).toContain('Это действие устарело')
    expect((await getPreferences(db.sql, parent.actor, parent.personId)).enabled).toBe(true)
  })
})

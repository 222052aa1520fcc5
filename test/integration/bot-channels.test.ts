/**
 * Moderated class channels end to end, once through the grammY runtime and once through the
 * telegraf adapter: a real bot polling the fake Bot API over HTTP, where people ask to join the
 * class's supergroup, write in it, report, appeal, and moderators act by reply and in their
 * private chat. The fake keeps the group's state (members, restrictions, deleted messages), so
 * the assertions read what Telegram would show.
 */
import { Api } from 'grammy'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sweepChannels } from '../../bots/moderation/sweep.ts'
import { rawCaller } from '../../bots/telegram/grammy.ts'
import { issueBindCode } from '../../core/channels/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import { recordMovement } from '../../core/journal/movement.ts'
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createAccount } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, ctxOf, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { TOKEN } from '../helpers/notifier.ts'
import { startBotUnderTest, type BotUnderTest, type GroupUnderTest, type RuntimeKind } from '../helpers/telegram-bot.ts'

let db: TestDb
let sql: Sql
const OBSCENE = ['Да пошли вы на х у й с этой сменкой', 'это п1зд@ц какой-то', 'бляяяя опять контрольная']

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
})
afterAll(async () => db?.close())

describe.each([
  { kind: 'grammy' as RuntimeKind, base: 910_000 },
  { kind: 'telegraf' as RuntimeKind, base: 920_000 },
])('a class channel through the $kind runtime', ({ kind, base }) => {
  let j: JournalFixture
  let tg: FakeTelegram
  let bot: BotUnderTest
  let group: GroupUnderTest
  const GROUP = -(1_000_000_000_000 + base)
  const CLASS_TEACHER = base + 1
  const MODERATOR = base + 2
  const PARENT_A = base + 3
  const PARENT_B = base + 4
  const STUDENT = base + 5
  const STRANGER = base + 6
  const PARENT_C = base + 7
  const sweep = () => sweepChannels(sql, rawCaller(new Api(TOKEN, { apiRoot: tg.apiRoot })), pino({ level: 'silent' }))
  const channelId = async () => (await sql<{ id: string }[]>`select id from channels where chat_id = ${GROUP} and unbound_at is null`)[0]!.id
  const actions = async (userId: number) =>
    sql<{ action: string; rule: string; messageText: string | null }[]>`
      select action, rule, message_text from moderation_actions where channel_id = ${await channelId()} and target_user_id = ${userId}
      order by created_at, action`

  beforeAll(async () => {
    j = await buildJournal(sql, { students: 3 })
    await createAccount(sql, { personId: j.classTeacherId, roles: [{ role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }] })
    const modPerson = (await sql<{ id: string }[]>`
      insert into persons (school_id, kind, last_name, first_name) values (${j.schoolId}, 'staff', 'Модераторова', 'Ольга') returning id`)[0]!.id
    await createAccount(sql, { personId: modPerson, roles: [{ role: 'moderator', schoolId: j.schoolId }] })
    await linkChat(sql, j.classTeacherId, CLASS_TEACHER)
    await linkChat(sql, modPerson, MODERATOR)
    await linkChat(sql, j.students[0]!.guardianId, PARENT_A)
    await linkChat(sql, j.students[1]!.guardianId, PARENT_B)
    await linkChat(sql, j.students[2]!.id, STUDENT)
    await linkChat(sql, j.students[2]!.guardianId, PARENT_C)
    tg = await startFakeTelegram({ token: TOKEN })
    // the tests sweep themselves (the telegraf adapter would otherwise start its own sweeper)
    bot = await startBotUnderTest(kind, { sql, fake: tg, log: pino({ level: process.env.TEST_LOG ?? 'silent' }), extraDeps: { sweepEveryMs: 0 } })
    group = bot.group(GROUP, { title: '7А родители', isForum: true })
  })
  afterAll(async () => {
    await bot?.stop()
    await tg?.close()
  })

  test('a class teacher binds the group with a code from the bot; someone else cannot use a code', async () => {
    const ctAccount = (await sql<{ accountId: string }[]>`select account_id from account_persons where person_id = ${j.classTeacherId}`)[0]!
    const ctx = ctxOf(ctAccount.accountId, j.classTeacherId, [{ role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }])
    const stolen = await issueBindCode(sql, ctx, j.classId)
    const refused = await group.say(PARENT_A, `/bind ${stolen.code}`)
    expect(refused.text).toContain('выдан другому сотруднику')

    const { code } = await issueBindCode(sql, ctx, j.classId)
    const bound = await group.say(CLASS_TEACHER, `/bind ${code.toLowerCase()}`)
    expect(bound.text).toContain('Группа привязана к классу 7А')
    expect(bound.text).toContain('https://t.me/+')
    expect(bound.calls.some((c) => c.method === 'createChatInviteLink' && c.ok)).toBe(true)
    // the code does not stay on screen
    expect(group.state.deleted).toContain(bound.update.message!.message_id)
    const again = await group.say(CLASS_TEACHER, `/bind ${code}`)
    expect(again.text).toContain('уже привязана')
  })

  test("a stranger's join request is declined and told why; a guardian's is approved", async () => {
    const stranger = await group.requestJoin(STRANGER)
    expect(stranger.calls.map((c) => c.method)).toContain('declineChatJoinRequest')
    expect(group.state.members.get(STRANGER)?.status ?? 'left').not.toBe('member')
    expect(tg.lastMessage(STRANGER)?.text).toContain('Заявка на вступление в группу 7А отклонена')

    for (const user of [PARENT_A, PARENT_B, MODERATOR]) {
      const t = await group.requestJoin(user)
      expect(t.calls.map((c) => c.method)).toContain('approveChatJoinRequest')
      expect(group.state.members.get(user)?.status).toBe('member')
    }
    // a student may join only when the school allows students in the channel
    const student = await group.requestJoin(STUDENT)
    expect(student.calls.map((c) => c.method)).toContain('declineChatJoinRequest')
    await sql`update channels set students_allowed = true where id = ${await channelId()}`
    const allowed = await group.requestJoin(STUDENT)
    expect(allowed.calls.map((c) => c.method)).toContain('approveChatJoinRequest')
  })

  test('an obscene message is deleted and its author warned; the third warning mutes for 24 hours', async () => {
    const clean = await group.say(PARENT_A, 'Завтра контрольная по математике, не забудьте калькулятор')
    expect(clean.calls.filter((c) => c.method === 'deleteMessage')).toHaveLength(0)

    const first = await group.say(PARENT_A, OBSCENE[0]!)
    expect(group.state.deleted).toContain(first.update.message!.message_id)
    expect(first.text).toContain('Предупреждение 1 из 3')
    expect(first.text).not.toContain('х у й')
    const second = await group.say(PARENT_A, OBSCENE[1]!)
    expect(second.text).toContain('Предупреждение 2 из 3')
    expect(tg.canPost(GROUP, PARENT_A)).toBe(true)

    const third = await group.say(PARENT_A, OBSCENE[2]!)
    expect(third.text).toContain('Предупреждение 3 из 3')
    expect(third.text).toContain('в течение 24 ч')
    const restrict = third.calls.find((c) => c.method === 'restrictChatMember')!
    expect(Number(restrict.params.until_date) * 1000 - Date.now()).toBeGreaterThan(23.9 * 3600_000)
    expect(tg.canPost(GROUP, PARENT_A)).toBe(false)

    const record = await actions(PARENT_A)
    expect(record.filter((a) => a.action === 'delete').map((a) => a.messageText)).toEqual(OBSCENE)
    expect(record.filter((a) => a.action === 'warn')).toHaveLength(3)
    expect(record.find((a) => a.action === 'mute')?.rule).toBe('escalation')
    const [audited] = await sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where entity_id = ${await channelId()} and action in ('channel.delete', 'channel.warn', 'channel.mute')`
    expect(audited!.n).toBeGreaterThanOrEqual(7)
  })

  test('a phone number is held for review and the moderators are told', async () => {
    const t = await group.say(PARENT_B, 'Мой номер +7 (912) 345-67-89, звоните после шести')
    expect(group.state.deleted).toContain(t.update.message!.message_id)
    expect(t.text).toContain('отправлено модераторам на проверку')
    expect(t.text).not.toContain('345')
    expect(tg.lastMessage(MODERATOR)?.text).toContain('задержано до проверки')
  })

  test('a report reaches the moderator queue and is acted on', async () => {
    const rude = await group.say(PARENT_B, 'Учительница опять ничего не объяснила, позор')
    const report = await group.say(STUDENT, '/report неуважительно', { replyTo: rude.update.message!.message_id })
    // the report itself leaves the group at once; the reporter is thanked privately
    expect(group.state.deleted).toContain(report.update.message!.message_id)
    expect(tg.lastMessage(STUDENT)?.text).toContain('жалоба передана модераторам')
    expect(tg.lastMessage(MODERATOR)?.text).toContain('Новая жалоба')

    const mod = bot.chat(MODERATOR)
    let queue = await mod.send('/queue')
    // the held phone number comes first (oldest); publish it, then the report
    expect(queue.text).toContain('+7 (912) 345-67-89')
    const publish = queue.buttons.find((b) => b.callback_data?.startsWith('mq:approve:'))!
    queue = await mod.press(publish.callback_data!)
    expect(queue.calls.length).toBeGreaterThan(0)
    expect(group.state.messages.some((m) => m.byBot && m.text.includes('одобренное модератором') && m.text.includes('звоните после шести'))).toBe(true)

    expect(queue.text).toContain('позор')
    // the turn also holds the group's post; the queue's buttons are under the moderator's message
    const del = mod.last()!.keyboard.flat().find((b) => b.callback_data?.startsWith('mq:delete:'))!
    await mod.press(del.callback_data!)
    expect(group.state.deleted).toContain(rude.update.message!.message_id)
    // someone pressing the same button later is told it is done
    const stale = await mod.press(del.callback_data!, tg.messages(MODERATOR).at(-1)!.messageId)
    expect(stale.text).toMatch(/уже рассмотрен/)
  })

  test('a muted member appeals through the bot and a moderator lifts the mute', async () => {
    const appeal = await bot.chat(PARENT_A).send('/appeal Простите, больше не повторится')
    expect(appeal.text).toContain('7А')
    const mod = bot.chat(MODERATOR)
    const queue = await mod.send('/queue')
    expect(queue.text).toContain('Простите, больше не повторится')
    const lift = queue.buttons.find((b) => b.callback_data?.startsWith('mq:lift:'))!
    await mod.press(lift.callback_data!)
    expect(tg.canPost(GROUP, PARENT_A)).toBe(true)
    expect(tg.lastMessage(PARENT_A)?.text).toContain('ограничение в группе 7А снято')
  })

  test('moderators act by reply: mute for a time, unmute, ban, unban; a member cannot', async () => {
    const msg = await group.say(PARENT_B, 'Я не согласна с решением родительского комитета')
    const id = msg.update.message!.message_id
    const notAllowed = await group.say(PARENT_A, '/ban', { replyTo: id })
    expect(notAllowed.text).toContain('только модераторам')
    expect(tg.canPost(GROUP, PARENT_B)).toBe(true)

    const mute = await group.say(CLASS_TEACHER, '/mute 2h спор не по теме', { replyTo: id })
    expect(mute.text).toContain('в течение 2 ч')
    expect(mute.text).toContain('спор не по теме')
    expect(tg.canPost(GROUP, PARENT_B)).toBe(false)
    await group.say(MODERATOR, '/unmute', { replyTo: id })
    expect(tg.canPost(GROUP, PARENT_B)).toBe(true)
    await group.say(MODERATOR, '/ban', { replyTo: id })
    expect(group.state.members.get(PARENT_B)?.status).toBe('kicked')
    const back = await group.requestJoin(PARENT_B)
    expect(back.calls.map((c) => c.method)).toContain('declineChatJoinRequest')
    await group.say(MODERATOR, '/unban', { replyTo: id })
    expect(group.state.members.get(PARENT_B)?.status).toBe('left')
    const rejoin = await group.requestJoin(PARENT_B)
    expect(rejoin.calls.map((c) => c.method)).toContain('approveChatJoinRequest')
    // a moderator is not restricted by another
    const modMsg = await group.say(MODERATOR, 'Напоминаю о правилах группы')
    const refused = await group.say(CLASS_TEACHER, '/mute 1h', { replyTo: modMsg.update.message!.message_id })
    expect(refused.text).toContain('Модератора группы нельзя ограничить')

    const history = await group.say(MODERATOR, '/history', { replyTo: id })
    expect(history.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === MODERATOR)).toHaveLength(1)
    const inPrivate = tg.lastMessage(MODERATOR)!.text
    expect(inPrivate).toContain('запрет писать')
    expect(inPrivate).toContain('исключение')
  })

  test('slow mode and the flood limit', async () => {
    await group.requestJoin(PARENT_C)
    await group.say(MODERATOR, '/slow 60')
    const a = await group.say(PARENT_C, 'Первое сообщение')
    const b = await group.say(PARENT_C, 'Второе сразу же')
    expect(group.state.deleted).not.toContain(a.update.message!.message_id)
    expect(group.state.deleted).toContain(b.update.message!.message_id)
    // moderators are not slowed down
    const m1 = await group.say(MODERATOR, 'Раз')
    const m2 = await group.say(MODERATOR, 'Два')
    expect(group.state.deleted).not.toContain(m1.update.message!.message_id)
    expect(group.state.deleted).not.toContain(m2.update.message!.message_id)
    await group.say(MODERATOR, '/slow off')

    const burst = []
    for (let i = 0; i < 8; i++) burst.push(await group.say(STUDENT, `сообщение ${i}`))
    expect(burst.slice(0, 6).every((t) => !group.state.deleted.includes(t.update.message!.message_id))).toBe(true)
    expect(group.state.deleted).toContain(burst[6]!.update.message!.message_id)
    expect(tg.canPost(GROUP, STUDENT)).toBe(false)
    expect((await actions(STUDENT)).some((a) => a.action === 'mute' && a.rule === 'flood')).toBe(true)
  })

  test('a notice in a forum topic stays in that topic', async () => {
    const t = await group.say(PARENT_B, 'сука, опять сменку потеряли', { threadId: 77 })
    const notice = t.calls.find((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === GROUP)!
    expect(Number(notice.params.message_thread_id)).toBe(77)
  })

  test('a student who left the class and a guardian who unlinked are removed from the group', async () => {
    await recordMovement(sql, j.admin, j.schoolId, {
      kind: 'departure', studentId: j.students[2]!.id, occurredOn: j.today, orderNumber: '12-у',
    })
    await bot.chat(PARENT_B).send('/unlink')
    const r = await sweep()
    // the student, their guardian (no child left in the class) and the guardian who unlinked
    expect(r.removed).toBe(3)
    expect(group.state.members.get(STUDENT)?.status).toBe('left')
    expect(group.state.members.get(PARENT_C)?.status).toBe('left')
    expect(group.state.members.get(PARENT_B)?.status).toBe('left')
    expect(group.state.members.get(PARENT_A)?.status).toBe('member')
    expect((await actions(STUDENT)).at(-1)).toMatchObject({ action: 'remove', rule: 'left_class' })
    // once
    expect((await sweep()).removed).toBe(0)
  })

  test('removing the bot from the group unbinds the channel and keeps its record', async () => {
    const id = await channelId()
    await group.botStatus(CLASS_TEACHER, 'administrator', 'left')
    const [ch] = await sql<{ unboundAt: Date | null }[]>`select unbound_at from channels where id = ${id}`
    expect(ch!.unboundAt).not.toBeNull()
    const [n] = await sql<{ n: number }[]>`select count(*)::int as n from moderation_actions where channel_id = ${id}`
    expect(n!.n).toBeGreaterThan(10)
  })
})

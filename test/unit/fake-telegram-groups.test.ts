/**
 * The fake Bot API's supergroups, driven over HTTP by grammY's own client: what the moderation
 * calls change in a group's state, the errors Telegram answers with, the group builders' updates,
 * allowed_updates, and that a private chat still answers as before.
 */
import { Api, GrammyError } from 'grammy'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts'

const TOKEN = '100000001:fake-groups-test-token'
const GROUP = -1001234567890
const PUPIL = 501
const PARENT = 502
const STRANGER = 777

let tg: FakeTelegram
let api: Api

beforeEach(async () => {
  tg = await startFakeTelegram({ token: TOKEN })
  api = new Api(TOKEN, { apiRoot: tg.apiRoot })
})
afterEach(() => tg.close())

/** the Bot API error a call failed with */
async function refusal(call: Promise<unknown>): Promise<{ code: number; description: string }> {
  const err = await call.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof GrammyError)) throw new Error(`expected a Bot API error, got ${String(err)}`)
  return { code: err.error_code, description: err.description }
}

/** a call the way a form-posting client sends it: every parameter a string */
async function formCall(method: string, params: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${tg.apiRoot}/bot${TOKEN}/${method}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params),
  })
  return res.json()
}

describe('join requests', () => {
  it('approve makes a member, decline only drops the request, a missing request is HIDE_REQUESTER_MISSING', async () => {
    const g = tg.group(GROUP, { title: '7Б' })
    const asked = tg.updates.joinRequest(GROUP, PUPIL, { firstName: 'Петя' })
    expect(asked.chat_join_request).toMatchObject({
      chat: { id: GROUP, type: 'supergroup', title: '7Б' }, from: { id: PUPIL, first_name: 'Петя' }, user_chat_id: PUPIL,
    })
    tg.updates.joinRequest(GROUP, PARENT)
    expect([...g.pendingRequests]).toEqual([PUPIL, PARENT])

    expect(await api.raw.approveChatJoinRequest({ chat_id: GROUP, user_id: PUPIL })).toBe(true)
    expect(g.members.get(PUPIL)?.status).toBe('member')
    expect(tg.canPost(GROUP, PUPIL)).toBe(true)

    expect(await api.raw.declineChatJoinRequest({ chat_id: GROUP, user_id: PARENT })).toBe(true)
    expect(g.members.has(PARENT)).toBe(false)
    expect(g.pendingRequests.size).toBe(0)

    expect(await refusal(api.raw.approveChatJoinRequest({ chat_id: GROUP, user_id: PARENT })))
      .toEqual({ code: 400, description: 'Bad Request: HIDE_REQUESTER_MISSING' })
    expect(await refusal(api.raw.declineChatJoinRequest({ chat_id: GROUP, user_id: STRANGER })))
      .toEqual({ code: 400, description: 'Bad Request: HIDE_REQUESTER_MISSING' })
  })

  it('an invite link the bot made comes back in the request that used it', async () => {
    const link = await api.raw.createChatInviteLink({ chat_id: GROUP - 1, name: '7Б родители', creates_join_request: true })
      .catch((e: unknown) => e)
    // a group the fake never saw is not a chat Telegram knows
    expect((link as GrammyError).description).toBe('Bad Request: chat not found')

    tg.group(GROUP)
    const made = await api.raw.createChatInviteLink({ chat_id: GROUP, name: '7Б родители', creates_join_request: true })
    expect(made).toMatchObject({ creates_join_request: true, is_primary: false, is_revoked: false, name: '7Б родители', creator: { id: tg.bot.id, is_bot: true } })
    expect(made.invite_link).toMatch(/^https:\/\/t\.me\/\+fake/)
    const u = tg.updates.joinRequest(GROUP, PARENT, { inviteLink: made.invite_link })
    expect(u.chat_join_request?.invite_link).toMatchObject({ invite_link: made.invite_link, name: '7Б родители' })
  })
})

describe('restrict, ban, unban', () => {
  it('restricting takes the right to write; all sending rights back make a member again', async () => {
    const g = tg.group(GROUP)
    tg.updates.groupMessage(GROUP, PUPIL, 'привет')
    expect(g.members.get(PUPIL)).toEqual({ status: 'member' })
    expect(tg.canPost(GROUP, PUPIL)).toBe(true)

    const until = Math.floor(Date.now() / 1000) + 3600
    expect(await api.raw.restrictChatMember({ chat_id: GROUP, user_id: PUPIL, permissions: { can_send_messages: false }, until_date: until })).toBe(true)
    expect(g.members.get(PUPIL)).toMatchObject({ status: 'restricted', untilDate: until, permissions: { can_send_messages: false, can_send_photos: false } })
    expect(tg.canPost(GROUP, PUPIL)).toBe(false)
    expect(await api.raw.getChatMember({ chat_id: GROUP, user_id: PUPIL }))
      .toMatchObject({ status: 'restricted', is_member: true, can_send_messages: false, until_date: until })
    // a restricted person's message can still be built: the test decides what it checks
    expect(tg.updates.groupMessage(GROUP, PUPIL, 'всё равно пишу').message?.text).toBe('всё равно пишу')

    // unless the rights are independent, polls imply text, other messages imply text and media
    expect(await api.raw.restrictChatMember({ chat_id: GROUP, user_id: PUPIL, permissions: { can_send_polls: true } })).toBe(true)
    expect(g.members.get(PUPIL)?.permissions).toMatchObject({ can_send_messages: true, can_send_photos: false, can_send_polls: true })
    expect(tg.canPost(GROUP, PUPIL)).toBe(true)
    expect(await api.raw.restrictChatMember({
      chat_id: GROUP, user_id: PUPIL, permissions: { can_send_polls: true }, use_independent_chat_permissions: true,
    })).toBe(true)
    expect(tg.canPost(GROUP, PUPIL)).toBe(false)
    expect(await api.raw.restrictChatMember({ chat_id: GROUP, user_id: PUPIL, permissions: { can_send_other_messages: true } })).toBe(true)
    expect(g.members.get(PUPIL)?.permissions).toMatchObject({ can_send_messages: true, can_send_photos: true, can_add_web_page_previews: false })
    expect(tg.canPost(GROUP, PUPIL)).toBe(true)

    const all = {
      can_send_messages: true, can_send_audios: true, can_send_documents: true, can_send_photos: true, can_send_videos: true,
      can_send_video_notes: true, can_send_voice_notes: true, can_send_polls: true, can_send_other_messages: true,
      can_add_web_page_previews: true,
    }
    expect(await api.raw.restrictChatMember({ chat_id: GROUP, user_id: PUPIL, permissions: all, use_independent_chat_permissions: true })).toBe(true)
    expect(g.members.get(PUPIL)).toEqual({ status: 'member' })
    expect(tg.canPost(GROUP, PUPIL)).toBe(true)
  })

  it('form-encoded parameters (permissions as JSON text, flags as strings) are read the same', async () => {
    const g = tg.group(GROUP)
    tg.updates.groupMessage(GROUP, PUPIL, 'привет')
    expect(await formCall('restrictChatMember', {
      chat_id: String(GROUP), user_id: String(PUPIL), permissions: JSON.stringify({ can_send_messages: false }), until_date: '0',
    })).toEqual({ ok: true, result: true })
    expect(g.members.get(PUPIL)).toMatchObject({ status: 'restricted', permissions: { can_send_messages: false } })
    expect(g.members.get(PUPIL)?.untilDate).toBeUndefined()
    expect(await formCall('banChatMember', { chat_id: String(GROUP), user_id: String(PUPIL) })).toEqual({ ok: true, result: true })
    expect(await formCall('unbanChatMember', { chat_id: String(GROUP), user_id: String(PUPIL), only_if_banned: 'true' }))
      .toEqual({ ok: true, result: true })
    expect(g.members.get(PUPIL)?.status).toBe('left')
  })

  it('administrators cannot be restricted or banned', async () => {
    tg.group(GROUP)
    tg.updates.chatMember(GROUP, PARENT, 'member', 'administrator')
    const isAdmin = { code: 400, description: 'Bad Request: user is an administrator of the chat' }
    expect(await refusal(api.raw.restrictChatMember({ chat_id: GROUP, user_id: PARENT, permissions: { can_send_messages: false } }))).toEqual(isAdmin)
    expect(await refusal(api.raw.banChatMember({ chat_id: GROUP, user_id: PARENT }))).toEqual(isAdmin)
    expect(tg.canPost(GROUP, PARENT)).toBe(true)
  })

  it('ban kicks; unban with only_if_banned leaves a member alone, without it removes them', async () => {
    const g = tg.group(GROUP)
    tg.updates.groupMessage(GROUP, PUPIL, 'a')
    tg.updates.groupMessage(GROUP, PARENT, 'b')

    expect(await api.raw.banChatMember({ chat_id: GROUP, user_id: PUPIL, revoke_messages: true })).toBe(true)
    expect(g.members.get(PUPIL)?.status).toBe('kicked')
    expect(tg.canPost(GROUP, PUPIL)).toBe(false)
    expect(await api.raw.getChatMember({ chat_id: GROUP, user_id: PUPIL })).toMatchObject({ status: 'kicked', until_date: 0 })

    expect(await api.raw.unbanChatMember({ chat_id: GROUP, user_id: PUPIL, only_if_banned: true })).toBe(true)
    expect(g.members.get(PUPIL)?.status).toBe('left')
    expect(tg.canPost(GROUP, PUPIL)).toBe(false)

    expect(await api.raw.unbanChatMember({ chat_id: GROUP, user_id: PARENT, only_if_banned: true })).toBe(true)
    expect(g.members.get(PARENT)?.status).toBe('member')
    expect(await api.raw.unbanChatMember({ chat_id: GROUP, user_id: PARENT })).toBe(true)
    expect(g.members.get(PARENT)?.status).toBe('left')
  })

  it('a bot without the rights, or out of the group, is refused as on Telegram', async () => {
    const g = tg.group(GROUP)
    tg.updates.groupMessage(GROUP, PUPIL, 'a')
    tg.updates.myChatMember(GROUP, PARENT, 'administrator', 'administrator', { can_delete_messages: true })
    expect(g.botRights).toEqual({ status: 'administrator', can_delete_messages: true })
    expect(await refusal(api.raw.banChatMember({ chat_id: GROUP, user_id: PUPIL })))
      .toEqual({ code: 400, description: 'Bad Request: not enough rights to restrict/unrestrict chat member' })
    expect(await refusal(api.raw.approveChatJoinRequest({ chat_id: GROUP, user_id: PUPIL })))
      .toEqual({ code: 400, description: 'Bad Request: CHAT_ADMIN_REQUIRED' })

    // a plain member may delete only its own messages
    tg.updates.myChatMember(GROUP, PARENT, 'administrator', 'member')
    const theirs = g.messages.at(-1)!.messageId
    const own = await api.raw.sendMessage({ chat_id: GROUP, text: 'я больше не администратор' })
    expect(await refusal(api.raw.deleteMessage({ chat_id: GROUP, message_id: theirs })))
      .toEqual({ code: 400, description: "Bad Request: message can't be deleted" })
    expect(await api.raw.deleteMessage({ chat_id: GROUP, message_id: own.message_id })).toBe(true)
    expect(g.deleted).toEqual([own.message_id])

    const kicked = tg.updates.myChatMember(GROUP, PARENT, 'member', 'kicked')
    expect(kicked.my_chat_member).toMatchObject({
      from: { id: PARENT }, old_chat_member: { status: 'member', user: { id: tg.bot.id } }, new_chat_member: { status: 'kicked' },
    })
    expect(await refusal(api.raw.sendMessage({ chat_id: GROUP, text: 'есть кто?' })))
      .toEqual({ code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' })
    expect(await refusal(api.raw.getChat({ chat_id: GROUP })))
      .toEqual({ code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' })
    expect(await refusal(api.raw.restrictChatMember({ chat_id: PUPIL, user_id: PUPIL, permissions: {} })))
      .toEqual({ code: 400, description: 'Bad Request: method is available only for supergroups' })
  })
})

describe('messages in a group', () => {
  it('deleteMessage removes a message once; a second time it is not found', async () => {
    const g = tg.group(GROUP)
    const id = tg.updates.groupMessage(GROUP, PUPIL, 'плохое слово').message!.message_id
    expect(await api.raw.deleteMessage({ chat_id: GROUP, message_id: id })).toBe(true)
    expect(g.deleted).toEqual([id])
    expect(g.messages.find((m) => m.messageId === id)).toMatchObject({ deleted: true, text: 'плохое слово', fromId: PUPIL })
    const again = { code: 400, description: 'Bad Request: message to delete not found' }
    expect(await refusal(api.raw.deleteMessage({ chat_id: GROUP, message_id: id }))).toEqual(again)
    expect(await refusal(api.raw.deleteMessage({ chat_id: GROUP, message_id: id + 100 }))).toEqual(again)
  })

  it('getChatMember answers the bot from its rights, a stranger as left; getChat the supergroup', async () => {
    tg.group(GROUP, { title: '7Б', isForum: true })
    expect(await api.raw.getChatMember({ chat_id: GROUP, user_id: tg.bot.id })).toMatchObject({
      status: 'administrator', user: { id: tg.bot.id, is_bot: true },
      can_delete_messages: true, can_restrict_members: true, can_invite_users: true, can_pin_messages: true, can_promote_members: false,
    })
    expect(await api.raw.getChatMember({ chat_id: GROUP, user_id: STRANGER }))
      .toEqual({ status: 'left', user: { id: STRANGER, is_bot: false, first_name: 'Тест' } })
    expect(await api.raw.getChat({ chat_id: GROUP })).toMatchObject({ id: GROUP, type: 'supergroup', title: '7Б', is_forum: true })
  })

  it("the bot's message to a forum topic keeps its thread and reply; a reply to a message that is gone is refused", async () => {
    const g = tg.group(GROUP, { isForum: true })
    const asked = tg.updates.groupMessage(GROUP, PUPIL, 'когда контрольная?', { threadId: 7 }).message!
    expect(asked).toMatchObject({ message_thread_id: 7, is_topic_message: true, chat: { id: GROUP, type: 'supergroup', is_forum: true } })

    const sent = await api.raw.sendMessage({
      chat_id: GROUP, text: 'В пятницу', message_thread_id: 7, reply_parameters: { message_id: asked.message_id },
    })
    expect(sent).toMatchObject({
      message_id: asked.message_id + 1, chat: { id: GROUP, type: 'supergroup' }, from: { id: tg.bot.id }, message_thread_id: 7,
      reply_to_message: { message_id: asked.message_id, text: 'когда контрольная?', from: { id: PUPIL } },
    })
    expect(g.messages.at(-1)).toMatchObject({ messageId: sent.message_id, fromId: tg.bot.id, text: 'В пятницу', threadId: 7, byBot: true, deleted: false })
    expect(tg.lastMessage(GROUP)?.text).toBe('В пятницу')

    // the bot's own messages can be edited and deleted like anywhere
    await api.raw.editMessageText({ chat_id: GROUP, message_id: sent.message_id, text: 'В пятницу, 2 урок' })
    expect(g.messages.at(-1)?.text).toBe('В пятницу, 2 урок')
    await api.raw.deleteMessage({ chat_id: GROUP, message_id: asked.message_id })
    expect(await refusal(api.raw.sendMessage({ chat_id: GROUP, text: 'ещё раз', reply_parameters: { message_id: asked.message_id } })))
      .toEqual({ code: 400, description: 'Bad Request: message to be replied not found' })
    const anyway = await api.raw.sendMessage({
      chat_id: GROUP, text: 'ещё раз', reply_parameters: { message_id: asked.message_id, allow_sending_without_reply: true },
    })
    expect(anyway.message_thread_id).toBeUndefined()
  })

  it('builders fill reply_to_message from what the group holds, commands carry their entity, edits change the text', async () => {
    const g = tg.group(GROUP)
    const bots = await api.raw.sendMessage({ chat_id: GROUP, text: 'Правила чата: без грубостей' })
    const reply = tg.updates.groupMessage(GROUP, PUPIL, 'понял', { replyTo: bots.message_id, firstName: 'Петя' }).message!
    expect(reply.reply_to_message).toMatchObject({
      message_id: bots.message_id, from: { id: tg.bot.id, is_bot: true }, chat: { id: GROUP, type: 'supergroup' },
      text: 'Правила чата: без грубостей',
    })
    expect(reply.from).toEqual({ id: PUPIL, is_bot: false, first_name: 'Петя' })

    const cmd = tg.updates.groupCommand(GROUP, PARENT, 'report', 'спам', { replyTo: reply.message_id, mention: true }).message!
    expect(cmd.text).toBe(`/report@${tg.bot.username} спам`)
    expect(cmd.entities).toEqual([{ type: 'bot_command', offset: 0, length: `/report@${tg.bot.username}`.length }])
    expect(cmd.reply_to_message).toMatchObject({ message_id: reply.message_id, text: 'понял', from: { id: PUPIL, first_name: 'Петя' } })
    expect(cmd.reply_to_message).not.toHaveProperty('reply_to_message')

    const photo = tg.updates.groupPhoto(GROUP, PUPIL, 'ph1', 'моя тетрадь').message!
    expect(photo.caption).toBe('моя тетрадь')
    expect(tg.updates.groupMessage(GROUP, PARENT, 'где?', { replyTo: photo.message_id }).message?.reply_to_message)
      .toMatchObject({ caption: 'моя тетрадь', photo: [{ file_id: 'ph1-small' }, { file_id: 'ph1' }] })

    const edited = tg.updates.groupEdit(GROUP, reply.message_id, 'понял, спасибо').edited_message!
    expect(edited).toMatchObject({ message_id: reply.message_id, text: 'понял, спасибо', from: { id: PUPIL } })
    expect(typeof edited.edit_date).toBe('number')
    expect(g.messages.find((m) => m.messageId === reply.message_id)?.text).toBe('понял, спасибо')

    expect(() => tg.updates.groupMessage(GROUP, PUPIL, 'x', { replyTo: 9999 })).toThrow(/no message 9999/)
    expect(() => tg.group(42)).toThrow(/negative/)
  })

  it('chat_member updates set the status and reach the bot only when it asked for them', async () => {
    const g = tg.group(GROUP)
    const left = tg.updates.chatMember(GROUP, PUPIL, 'member', 'left')
    expect(left.chat_member).toMatchObject({ old_chat_member: { status: 'member', user: { id: PUPIL } }, new_chat_member: { status: 'left' } })
    expect(g.members.get(PUPIL)?.status).toBe('left')
    const said = tg.updates.groupMessage(GROUP, PARENT, 'привет')
    tg.pushUpdate(left, said)

    // without allowed_updates Telegram sends every kind but chat_member
    expect((await api.raw.getUpdates({ timeout: 0 })).map((u) => u.update_id)).toEqual([said.update_id])
    expect(tg.dropped).toEqual([left])

    const joined = tg.updates.chatMember(GROUP, PUPIL, 'left', 'member')
    tg.pushUpdate(joined)
    const got = await api.raw.getUpdates({ offset: said.update_id + 1, timeout: 0, allowed_updates: ['message', 'chat_member'] })
    expect(got.map((u) => u.update_id)).toEqual([joined.update_id])
  })
})

describe('a private chat', () => {
  it('answers as before', async () => {
    tg.updates.command(42, 'start')
    const sent = await api.raw.sendMessage({ chat_id: 42, text: 'Здравствуйте' })
    expect(sent).toMatchObject({ message_id: 2, chat: { id: 42, type: 'private', first_name: 'Тест' }, from: { id: tg.bot.id }, text: 'Здравствуйте' })
    expect(sent).not.toHaveProperty('message_thread_id')
    expect(tg.sent.map((s) => s.chatId)).toEqual(['42'])
    expect(tg.updates.reply(42, 'ок', sent.message_id).message?.reply_to_message).toMatchObject({ chat: { type: 'private' }, text: 'Здравствуйте' })
  })
})

/**
 * Linking: `/start CODE` (the deep link on a credential slip), the person's own phone contact,
 * `/unlink`. An unlinked chat is told how to link and nothing else.
 */
import {
  linkByPhone, noteBadCode, redeemLinkCode, tooManyBadCodes, unlinkChat, type LinkedCard,
} from '../../../core/chat/index.ts'
import type { Feature, Reply, Turn } from '../types.ts'

const KIND_LABEL = { student: 'ученик', guardian: 'родитель', staff: 'сотрудник школы' } as const

function linkedReply(turn: Turn, card: LinkedCard): Reply {
  return {
    template: 'linked',
    view: {
      firstName: card.firstName, middleName: card.middleName ?? '', already: card.already,
      kindLabel: KIND_LABEL[card.kind], staff: card.kind === 'staff',
      others: turn.speaker.persons.filter((p) => p.id !== card.personId).length,
    },
  }
}

const explain = (extra: object = {}): Reply => ({ template: 'unlinked', view: extra, askContact: true })

async function start(turn: Turn): Promise<Reply[]> {
  const code = turn.input.command?.args.trim() ?? ''
  if (!code) {
    if (turn.speaker.persons.length) return [{ template: 'welcome', view: { names: turn.speaker.persons.map((p) => p.firstName) } }]
    return [explain()]
  }
  if (await tooManyBadCodes(turn.sql, turn.input.chatId)) return [explain({ tooMany: true })]
  const card = await redeemLinkCode(turn.sql, code, turn.input.chatId)
  if (!card) {
    await noteBadCode(turn.sql, turn.input.chatId)
    return [explain({ badCode: true })]
  }
  return [linkedReply(turn, card)]
}

async function contact(turn: Turn): Promise<Reply[]> {
  const c = turn.input.contact!
  // only the sender's own card proves the number is theirs
  if (!c.own) return [explain({ notOwnContact: true })]
  const r = await linkByPhone(turn.sql, c.phone, turn.input.chatId)
  if (r.result === 'linked') return [linkedReply(turn, r.card)]
  return [explain(r.result === 'ambiguous' ? { ambiguousPhone: true } : { unknownPhone: true })]
}

async function unlink(turn: Turn): Promise<Reply[]> {
  const persons = turn.speaker.persons
  if (!persons.length) return [explain()]
  if (persons.length === 1) {
    await unlinkChat(turn.sql, turn.input.chatId)
    return [{ template: 'unlinked-done', view: { count: 1 } }]
  }
  return [{
    template: 'unlink-choose',
    view: {},
    buttons: [
      ...persons.map((p) => [{ label: `${p.lastName} ${p.firstName}`, data: `unlink:${p.id}` }]),
      [{ label: 'Отвязать всех', data: 'unlink:all' }],
    ],
  }]
}

async function unlinkButton(turn: Turn): Promise<Reply[]> {
  const which = turn.input.button!.slice('unlink:'.length)
  const ids = which === 'all' ? undefined : turn.speaker.persons.filter((p) => p.id === which).map((p) => p.id)
  if (ids && !ids.length) return [{ template: 'problem', view: { expired: true } }]
  const count = await unlinkChat(turn.sql, turn.input.chatId, ids)
  return [{ template: 'unlinked-done', view: { count }, edit: true }]
}

export const linking: Feature = {
  name: 'linking',
  commands: { start, contact, unlink },
  buttons: { unlink: unlinkButton },
  // an unlinked chat: whatever it says, how to link (never data)
  text: async () => [explain()],
}

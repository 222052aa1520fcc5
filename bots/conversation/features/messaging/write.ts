/**
 * /write: a family picks the child and one of the child's teachers (buttons), then writes one
 * message. The choice lives in the chat's state ({kind:'compose', …}); an expired state sends
 * nothing. A reply to the bot's message that told a thread's message continues that thread.
 */
import { contactsFor, sendMessage, threadForReply, type NameView, type SendInput } from '../../../../core/messaging/index.ts'
import { BotError } from '../../errors.ts'
import type { Button, ConversationState, Reply, Turn } from '../../types.ts'

/** «Петрова М. И.» — how a person is named in buttons and confirmations */
export function shortName(p: Pick<NameView, 'lastName' | 'firstName' | 'middleName'>): string {
  return [p.lastName, `${p.firstName.charAt(0)}.`, p.middleName ? `${p.middleName.charAt(0)}.` : ''].filter(Boolean).join(' ')
}

const refuse = (view: object) => new BotError({ template: 'message-problem', view })

/** /write: the child first (when several), then whom to write to. */
export async function writeCommand(turn: Turn): Promise<Reply[]> {
  const kids = turn.speaker.children
  turn.ctx() // an account is needed to write; say so before any choice
  if (!kids.length) throw refuse({ noChildren: true })
  // a student reads their contacts but the school's channel to teachers is the family's
  if (!turn.speaker.persons.some((p) => p.kind === 'guardian')) throw refuse({ guardiansOnly: true })
  if (kids.length === 1) return contactsReply(turn, kids[0]!.id)
  return [{
    template: 'message-child', view: {},
    buttons: kids.map((c) => [{ label: `${c.firstName}${c.className ? `, ${c.className}` : ''}`, data: `msg:c:${c.id}` }]),
  }]
}

/** The child's contacts as buttons; the pick waits in the state with the child. */
export async function contactsReply(turn: Turn, studentId: string): Promise<Reply[]> {
  const child = turn.speaker.children.find((c) => c.id === studentId)
  if (!child) throw refuse({ expired: true })
  const contacts = await contactsFor(turn.sql, turn.ctx(), studentId)
  if (!contacts.length) return [{ template: 'message-contacts', view: { child: child.firstName, none: true } }]
  turn.setState({ kind: 'write-pick', studentId })
  const buttons: Button[][] = contacts.map((c) => [{
    label: `${shortName(c)} — ${[...(c.classTeacher ? ['кл. рук.'] : []), ...c.subjects.map((s) => s.toLowerCase())].join(', ')}`.slice(0, 60),
    data: `msg:s:${c.id}`,
  }])
  return [{ template: 'message-contacts', view: { child: child.firstName }, buttons }]
}

/** A contact pressed: ask for the text. */
export async function pickContact(turn: Turn, staffId: string): Promise<Reply[]> {
  const st = turn.state
  if (st?.kind !== 'write-pick' || typeof st.studentId !== 'string') throw refuse({ expired: true })
  const contact = (await contactsFor(turn.sql, turn.ctx(), st.studentId)).find((c) => c.id === staffId)
  if (!contact) throw refuse({ expired: true })
  const to = shortName(contact)
  turn.setState({ kind: 'compose', studentId: st.studentId, staffId, to })
  return [{ template: 'message-compose', view: { to } }]
}

/** Text while a pick is pending: point at the buttons. */
export async function pickPending(turn: Turn): Promise<Reply[]> {
  if (turn.input.replyTo && turn.input.text) return replyInThread(turn)
  return [{ template: 'message-problem', view: { pickFirst: true } }]
}

/** The text of a pending message: sent to the chosen contact or thread, and the step closes. */
export async function composeText(turn: Turn): Promise<Reply[]> {
  const st = turn.state as ConversationState & { studentId?: string; staffId?: string; threadId?: string; to?: string }
  const text = turn.input.text
  // files are not relayed (yet): say so and keep the step open for the text
  if (!text || turn.input.files?.length) return [{ template: 'message-problem', view: { textOnly: true } }]
  // a reply to one of the bot's messages names its own thread, whatever step was open
  if (turn.input.replyTo) {
    const thread = await threadForReply(turn.sql, turn.speaker.persons.map((p) => p.id), turn.input.replyTo)
    if (thread) {
      turn.setState(null)
      return [await send(turn, { threadId: thread.id, body: text, via: 'telegram' })]
    }
  }
  const input: SendInput = st.threadId
    ? { threadId: st.threadId, body: text, via: 'telegram' }
    : { studentId: st.studentId!, staffId: st.staffId!, body: text, via: 'telegram' }
  turn.setState(null)
  return [await send(turn, input)]
}

async function send(turn: Turn, input: SendInput): Promise<Reply> {
  if (input.body.length > 4000) throw refuse({ tooLong: true })
  const sent = await sendMessage(turn.sql, turn.ctx(), input)
  const other = sent.thread.side === 'staff' ? sent.thread.guardian : sent.thread.staff
  const to = sent.thread.side === 'staff' ? `${other.lastName} ${other.firstName}` : shortName(other)
  return { template: 'message-sent', view: { to, pushed: sent.pushed } }
}

/** A reply to one of the bot's messages: the thread it told continues; anything else is explained. */
export async function replyInThread(turn: Turn): Promise<Reply[]> {
  const text = turn.input.text
  if (!text || turn.input.files?.length) return [{ template: 'message-problem', view: { textOnly: true } }]
  const thread = await threadForReply(turn.sql, turn.speaker.persons.map((p) => p.id), turn.input.replyTo!)
  if (!thread) return [{ template: 'message-problem', view: { noThread: true } }]
  if (turn.state) turn.setState(null)
  return [await send(turn, { threadId: thread.id, body: text, via: 'telegram' })]
}

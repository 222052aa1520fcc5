/**
 * /threads: the speaker's threads from either side, with buttons to read one, write in it
 * and, for the member of staff, to mute or unmute it. Thread ids ride in the buttons
 * (`msg:r|w|m|u:<threadId>`); core checks membership on every press.
 */
import { listThreads, muteThread, threadMessages, type ThreadView } from '../../../../core/messaging/index.ts'
import { BotError } from '../../errors.ts'
import type { Button, Reply, Turn } from '../../types.ts'
import { shortName } from './write.ts'

const MAX_THREADS = 10
const MAX_MESSAGES = 10

/** How the other side of a thread is named for the speaker: staff by initials, families by name and child. */
function otherSide(t: ThreadView): { who: string; about: string } {
  if (t.side === 'staff') {
    return { who: `${t.guardian.lastName} ${t.guardian.firstName}`, about: `${t.student.firstName} ${t.student.lastName}${t.student.className ? `, ${t.student.className}` : ''}` }
  }
  return { who: shortName(t.staff), about: t.student.firstName }
}

const snippet = (s: string | null) => (s && s.length > 80 ? `${s.slice(0, 80)}…` : s ?? '')

export async function threadsCommand(turn: Turn): Promise<Reply[]> {
  const threads = await listThreads(turn.sql, turn.ctx(), MAX_THREADS)
  if (!threads.length) return [{ template: 'threads', view: { none: true, family: turn.speaker.children.length > 0 } }]
  const buttons: Button[][] = threads.map((t) => {
    const { who } = otherSide(t)
    const row: Button[] = [
      { label: `Читать: ${who}`.slice(0, 40), data: `msg:r:${t.id}` },
      { label: 'Написать', data: `msg:w:${t.id}` },
    ]
    if (t.side === 'staff') row.push(t.muted ? { label: 'Включить', data: `msg:u:${t.id}` } : { label: 'Заглушить', data: `msg:m:${t.id}` })
    return row
  })
  return [{
    template: 'threads',
    view: {
      threads: threads.map((t) => ({ ...otherSide(t), muted: t.muted, staffSide: t.side === 'staff', last: snippet(t.lastMessage) })),
      anyStaff: threads.some((t) => t.side === 'staff'),
    },
    buttons,
  }]
}

/** The latest messages of a thread, oldest first. */
export async function readThread(turn: Turn, threadId: string): Promise<Reply[]> {
  const { thread, items } = await threadMessages(turn.sql, turn.ctx(), threadId, MAX_MESSAGES)
  const { who, about } = otherSide(thread)
  const tz = turn.speaker.persons[0]?.timezone ?? 'Europe/Moscow'
  const at = new Intl.DateTimeFormat('ru-RU', { timeZone: tz, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' })
  return [{
    template: 'thread-messages',
    view: {
      who, about, muted: thread.muted,
      messages: items.map((m) => ({ mine: m.from === thread.side, at: at.format(new Date(m.createdAt)), body: m.body })),
    },
    buttons: [[{ label: 'Написать', data: `msg:w:${thread.id}` }]],
  }]
}

/** «Написать» in a thread: the next text goes there. */
export async function writeInThread(turn: Turn, threadId: string): Promise<Reply[]> {
  // reading the thread checks membership (and that it exists) before the step opens
  const { thread } = await threadMessages(turn.sql, turn.ctx(), threadId, 1)
  if (!thread.side) throw new BotError({ template: 'message-problem', view: { notInThread: true } })
  const { who } = otherSide(thread)
  turn.setState({ kind: 'compose', threadId: thread.id, to: who })
  return [{ template: 'message-compose', view: { to: who } }]
}

export async function setMuted(turn: Turn, threadId: string, muted: boolean): Promise<Reply[]> {
  const t = await muteThread(turn.sql, turn.ctx(), threadId, muted)
  return [{ template: 'thread-muted', view: { muted: t.muted, ...otherSide(t) } }]
}

/**
 * /announce: the class teacher to their class's families, the administration (admin, director,
 * deputy) to the whole school or any class. Target (buttons) → text → preview with
 * [Отправить] [Отменить]; only «Отправить» publishes, and only while the step is open.
 */
import { listClasses } from '../../../../core/journal/index.ts'
import { publishAnnouncement } from '../../../../core/messaging/index.ts'
import { BotError } from '../../errors.ts'
import { classTeacherOf, hasRole } from '../../identity.ts'
import type { Button, ConversationState, Reply, Turn } from '../../types.ts'

interface Target { schoolId: string; classId: string | null; label: string }
type AnnounceState = ConversationState & Target & { body?: string }

const refuse = (view: object) => new BotError({ template: 'announce-problem', view })
const ADMINISTRATION = ['admin', 'director', 'deputy'] as const

/** The classes (and the whole school, for the administration) the speaker may announce to. */
async function targets(turn: Turn): Promise<Target[]> {
  const staff = turn.speaker.staff
  if (!staff) return []
  const admin = ADMINISTRATION.some((r) => hasRole(turn.speaker, r))
  const own = new Set(classTeacherOf(turn.speaker))
  if (!admin && !own.size) return []
  const classes = await listClasses(turn.sql, turn.ctx(), staff.schoolId)
  const label = (c: { grade: number; letter: string }) => `${c.grade}${c.letter}`
  return [
    ...(admin ? [{ schoolId: staff.schoolId, classId: null, label: 'вся школа' }] : []),
    ...classes.filter((c) => admin || own.has(c.id)).map((c) => ({ schoolId: staff.schoolId, classId: c.id, label: label(c) })),
  ]
}

export async function announceCommand(turn: Turn): Promise<Reply[]> {
  const list = await targets(turn)
  if (!list.length) throw refuse({ notAllowed: true })
  if (list.length === 1) return askText(turn, list[0]!)
  const buttons: Button[][] = []
  for (let i = 0; i < list.length; i += 4) {
    buttons.push(list.slice(i, i + 4).map((t) => ({ label: t.classId ? t.label : 'Вся школа', data: `msg:a:${t.classId ?? 'school'}` })))
  }
  return [{ template: 'announce-target', view: { school: list.some((t) => t.classId === null) }, buttons }]
}

export async function pickTarget(turn: Turn, arg: string): Promise<Reply[]> {
  const target = (await targets(turn)).find((t) => (t.classId ?? 'school') === arg)
  if (!target) throw refuse({ notAllowed: true })
  return askText(turn, target)
}

function askText(turn: Turn, t: Target): Reply[] {
  turn.setState({ kind: 'announce-text', ...t })
  return [{ template: 'announce-compose', view: { label: t.label, school: t.classId === null } }]
}

/** The text: shown back for confirmation; nothing is sent yet. */
export async function announceText(turn: Turn): Promise<Reply[]> {
  const st = turn.state as AnnounceState
  const body = turn.input.text
  if (!body || turn.input.files?.length) throw refuse({ textOnly: true })
  if (body.length > 4000) throw refuse({ tooLong: true })
  turn.setState({ kind: 'announce-confirm', schoolId: st.schoolId, classId: st.classId, label: st.label, body })
  return [{
    template: 'announce-confirm', view: { label: st.label, school: st.classId === null, body },
    buttons: [[{ label: 'Отправить', data: 'msg:send' }, { label: 'Отменить', data: 'msg:drop' }]],
  }]
}

/** Text while the preview waits: the buttons decide. */
export async function confirmPending(): Promise<Reply[]> {
  throw refuse({ pressButton: true })
}

export async function sendAnnouncement(turn: Turn): Promise<Reply[]> {
  const st = turn.state as AnnounceState | null
  if (st?.kind !== 'announce-confirm' || !st.body) throw refuse({ expired: true })
  const a = await publishAnnouncement(turn.sql, turn.ctx(), { schoolId: st.schoolId, classId: st.classId, body: st.body })
  turn.setState(null)
  return [{ template: 'announce-sent', view: { label: st.label, school: st.classId === null, students: a.students } }]
}

export async function dropAnnouncement(turn: Turn): Promise<Reply[]> {
  const open = turn.state?.kind === 'announce-confirm' || turn.state?.kind === 'announce-text'
  if (open) turn.setState(null)
  return [{ template: 'announce-problem', view: { dropped: true } }]
}

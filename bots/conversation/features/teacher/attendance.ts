/**
 * /attend: the class list of the current lesson as a keyboard; each press marks a student
 * absent (н) or present again, and [Готово] saves every change at once through the lesson grid
 * (one transaction, idempotent under the step's token). The notifier alerts the guardians from
 * the outbox events the save writes; the bot sends nothing itself.
 */
import { getLessonJournal, saveLessonGrid } from '../../../../core/journal/index.ts'
import { AppError } from '../../../../core/http/errors.ts'
import { BotError } from '../../errors.ts'
import type { Button, ConversationState, Reply, Turn } from '../../types.ts'
import { clock, newToken, ownLesson, requireTeacher, shortName, todayOf, UUID, zoneOf } from './common.ts'
import { lessonsOn } from './lessons.ts'

const ATTEND_TTL_MINUTES = 120
type Kind = 'absent' | 'ill' | 'excused' | 'late'
const LABEL: Record<Kind, string> = { absent: 'н', ill: 'б', excused: 'уп', late: 'оп' }

interface Entry { id: string; name: string; was: Kind | null; now: Kind | null }
interface Attend extends ConversationState {
  kind: 'attend'; token: string; lessonId: string; classLabel: string; subject: string; date: string; lessonNumber: number; students: Entry[]
}

const problem = (key: string, view: object = {}) => new BotError({ template: 'attend-problem', view: { [key]: true, ...view } })

export async function attendCommand(turn: Turn): Promise<Reply[]> {
  requireTeacher(turn)
  const zone = zoneOf(turn)
  const lessons = (await lessonsOn(turn, todayOf(turn))).filter((l) => l.status === 'planned')
  const now = turn.now
  // the lesson going on now, else the latest that has begun today
  const lesson = lessons.find((l) => l.startsAt <= now && now < l.endsAt) ?? lessons.filter((l) => l.startsAt <= now).at(-1)
  if (!lesson) {
    const next = lessons.find((l) => l.startsAt > now)
    throw problem('noLesson', { next: next ? `${clock(next.startsAt, zone)}, ${next.className}, ${next.subject}` : '' })
  }
  return openAttendance(turn, lesson.id, false)
}

export async function openAttendance(turn: Turn, lessonId: string, edit = true): Promise<Reply[]> {
  requireTeacher(turn)
  if (!UUID.test(lessonId)) throw problem('expired')
  const journal = await getLessonJournal(turn.sql, turn.ctx(), lessonId).catch((err: unknown) => {
    throw err instanceof AppError && (err.code === 'not_found' || err.code === 'forbidden') ? problem('notYours') : err
  })
  const l = journal.lesson
  if (!ownLesson(turn, l)) throw problem('notYours')
  if (l.status === 'cancelled') throw problem('cancelled')
  if (l.date > todayOf(turn)) throw problem('notYet')
  const state: Attend = {
    kind: 'attend', token: newToken(), lessonId: l.id, classLabel: l.className, subject: l.subject, date: l.date, lessonNumber: l.lessonNumber,
    students: journal.students.map((s) => {
      const kind = (s.attendance as { kind: Kind } | null)?.kind ?? null
      return { id: s.id, name: shortName(s.lastName, s.firstName), was: kind, now: kind }
    }),
  }
  if (!state.students.length) throw problem('noStudents')
  turn.setState(state, ATTEND_TTL_MINUTES)
  return [{ ...listReply(state), edit }]
}

function listReply(s: Attend): Reply {
  const buttons: Button[][] = []
  s.students.forEach((st, i) => {
    const button = { label: `${i + 1}. ${st.name}${st.now ? ` — ${LABEL[st.now]}` : ''}`, data: `tch:a:${s.token}:${i}` }
    if (i % 2 === 0) buttons.push([button])
    else buttons[buttons.length - 1]!.push(button)
  })
  buttons.push([{ label: 'Готово', data: `tch:a:${s.token}:done` }, { label: 'Отменить', data: `tch:a:${s.token}:cancel` }])
  return {
    template: 'attend-list',
    view: { classLabel: s.classLabel, subject: s.subject, date: s.date, lessonNumber: s.lessonNumber, marked: s.students.filter((x) => x.now).length },
    buttons,
  }
}

/** tch:a:<token>:<index | done | cancel> */
export async function attendButton(turn: Turn, token: string, what: string): Promise<Reply[]> {
  requireTeacher(turn)
  const s = turn.state?.kind === 'attend' ? (turn.state as Attend) : null
  if (!s || s.token !== token) throw problem('expired')
  if (what === 'cancel') {
    turn.setState(null)
    return [{ template: 'attend-problem', view: { cancelledByTeacher: true }, edit: true }]
  }
  if (what === 'done') return save(turn, s)
  const i = Number(what)
  const st = Number.isInteger(i) ? s.students[i] : undefined
  if (!st) throw problem('expired')
  // a press marks н; pressing again clears it (a preloaded б or уп comes back on a third press)
  const students = s.students.map((x, j) => (j === i ? { ...x, now: x.now ? null : (x.was ?? 'absent') } : x))
  const next = { ...s, students }
  turn.setState(next, ATTEND_TTL_MINUTES)
  return [{ ...listReply(next), edit: true }]
}

async function save(turn: Turn, s: Attend): Promise<Reply[]> {
  turn.setState(null)
  const changed = s.students.filter((x) => x.now !== x.was)
  if (changed.length) {
    try {
      await saveLessonGrid(turn.sql, turn.ctx(), s.lessonId, {
        requestId: `bot-attend:${s.lessonId}:${s.token}`,
        attendance: changed.map((x) => ({ studentId: x.id, kind: x.now })),
        marks: [], removeMarkIds: [],
      })
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      if (err.code === 'forbidden' || err.code === 'not_found') throw problem('notYours')
      if (err.code === 'invalid_reference') throw problem('listChanged')
      if (err.code === 'rule_violation') throw problem('notHeld')
      throw err
    }
  }
  const missing = s.students.filter((x) => x.now && x.now !== 'late')
  const late = s.students.filter((x) => x.now === 'late')
  return [{
    template: 'attend-saved',
    view: {
      classLabel: s.classLabel, subject: s.subject, lessonNumber: s.lessonNumber, count: missing.length,
      names: missing.map((x) => (x.now === 'absent' ? x.name : `${x.name} (${LABEL[x.now!]})`)).join(', '),
      late: late.map((x) => x.name).join(', '),
      alerted: changed.some((x) => x.now && x.now !== 'late'),
    },
    edit: true,
  }]
}

/**
 * The class teacher in chat: /absences — today's absences in their class(es), with buttons to
 * confirm a student's reason for the day (б — болезнь, уп — уважительная); /digest — the
 * end-of-day absence digest the notifier sends, on or off. Buttons: `ct:b|u:<studentId>:<yyyymmdd>`
 * (the day is in the button, so an old message confirms the day it showed), `ct:d:on|off`.
 */
import { classAttendanceOn, confirmAttendanceReason, localDate } from '../../../core/journal/index.ts'
import { AppError } from '../../../core/http/errors.ts'
import { classAbsenceDigest, getPreferences, setPreferences, CHANNELS, type Channel } from '../../../core/notifications/index.ts'
import { BotError } from '../errors.ts'
import { classTeacherOf } from '../identity.ts'
import type { Button, Feature, Reply, Turn } from '../types.ts'

const REASON = { ill: 'болезнь', excused: 'уважительная причина' } as const
const problem = (key: string, view: object = {}) => new BotError({ template: 'absences-problem', view: { [key]: true, ...view } })

function classesOf(turn: Turn): string[] {
  const ids = classTeacherOf(turn.speaker)
  if (!ids.length) throw problem('notClassTeacher')
  return ids
}

const zoneOf = (turn: Turn) => turn.speaker.staff?.timezone ?? turn.speaker.persons[0]?.timezone ?? 'Europe/Moscow'
const shortName = (s: { lastName: string; firstName: string }) => `${s.lastName} ${s.firstName.slice(0, 1)}.`

async function absencesReply(turn: Turn, date: string, note: object | null, edit: boolean): Promise<Reply[]> {
  const classes = await Promise.all(classesOf(turn).map((id) => classAbsenceDigest(turn.sql, id, date)))
  const buttons: Button[][] = []
  const view = classes.map((c) => {
    const students = [...c.wholeDay.map((s) => ({ ...s, wholeDay: true })), ...c.partial.map((s) => ({ ...s, wholeDay: false }))]
    for (const s of students) {
      const open = s.lessons.some((l) => l.kind !== 'late' && !l.reasonConfirmed)
      if (!open) continue
      const tail = `${s.studentId}:${date.replace(/-/g, '')}`
      buttons.push([
        { label: `${shortName(s)}: б (болезнь)`, data: `ct:b:${tail}` },
        { label: 'уп (уважительная)', data: `ct:u:${tail}` },
      ])
    }
    return {
      classLabel: c.classLabel, lessonsHeld: c.lessonsHeld, absentCount: c.absentCount,
      students: students.map((s) => ({
        name: `${s.lastName} ${s.firstName}`, wholeDay: s.wholeDay,
        lessons: s.lessons.map((l) => ({
          number: l.number, subject: l.subject, kind: l.kindLabel, reason: l.reason ?? '', confirmed: l.reasonConfirmed,
        })),
      })),
    }
  })
  return [{ template: 'absences', view: { date, classes: view, note: note ?? false, canConfirm: buttons.length > 0 }, buttons, edit }]
}

async function absencesCommand(turn: Turn): Promise<Reply[]> {
  classesOf(turn)
  return absencesReply(turn, localDate(turn.now, zoneOf(turn)), null, false)
}

/** ct:b|u:<studentId>:<yyyymmdd> — confirms every unconfirmed absence of the student that day. */
async function confirmReason(turn: Turn, which: string, studentId: string, day: string): Promise<Reply[]> {
  const classIds = classesOf(turn)
  const kind = which === 'b' ? 'ill' : which === 'u' ? 'excused' : null
  if (!kind || !/^\d{8}$/.test(day)) throw problem('expired')
  const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`
  const ctx = turn.ctx()
  const rows = (await Promise.all(classIds.map((id) => classAttendanceOn(turn.sql, ctx, id, date)))).flat()
    .filter((r) => r.studentId === studentId && r.kind !== 'late' && !r.reasonConfirmed)
  if (!rows.length) throw problem('nothingToConfirm')
  try {
    for (const r of rows) await confirmAttendanceReason(turn.sql, ctx, r.attendanceId, { kind, reason: r.reason ?? REASON[kind] })
  } catch (err) {
    if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'not_found')) throw problem('notYours')
    throw err
  }
  const note = { name: shortName(rows[0]!), reason: REASON[kind], lessons: rows.length }
  return absencesReply(turn, date, note, true)
}

async function button(turn: Turn): Promise<Reply[]> {
  const [, action = '', a = '', b = ''] = turn.input.button!.split(':')
  if (action === 'd') return setDigest(turn, a === 'on')
  return confirmReason(turn, action, a, b)
}

// ---------------------------------------------------------------- the digest

const CHANNEL_NAME: Record<Channel, string> = { telegram: 'в Telegram', email: 'на электронную почту', sms: 'по SMS' }

type Prefs = Awaited<ReturnType<typeof getPreferences>>

/** The channel the digest goes to now: the first in the person's order with an address and not off (as the notifier chooses). */
function digestChannel(p: Prefs): Channel | null {
  if (!p.enabled) return null
  return p.channelOrder.find((c) => p.channels[c] &&
    p.preferences.find((x) => x.topic === 'absence_digest' && x.channel === c)?.mode !== 'off') ?? null
}

function digestReply(p: Prefs, edit: boolean, changed: boolean): Reply {
  const channel = digestChannel(p)
  return {
    template: 'digest',
    view: { on: !!channel, channel: channel ? CHANNEL_NAME[channel] : '', disabled: !p.enabled, changed },
    buttons: [[channel ? { label: 'Отписаться', data: 'ct:d:off' } : { label: 'Подписаться', data: 'ct:d:on' }]],
    edit,
  }
}

function staffId(turn: Turn): string {
  classesOf(turn)
  const staff = turn.speaker.staff
  if (!staff) throw problem('notClassTeacher')
  return staff.id
}

async function digestCommand(turn: Turn): Promise<Reply[]> {
  const personId = staffId(turn)
  return [digestReply(await getPreferences(turn.sql, turn.ctx().actor, personId), false, false)]
}

async function setDigest(turn: Turn, on: boolean): Promise<Reply[]> {
  const personId = staffId(turn)
  const actor = turn.ctx().actor
  const current = await getPreferences(turn.sql, actor, personId)
  if (on && !current.enabled) return [digestReply(current, true, false)]
  // on: the first channel the person can be reached on; off: every channel, so nothing falls back to another
  const first = current.channelOrder.find((c) => current.channels[c])
  if (on && !first) throw problem('noChannel')
  const preferences = on
    ? [{ topic: 'absence_digest' as const, channel: first!, mode: 'instant' as const }]
    : CHANNELS.map((channel) => ({ topic: 'absence_digest' as const, channel, mode: 'off' as const }))
  const after = await setPreferences(turn.sql, actor, { personId, preferences })
  return [digestReply(after, true, true)]
}

export const classTeacher: Feature = {
  name: 'class-teacher',
  commands: { absences: absencesCommand, digest: digestCommand },
  buttons: { ct: button },
}

/** What the teacher's steps share: who may use them, the school's clock, names and refusals. */
import { randomBytes } from 'node:crypto'
import { localDate } from '../../../../core/journal/index.ts'
import { BotError } from '../../errors.ts'
import { hasRole } from '../../identity.ts'
import type { Turn } from '../../types.ts'

/** The school's time zone: the staff member's, else any linked person's. */
export function zoneOf(turn: Turn): string {
  return turn.speaker.staff?.timezone ?? turn.speaker.persons[0]?.timezone ?? 'Europe/Moscow'
}

export const todayOf = (turn: Turn): string => localDate(turn.now, zoneOf(turn))

/** '08:30' in the school's time zone. */
export function clock(instant: Date | string, zone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant))
}

/** «Иванов А.»: how staff see a student in lists. */
export const shortName = (lastName: string, firstName: string): string => `${lastName} ${firstName.slice(0, 1)}.`

/** A short id tying a keyboard to the step it belongs to, so an old keyboard cannot act on a newer step. */
export const newToken = (): string => randomBytes(4).toString('base64url')

/** A teacher's refusal: templates/bot/hw-problem.html.hbs by its key. */
export const hwProblem = (key: string, view: object = {}): BotError =>
  new BotError({ template: 'hw-problem', view: { [key]: true, ...view } })

export function requireTeacher(turn: Turn): void {
  if (!hasRole(turn.speaker, 'teacher')) throw hwProblem('notTeacher')
}

export const isTeacher = (turn: Turn): boolean => hasRole(turn.speaker, 'teacher')

/** Is the person behind this chat the lesson's teacher or its substitute? */
export function ownLesson(turn: Turn, l: { teacher: { id: string }; substitute: { id: string } | null }): boolean {
  const mine = turn.speaker.persons.map((p) => p.id)
  return mine.includes(l.teacher.id) || (!!l.substitute && mine.includes(l.substitute.id))
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** 'YYYY-MM-DD' → '24.11' */
export const dayMonth = (d: string): string => `${d.slice(8, 10)}.${d.slice(5, 7)}`

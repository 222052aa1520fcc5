/**
 * What the moderation steps share: who may moderate (the class teacher of a class, the school's
 * moderators and administration), the school's clock, the words for rules, and refusals.
 */
import { can } from '../../../../core/auth/policy.ts'
import { ruleLabel } from '../../../../core/channels/index.ts'
import { BotError } from '../../errors.ts'
import { classTeacherOf } from '../../identity.ts'
import type { Speaker, Turn } from '../../types.ts'

/** A moderation refusal: templates/bot/mod-problem.html.hbs by its key. */
export const modProblem = (key: string, view: object = {}): BotError =>
  new BotError({ template: 'mod-problem', view: { [key]: true, ...view } })

/** The schools whose every channel the speaker moderates (moderators, admin, director, deputy). */
export function schoolWide(speaker: Speaker): string[] {
  const actor = speaker.actor
  if (!actor) return []
  const schools = new Set(actor.roles.map((r) => r.schoolId ?? speaker.staff?.schoolId ?? null).filter((s): s is string => s !== null))
  return [...schools].filter((schoolId) => can(actor, 'school.moderateChannels', { type: 'school', schoolId }))
}

/** May the speaker moderate any channel at all (the commands are shown and answered)? */
export function mayModerate(speaker: Speaker): boolean {
  return classTeacherOf(speaker).length > 0 || schoolWide(speaker).length > 0
}

export function requireModerator(turn: Turn): void {
  if (!mayModerate(turn.speaker)) throw modProblem('notModerator')
}

/** The school's time zone: the staff member's, else any linked person's. */
export function zoneOf(turn: Turn): string {
  return turn.speaker.staff?.timezone ?? turn.speaker.persons[0]?.timezone ?? 'Europe/Moscow'
}

/** «12.03 14:05» in the school's time zone. */
export function dayTime(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('ru-RU', {
    timeZone: zone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(instant)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('day')}.${part('month')} ${part('hour')}:${part('minute')}`
}

/** «14:05» in the school's time zone. */
export function clock(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant)
}

/** The rule in words; the moderator also sees which watched word it was. */
export function ruleWords(rule: string | null): string {
  if (!rule) return ''
  if (rule.startsWith('watched:')) return `${ruleLabel(rule)} «${rule.slice('watched:'.length)}»`
  return ruleLabel(rule)
}

/** A message cut to `max` characters on one line, for lists. */
export function excerpt(text: string | null, max = 80): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim()
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`
}

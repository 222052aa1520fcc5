/**
 * What the family commands share: the children the chat may read (the speaker's children list
 * IS the access check — nothing else is ever read), the child's local today, the diary's days, the current period, and the labels of marks and absences.
 */
import { diaryDays, localDate } from '../../../../core/journal/index.ts'
import type { DiaryAttachment, DiaryDay, DiaryLesson, StudentPeriod } from '../../../../core/journal/index.ts'
import { BotError } from '../../errors.ts'
import type { Button, Child, Turn } from '../../types.ts'

export type { DiaryDay, DiaryLesson, DiaryMark } from '../../../../core/journal/index.ts'
export type Attachment = DiaryAttachment
export type AttendanceKind = NonNullable<DiaryLesson['attendance']>['kind']

/** The diary's days for a child (one statement: no period summaries). */
export function readDays(turn: Turn, child: Child, from: string, to: string): Promise<DiaryDay[]> {
  return diaryDays(turn.sql, child.id, from, to)
}

/** The chat's children, or a short reply when no student is linked to it. */
export function requireChildren(turn: Turn): readonly Child[] {
  if (!turn.speaker.children.length) throw new BotError({ template: 'children', view: { none: true } })
  return turn.speaker.children
}

/** The chosen child (turn.child, one of the speaker's children). */
export function requireChild(turn: Turn): Child {
  requireChildren(turn)
  return turn.child!
}

export const todayOf = (turn: Turn, child: Child): string => localDate(turn.now, child.timezone)

export const several = (turn: Turn): boolean => turn.speaker.children.length > 1

/** The header's name: the child's first name when the chat has several children. */
export const nameOf = (turn: Turn, child: Child): string | null => (several(turn) ? child.firstName : null)

/** The views a child switch re-renders, by the short name in `child:<uuid>:<view>`. */
export type ChildView = 'today' | 'marks' | 'week' | 'hw' | 'att' | 'fin'

/** A row of the other children's names switching the same view to them; none for one child. */
export function switchRow(turn: Turn, child: Child, view: ChildView): Button[][] {
  if (!several(turn)) return []
  return [turn.speaker.children.filter((c) => c.id !== child.id).map((c) => ({ label: `→ ${c.firstName}`, data: `child:${c.id}:${view}` }))]
}

/** A real 'YYYY-MM-DD' date from button data (a stale or forged one is refused by the caller). */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** Inline keyboard rows without the empty ones; none at all when nothing is left. */
export function keyboard(...rows: Button[][]): Button[][] | undefined {
  const kept = rows.filter((r) => r.length)
  return kept.length ? kept : undefined
}

export const markLabel = (m: { value: number | null; passed: boolean | null }): string =>
  m.value !== null ? String(m.value) : m.passed ? 'зачёт' : 'незачёт'

export const ATTENDANCE_SHORT: Record<AttendanceKind, string> = { absent: 'н', ill: 'б', excused: 'уп', late: 'оп' }

/** Weighted average of 1–5 marks, rounded to two decimals, as the diary computes it. */
export function weightedAverage(marks: readonly { value: number | null; weight: number }[]): number | null {
  let sum = 0
  let weights = 0
  for (const m of marks) {
    if (m.value === null) continue
    sum += m.value * m.weight
    weights += m.weight
  }
  return weights ? Math.round((sum / weights) * 100 + Number.EPSILON * 100) / 100 : null
}

/** '4.5' → '4,50' (Russian decimal comma). */
export const decimal = (n: number): string => n.toFixed(2).replace('.', ',')

/**
 * The current period: the one containing today, a quarter/trimester/half before the year when
 * both do; out of term (summer, between periods) the latest that has begun, else the first.
 */
export function currentPeriod(periods: readonly StudentPeriod[], today: string): StudentPeriod | null {
  const containing = periods.filter((p) => p.startsOn <= today && p.endsOn >= today)
  const pick = containing.find((p) => p.kind !== 'year') ?? containing[0]
  if (pick) return pick
  const begun = periods.filter((p) => p.startsOn <= today)
  return begun.find((p) => p.kind !== 'year' && p.endsOn === maxEnd(begun)) ?? begun[begun.length - 1] ?? periods[0] ?? null
}

const maxEnd = (ps: readonly StudentPeriod[]) => ps.reduce((m, p) => (p.endsOn > m ? p.endsOn : m), '')

const PERIOD_NAME: Record<StudentPeriod['kind'], string> = {
  quarter: 'четверть', trimester: 'триместр', half: 'полугодие', year: 'год',
}

/** «2 четверть», «1 полугодие», «Год». */
export const periodName = (p: Pick<StudentPeriod, 'kind' | 'number'>): string =>
  p.kind === 'year' ? 'Год' : `${p.number} ${PERIOD_NAME[p.kind]}`

/**
 * /finals: the final marks of the child's periods of the current school year, per period and
 * subject; /attendance: this period's absences by kind, the days with absences and the latest.
 */
import { studentAbsences, studentPeriods, type StudentPeriod } from '../../../../core/journal/index.ts'
import type { Reply, Turn } from '../../types.ts'
import { ATTENDANCE_SHORT, currentPeriod, keyboard, nameOf, periodName, requireChild, switchRow, todayOf, type AttendanceKind } from './common.ts'

const STATUS_LABEL = { exempt: 'освобождён', not_attested: 'не аттестован', ungraded: 'безотметочное' } as const

export function finalLabel(f: StudentPeriod['finals'][number]): string {
  if (f.value !== null) return String(f.value)
  if (f.passed !== null) return f.passed ? 'зачёт' : 'незачёт'
  return f.status ? STATUS_LABEL[f.status] : ''
}

export async function finalsReply(turn: Turn, edit = false): Promise<Reply> {
  const child = requireChild(turn)
  const periods = await studentPeriods(turn.sql, child.id)
  const current = currentPeriod(periods, todayOf(turn, child))
  const year = periods.filter((p) => p.academicYearId === current?.academicYearId && p.finals.length)
  return {
    template: 'finals',
    view: {
      name: nameOf(turn, child) ?? '',
      periods: year.map((p) => ({ period: periodName(p), finals: p.finals.map((f) => ({ subject: f.subject, mark: finalLabel(f), comment: f.comment ?? '' })) })),
    },
    buttons: keyboard(...switchRow(turn, child, 'fin')),
    edit,
  }
}

const RECENT = 10

export async function attendanceReply(turn: Turn, edit = false): Promise<Reply> {
  const child = requireChild(turn)
  const today = todayOf(turn, child)
  const period = currentPeriod(await studentPeriods(turn.sql, child.id), today)
  const to = period && period.endsOn < today ? period.endsOn : today
  const entries = period ? await studentAbsences(turn.sql, child.id, period.startsOn, to) : []
  const counts: Record<AttendanceKind, number> = { absent: 0, ill: 0, excused: 0, late: 0 }
  for (const e of entries) counts[e.kind]++
  const missed = entries.filter((e) => e.kind !== 'late')
  return {
    template: 'attendance',
    view: {
      name: nameOf(turn, child) ?? '',
      period: period ? periodName(period) : '',
      noPeriod: !period,
      total: entries.length,
      missedLessons: missed.length,
      days: new Set(missed.map((e) => e.date)).size,
      counts,
      recent: entries.slice(0, RECENT).map((e) => ({
        date: e.date, lessonNumber: e.lessonNumber, subject: e.subject, label: ATTENDANCE_SHORT[e.kind],
        reason: e.reason ?? '', confirmed: e.confirmed,
      })),
      more: Math.max(0, entries.length - RECENT),
    },
    buttons: keyboard(...switchRow(turn, child, 'att')),
    edit,
  }
}

export const finals = async (turn: Turn): Promise<Reply[]> => [await finalsReply(turn)]
export const attendance = async (turn: Turn): Promise<Reply[]> => [await attendanceReply(turn)]

/**
 * /week [date]: the chosen child's diary for a week, Monday to Saturday (Sunday too when it has
 * lessons), per day the lessons with marks, absences and the homework given; « / » buttons
 * (`week:<monday>`) edit the same message.
 */
import { addDays } from '../../../../core/journal/index.ts'
import { mondayOf, parseDatePhrase } from '../../dates.ts'
import { BotError } from '../../errors.ts'
import type { Reply, Turn } from '../../types.ts'
import { ATTENDANCE_SHORT, isDate, markLabel, nameOf, readDays, requireChild, switchRow, todayOf } from './common.ts'

export async function weekReply(turn: Turn, monday: string, edit = false): Promise<Reply> {
  const child = requireChild(turn)
  const sunday = addDays(monday, 6)
  const days = await readDays(turn, child, monday, sunday)
  const today = todayOf(turn, child)
  const shown = days.filter((d) => d.date !== sunday || d.lessons.length)
  return {
    template: 'week',
    view: {
      name: nameOf(turn, child) ?? '',
      from: monday,
      to: shown.some((d) => d.date === sunday) ? sunday : addDays(monday, 5),
      days: shown.map((d) => ({
        date: d.date,
        today: d.date === today,
        lessons: d.lessons.map((l) => ({
          number: l.lessonNumber,
          subject: l.subject,
          cancelled: l.status === 'cancelled',
          marks: l.marks.map(markLabel).join(' '),
          absence: l.attendance ? ATTENDANCE_SHORT[l.attendance.kind] : '',
          homework: l.homework ? [l.homework.text, l.homework.pages, l.homework.exercises].filter(Boolean).join(', ') : '',
          files: l.homework?.attachments.length ?? 0,
        })),
      })),
    },
    buttons: [
      [{ label: '« пред.', data: `week:${addDays(monday, -7)}` }, { label: 'след. »', data: `week:${addDays(monday, 7)}` }],
      ...switchRow(turn, child, 'week'),
    ],
    edit,
  }
}

/** /week, /week 12.03, /week на следующей неделе: the week containing the date (default today). */
export async function week(turn: Turn): Promise<Reply[]> {
  const child = requireChild(turn)
  const today = todayOf(turn, child)
  const args = turn.input.command?.args.trim() ?? ''
  let date = today
  if (args) {
    const parsed = parseDatePhrase(args, today)
    if (!parsed || 'error' in parsed) throw new BotError({ template: 'week-date', view: {} })
    date = parsed.date
  }
  return [await weekReply(turn, mondayOf(date))]
}

/** `week:YYYY-MM-DD` (a Monday; any date is taken as its week). */
export async function weekButton(turn: Turn): Promise<Reply[]> {
  const date = turn.input.button!.slice('week:'.length)
  if (!isDate(date)) return [{ template: 'problem', view: { expired: true } }]
  return [await weekReply(turn, mondayOf(date), true)]
}

/**
 * /today, and the answer to a greeting: each child's marks, absences and lateness of today and
 * the homework given today, every child in one message. One diary read (one day) per child.
 */
import { addDays } from '../../../../core/journal/index.ts'
import { mondayOf } from '../../dates.ts'
import type { Button, Child, Reply, Turn } from '../../types.ts'
import { ATTENDANCE_SHORT, markLabel, readDays, requireChildren, several, todayOf } from './common.ts'

async function section(turn: Turn, child: Child) {
  const date = todayOf(turn, child)
  const [day] = await readDays(turn, child, date, date)
  const lessons = (day?.lessons ?? []).filter((l) => l.status !== 'cancelled')
  const marks = lessons.flatMap((l) => l.marks.map((m) => ({
    subject: l.subject, mark: markLabel(m), workType: m.workType, comment: m.comment ?? '',
  })))
  const absences = lessons.filter((l) => l.attendance).map((l) => ({
    subject: l.subject, lessonNumber: l.lessonNumber, label: ATTENDANCE_SHORT[l.attendance!.kind],
    late: l.attendance!.kind === 'late', reason: l.attendance!.reason ?? '',
  }))
  const homework = lessons.filter((l) => l.homework).map((l) => ({
    subject: l.subject, text: l.homework!.text, pages: l.homework!.pages ?? '', exercises: l.homework!.exercises ?? '',
    dueOn: l.homework!.dueOn ?? '', files: l.homework!.attachments.length,
  }))
  return {
    name: several(turn) ? child.firstName : '',
    date,
    noLessons: lessons.length === 0,
    quiet: lessons.length > 0 && !marks.length && !absences.length,
    marks, absences, homework,
  }
}

/** Today's summary for all the chat's children; `greeting` adds a hello to the linked person. */
export async function todayReply(turn: Turn, opts: { greeting?: boolean; only?: Child; edit?: boolean } = {}): Promise<Reply> {
  const children = opts.only ? [opts.only] : requireChildren(turn)
  const sections = await Promise.all(children.map((c) => section(turn, c)))
  const child = opts.only ?? turn.child!
  const date = todayOf(turn, child)
  const buttons: Button[][] = [[
    { label: 'Отметки', data: 'marks' },
    { label: 'ДЗ на завтра', data: `hwd:${addDays(date, 1)}` },
    { label: 'Неделя', data: `week:${mondayOf(date)}` },
  ]]
  if (several(turn)) buttons.push([{ label: 'Выбрать ребёнка', data: 'fam:kids' }])
  const person = turn.speaker.persons.find((p) => p.kind !== 'staff') ?? turn.speaker.persons[0]
  return {
    template: 'today',
    view: {
      greeting: opts.greeting ?? false,
      firstName: person?.firstName ?? '',
      date: sections[0]?.date ?? date,
      single: sections.length === 1,
      sections,
    },
    buttons,
    edit: opts.edit,
  }
}

export const today = async (turn: Turn): Promise<Reply[]> => [await todayReply(turn)]

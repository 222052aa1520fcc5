/** /lessons: the teacher's lessons today, each with buttons to set homework and take attendance. */
import { addDays, myLessonsBetween } from '../../../../core/journal/index.ts'
import type { Button, Reply, Turn } from '../../types.ts'
import { clock, dayMonth, requireTeacher, todayOf, zoneOf } from './common.ts'

export type TeacherLesson = Awaited<ReturnType<typeof myLessonsBetween>>[number]

export async function lessonsOn(turn: Turn, from: string, to = from): Promise<TeacherLesson[]> {
  return myLessonsBetween(turn.sql, turn.ctx(), from, to)
}

export async function lessonsCommand(turn: Turn): Promise<Reply[]> {
  requireTeacher(turn)
  const zone = zoneOf(turn)
  const today = todayOf(turn)
  const lessons = await lessonsOn(turn, today)
  const buttons: Button[][] = []
  for (const l of lessons) {
    if (l.status !== 'planned') continue
    const tag = `${l.lessonNumber} · ${l.className}`
    buttons.push([
      ...(l.grade > 1 ? [{ label: `${tag}: ДЗ`, data: `tch:hw:${l.id}` }] : []),
      { label: `${tag}: отсутствующие`, data: `tch:at:${l.id}` },
    ])
  }
  return [{
    template: 'lessons',
    view: {
      date: today,
      items: lessons.map((l) => ({
        number: l.lessonNumber, time: `${clock(l.startsAt, zone)}–${clock(l.endsAt, zone)}`, className: l.className,
        subject: l.subject, topic: l.topic ?? '', room: l.room ?? '', hasHomework: l.hasHomework, gradeOne: l.grade === 1,
        cancelled: l.status === 'cancelled', substitute: !turn.speaker.persons.some((p) => p.id === l.teacher.id),
      })),
    },
    buttons,
  }]
}

/**
 * Lessons to set homework for: today's, and when none of them is still ahead, the next school
 * day's too (within two weeks). Grade 1 gets no homework; cancelled lessons are left out.
 */
export async function homeworkChoices(turn: Turn): Promise<TeacherLesson[]> {
  const today = todayOf(turn)
  const all = (await lessonsOn(turn, today, addDays(today, 14))).filter((l) => l.status === 'planned' && l.grade > 1)
  const todays = all.filter((l) => l.date === today)
  if (todays.some((l) => l.endsAt > turn.now)) return todays
  const next = all.find((l) => l.date > today)
  return [...todays, ...(next ? all.filter((l) => l.date === next.date) : [])]
}

export function lessonButtons(turn: Turn, lessons: readonly TeacherLesson[]): Button[][] {
  const today = todayOf(turn)
  return lessons.map((l) => [{
    label: `${l.date === today ? '' : `${dayMonth(l.date)} · `}${l.lessonNumber} урок · ${l.className} ${l.subject}`.slice(0, 60),
    data: `tch:hw:${l.id}`,
  }])
}

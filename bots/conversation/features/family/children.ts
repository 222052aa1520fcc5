/**
 * /children: the chat's children with a button each (`child:<uuid>`); choosing one makes the
 * child-specific commands (marks, week, homework, attendance, finals) read that child. A switch
 * from one of those views (`child:<uuid>:<view>`) re-renders the view for the new child.
 * turn.selectChild refuses an id that is not one of the speaker's children (a forged button).
 */
import { addDays } from '../../../../core/journal/index.ts'
import { mondayOf } from '../../dates.ts'
import { problem } from '../../errors.ts'
import type { Reply, Turn } from '../../types.ts'
import { requireChildren, todayOf, type ChildView } from './common.ts'
import { attendanceReply, finalsReply } from './finals.ts'
import { homeworkReply } from './homework.ts'
import { marksReply } from './marks.ts'
import { todayReply } from './today.ts'
import { weekReply } from './week.ts'

function listReply(turn: Turn, edit: boolean): Reply {
  const children = requireChildren(turn)
  const chosen = turn.child!
  return {
    template: 'children',
    view: {
      children: children.map((c) => ({ firstName: c.firstName, className: c.className ?? '', chosen: c.id === chosen.id })),
    },
    buttons: children.map((c) => [{ label: `${c.id === chosen.id ? '✓ ' : ''}${c.firstName}${c.className ? `, ${c.className}` : ''}`, data: `child:${c.id}` }]),
    edit,
  }
}

export const children = async (turn: Turn): Promise<Reply[]> => [listReply(turn, false)]

const VIEWS: Record<ChildView, (turn: Turn) => Promise<Reply[]>> = {
  today: async (t) => [await todayReply(t, { only: t.child!, edit: true })],
  marks: async (t) => [await marksReply(t, t.child!, undefined, true)],
  week: async (t) => [await weekReply(t, mondayOf(todayOf(t, t.child!)), true)],
  hw: (t) => homeworkReply(t, t.child!, addDays(todayOf(t, t.child!), 1), true),
  att: async (t) => [await attendanceReply(t, true)],
  fin: async (t) => [await finalsReply(t, true)],
}

/** `child:<uuid>` chooses the child; `child:<uuid>:<view>` also shows that view for them. */
export async function childButton(turn: Turn): Promise<Reply[]> {
  requireChildren(turn)
  const [, id, view] = turn.input.button!.split(':')
  if (!id) throw problem('expired')
  turn.selectChild(id)
  if (view) {
    const render = VIEWS[view as ChildView]
    if (!render) throw problem('expired')
    return render(turn)
  }
  const c = turn.child!
  return [{
    template: 'children',
    view: { selected: c.firstName, className: c.className ?? '' },
    buttons: [
      [{ label: 'Сегодня', data: `child:${c.id}:today` }, { label: 'Отметки', data: 'marks' }],
      [{ label: 'ДЗ на завтра', data: `hwd:${addDays(todayOf(turn, c), 1)}` }, { label: 'Неделя', data: `week:${mondayOf(todayOf(turn, c))}` }],
    ],
    edit: true,
  }]
}

/** `fam:kids` (the list), `fam:today` (today's summary of all children). */
export async function familyButton(turn: Turn): Promise<Reply[]> {
  const what = turn.input.button!.slice('fam:'.length)
  if (what === 'kids') return [listReply(turn, true)]
  if (what === 'today') return [await todayReply(turn, { edit: true })]
  throw problem('expired')
}

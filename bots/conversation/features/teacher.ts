/**
 * The teacher in chat: /lessons (today's lessons), homework by free text, photo or /hw, and
 * attendance for the current lesson (/attend). Buttons share the prefix `tch`:
 * `tch:hw:<lessonId>` homework for a lesson, `tch:at:<lessonId>` its attendance,
 * `tch:s:<token>` / `tch:x:<token>` save / drop the homework draft, `tch:a:<token>:<i|done|cancel>` the class list.
 */
import { hwProblem } from './teacher/common.ts'
import { attendButton, attendCommand, openAttendance } from './teacher/attendance.ts'
import { cancelDraft, saveDraft } from './teacher/draft.ts'
import { assignmentText, homeworkText, hwCommand, pickLesson } from './teacher/homework.ts'
import { lessonsCommand } from './teacher/lessons.ts'
import type { Feature, Reply, Turn } from '../types.ts'

async function button(turn: Turn): Promise<Reply[]> {
  const [, action = '', arg = '', more = ''] = turn.input.button!.split(':')
  switch (action) {
    case 'hw': return pickLesson(turn, arg)
    case 'at': return openAttendance(turn, arg)
    case 's': return saveDraft(turn, arg)
    case 'x': return cancelDraft(turn, arg)
    case 'a': return attendButton(turn, arg, more)
    default: throw hwProblem('expired')
  }
}

export const teacher: Feature = {
  name: 'teacher',
  commands: { lessons: lessonsCommand, hw: hwCommand, attend: attendCommand },
  buttons: { tch: button },
  states: { 'hw-text': assignmentText },
  text: homeworkText,
}

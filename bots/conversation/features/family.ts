/**
 * Guardians and students: /today (also the answer to a greeting), /marks, /homework and
 * «дз на пятницу», /week, /attendance, /finals, /children. Only the speaker's children are ever
 * read — that list is the access check (the diary read model has none of its own).
 */
import type { Feature, Reply, Turn } from '../types.ts'
import { childButton, children, familyButton } from './family/children.ts'
import { attendance, finals } from './family/finals.ts'
import { homework, homeworkButton, homeworkText } from './family/homework.ts'
import { marks, marksButton } from './family/marks.ts'
import { today, todayReply } from './family/today.ts'
import { week, weekButton } from './family/week.ts'

const GREETING =
  /^(привет[а-яa-z]*|здравствуй[а-яa-z]*|здрасте|добр(ый|ое|ого)\s+(день|вечер|утро|дня|вечера|утра)|доброе\s+утро|hi|hello|хай|что\s+сегодня|что\s+нового|как\s+(дела|там|прошел\s+день)(\s+в\s+школе)?|как\s+в\s+школе|что\s+было\s+(сегодня\s+)?в\s+школе)([\s,]+\S+)?[\s!?.,)]*$/

/** A greeting (or «что сегодня», «как дела в школе») gets today's summary; staff-only chats a hint. */
async function greeting(turn: Turn): Promise<Reply[] | null> {
  const text = turn.input.text?.toLowerCase().replace(/ё/g, 'е').trim()
  if (!text || !GREETING.test(text)) return null
  if (!turn.speaker.children.length) {
    const staff = turn.speaker.staff ?? turn.speaker.persons[0]
    return [{ template: 'greeting', view: { firstName: staff?.firstName ?? '', middleName: staff?.middleName ?? '', staff: !!turn.speaker.staff } }]
  }
  return [await todayReply(turn, { greeting: true })]
}

export const family: Feature = {
  name: 'family',
  commands: { today, marks, homework, week, attendance, finals, children },
  buttons: { marks: marksButton, week: weekButton, hwd: homeworkButton, child: childButton, fam: familyButton },
  text: async (turn) => (await homeworkText(turn)) ?? greeting(turn),
}

/** /help: the commands this chat can use, by who is linked to it. */
import { classTeacherOf, hasRole } from '../identity.ts'
import type { Feature, Reply, Turn } from '../types.ts'
import { mayModerate } from './moderation/common.ts'

async function helpReply(turn: Turn): Promise<Reply[]> {
  const s = turn.speaker
  return [{
    template: 'help',
    view: {
      family: s.children.length > 0,
      severalChildren: s.children.length > 1,
      teacher: hasRole(s, 'teacher'),
      classTeacher: classTeacherOf(s).length > 0,
      announcer: classTeacherOf(s).length > 0 || (['admin', 'director', 'deputy'] as const).some((r) => hasRole(s, r)),
      moderator: mayModerate(s),
    },
  }]
}

export const help: Feature = { name: 'help', commands: { help: helpReply } }

/**
 * Who speaks from a chat: the live chat links, the persons behind them, their accounts' roles
 * (merged into one actor), and the children whose diaries the chat reads. Loaded fresh for
 * every input (one statement), so an unlink, a locked account or a child's transfer shows at once.
 */
import type { RoleGrant } from '../../core/auth/policy.ts'
import type { Db } from '../../core/db/connect.ts'
import { chatActor, chatIdentity } from '../../core/chat/index.ts'
import type { Speaker } from './types.ts'

export async function loadSpeaker(db: Db, chatId: string): Promise<Speaker> {
  const row = await chatIdentity(db, chatId)
  const persons = row.persons.map(({ accountId: _a, ...p }) => p)
  const staff = row.persons.find((p) => p.kind === 'staff') ?? null
  const actor = chatActor(row, chatId)
  return {
    chatId,
    persons,
    children: row.children,
    staff: staff ? persons.find((p) => p.id === staff.id)! : null,
    actor,
  }
}

/** The roles of the speaker (teacher, class_teacher of which classes …). */
export function hasRole(speaker: Speaker, role: RoleGrant['role']): boolean {
  return !!speaker.actor?.roles.some((r) => r.role === role)
}

export function classTeacherOf(speaker: Speaker): string[] {
  return (speaker.actor?.roles ?? []).filter((r) => r.role === 'class_teacher' && r.classId).map((r) => r.classId!)
}

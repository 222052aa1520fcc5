/**
 * /channel [class]: a one-time code that binds a Telegram group to a class. The class teacher
 * takes it for their class (one class: the code at once; several: a button per class), the
 * school's moderators and administration for any class (typed: `/channel 5А`, or a button).
 * The code is sent in the group as `/bind CODE` by the same person within the hour.
 */
import { BIND_CODE_TTL_MINUTES, channelsModeratedBy, issueBindCode } from '../../../../core/channels/index.ts'
import { listClasses } from '../../../../core/journal/index.ts'
import { classLetter } from '../../homework-text.ts'
import { classTeacherOf } from '../../identity.ts'
import type { Button, Reply, Turn } from '../../types.ts'
import { clock, modProblem, requireModerator, schoolWide, zoneOf } from './common.ts'

interface ClassOption { readonly id: string; readonly label: string }

/** «5а», «5 А», «5-a», «5 "А"» → «5А»; null when it is not a class label. */
export function classLabel(raw: string): string | null {
  const m = /^(\d{1,2})\s*[-–]?\s*["«'“]?([A-Za-zА-Яа-яЁё])["»'”]?$/.exec(raw.trim())
  if (!m) return null
  const letter = classLetter(m[2]!)
  return letter ? `${Number(m[1])}${letter}` : null
}

/** The current year's classes the speaker may bind: all of their schools', or their own classes. */
async function options(turn: Turn): Promise<ClassOption[]> {
  const wide = new Set(schoolWide(turn.speaker))
  const own = new Set(classTeacherOf(turn.speaker))
  const ownSchools = (turn.speaker.actor?.roles ?? [])
    .filter((r) => r.role === 'class_teacher' && r.classId && r.schoolId).map((r) => r.schoolId!)
  const schools = [...new Set([...wide, ...ownSchools])]
  const ctx = turn.ctx()
  const found: ClassOption[] = []
  for (const schoolId of schools) {
    for (const c of await listClasses(turn.sql, ctx, schoolId)) {
      if (wide.has(schoolId) || own.has(c.id)) found.push({ id: c.id, label: `${c.grade}${c.letter.toUpperCase()}` })
    }
  }
  return found
}

export async function channelCommand(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  const list = await options(turn)
  const typed = turn.input.command?.args.trim() ?? ''
  if (typed) {
    const label = classLabel(typed)
    if (!label) throw modProblem('badClass', { typed })
    const match = list.find((c) => c.label === label)
    if (!match) throw modProblem('unknownClass', { label })
    return codeReply(turn, match.id, false)
  }
  if (!list.length) throw modProblem('noClasses')
  if (list.length === 1) return codeReply(turn, list[0]!.id, false)
  const buttons: Button[][] = []
  for (let i = 0; i < list.length; i += 4) buttons.push(list.slice(i, i + 4).map((c) => ({ label: c.label, data: `modc:${c.id}` })))
  return [{ template: 'mod-channel-pick', view: { typeHint: schoolWide(turn.speaker).length > 0 }, buttons }]
}

/** `modc:<classId>`: the code for the class picked (the policy is checked again by core). */
export async function channelButton(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  const classId = turn.input.button!.slice('modc:'.length)
  if (!(await options(turn)).some((c) => c.id === classId)) throw modProblem('expired')
  return codeReply(turn, classId, true)
}

async function codeReply(turn: Turn, classId: string, edit: boolean): Promise<Reply[]> {
  const ctx = turn.ctx()
  const code = await issueBindCode(turn.sql, ctx, classId)
  const bound = (await channelsModeratedBy(turn.sql, ctx.actor)).filter((ch) => ch.classId === classId)
  return [{
    template: 'mod-channel-code',
    view: {
      className: code.className, code: code.code, minutes: BIND_CODE_TTL_MINUTES, until: clock(code.expiresAt, zoneOf(turn)),
      bound: bound.map((ch) => ({ title: ch.title || 'без названия', inviteLink: ch.inviteLink ?? '' })),
    },
    edit,
  }]
}

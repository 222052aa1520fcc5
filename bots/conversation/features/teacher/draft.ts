/** The homework draft: held in the chat's state until [Сохранить] writes it through core's setHomework. */
import { setHomework } from '../../../../core/journal/index.ts'
import { homeworkBody } from '../../../../core/journal/schema.ts'
import { AppError } from '../../../../core/http/errors.ts'
import { extractRefs } from '../../homework-text.ts'
import type { ChatFile, ConversationState, Reply, Turn } from '../../types.ts'
import { hwProblem, newToken, todayOf } from './common.ts'

export const DRAFT_TTL_MINUTES = 60
const MAX_ATTACHMENTS = 20

export interface Attachment { name: string; ref: string }
export interface DraftLesson { lessonId: string; classLabel: string; subject: string; date: string; lessonNumber: number; replaces: boolean }
export interface HwConfirm extends ConversationState {
  kind: 'hw-confirm'; token: string; lesson: DraftLesson; text: string; pages: string | null; exercises: string | null; attachments: Attachment[]
}
export interface HwText extends ConversationState { kind: 'hw-text'; lesson: DraftLesson; attachments: Attachment[] }
export interface HwFiles extends ConversationState { kind: 'hw-files'; attachments: Attachment[]; text: string | null }

/** The reference the FAMILY feature resends: telegram:photo:<file_id> | telegram:document:<file_id>. */
export const attachmentsOf = (files: readonly ChatFile[] | undefined): Attachment[] =>
  (files ?? []).map((f) => ({ name: f.name, ref: `telegram:${f.kind}:${f.fileId}` }))

export function stateOf<T extends ConversationState>(turn: Turn, kind: T['kind']): T | null {
  return turn.state?.kind === kind ? (turn.state as T) : null
}

// ---------------------------------------------------------------- the draft

export function confirmReply(turn: Turn, draft: HwConfirm): Reply {
  if (draft.attachments.length > MAX_ATTACHMENTS) throw hwProblem('tooManyFiles', { max: MAX_ATTACHMENTS })
  const checked = homeworkBody.safeParse({
    text: draft.text, attachments: draft.attachments,
    ...(draft.pages ? { pages: draft.pages } : {}), ...(draft.exercises ? { exercises: draft.exercises } : {}),
  })
  if (!checked.success) throw hwProblem('tooLong')
  turn.setState(draft, DRAFT_TTL_MINUTES)
  return {
    template: 'hw-confirm',
    view: {
      ...draft.lesson, today: draft.lesson.date === todayOf(turn), text: draft.text, pages: draft.pages ?? '', exercises: draft.exercises ?? '',
      files: draft.attachments.length,
    },
    buttons: [[{ label: 'Сохранить', data: `tch:s:${draft.token}` }, { label: 'Отменить', data: `tch:x:${draft.token}` }]],
  }
}

export function draftFor(lesson: DraftLesson, text: string, attachments: Attachment[]): HwConfirm {
  const refs = extractRefs(text)
  return { kind: 'hw-confirm', token: newToken(), lesson, text, pages: refs.pages ?? null, exercises: refs.exercises ?? null, attachments }
}

export async function saveDraft(turn: Turn, token: string): Promise<Reply[]> {
  const draft = stateOf<HwConfirm>(turn, 'hw-confirm')
  if (!draft || draft.token !== token) throw hwProblem('expired')
  turn.setState(null)
  try {
    await setHomework(turn.sql, turn.ctx(), draft.lesson.lessonId, {
      text: draft.text, attachments: draft.attachments,
      ...(draft.pages ? { pages: draft.pages } : {}), ...(draft.exercises ? { exercises: draft.exercises } : {}),
    })
  } catch (err) {
    throw refusal(err, draft.lesson.classLabel)
  }
  return [{ template: 'hw-saved', view: { ...draft.lesson, files: draft.attachments.length }, edit: true }]
}

export async function cancelDraft(turn: Turn, token: string): Promise<Reply[]> {
  const draft = stateOf<HwConfirm>(turn, 'hw-confirm')
  if (draft?.token === token) turn.setState(null)
  return [{ template: 'hw-cancelled', view: {}, edit: true }]
}

/** Core's refusals of a lesson, told in the teacher's terms. */
export function refusal(err: unknown, classLabel: string): unknown {
  if (!(err instanceof AppError)) return err
  switch (err.code) {
    case 'forbidden':
    case 'not_found':
      return hwProblem('notYours')
    case 'rule_violation':
      return Number.parseInt(classLabel, 10) === 1 ? hwProblem('gradeOne') : hwProblem('rule')
    case 'year_closed':
      return hwProblem('yearClosed')
    case 'validation_failed':
      return hwProblem('tooLong')
    default:
      return err
  }
}


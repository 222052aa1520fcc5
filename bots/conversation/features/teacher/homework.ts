/**
 * Homework from chat: one message «7А алгебра §12 №3–5, стр. 45» (or a photo with it as the
 * caption), or /hw → a lesson's button → the text. Either way a draft is shown with the lesson
 * it goes to, and only [Сохранить] writes it (core's setHomework checks that the lesson is the
 * teacher's and not grade 1). Drafts live in the chat's state, never in memory.
 */
import { getLessonJournal } from '../../../../core/journal/index.ts'
import { parseHomeworkText } from '../../homework-text.ts'
import type { Reply, Turn } from '../../types.ts'
import { hwProblem, isTeacher, ownLesson, requireTeacher, todayOf, UUID } from './common.ts'
import {
  attachmentsOf, confirmReply, draftFor, DRAFT_TTL_MINUTES, refusal, stateOf, type DraftLesson, type HwConfirm, type HwFiles, type HwText,
} from './draft.ts'
import { homeworkChoices, lessonButtons } from './lessons.ts'
import { resolve, teacherClasses } from './resolve.ts'

/**
 * The free-text matcher: a teacher's message starting with a class token, a photo or document
 * (its caption parsed the same way), or files added to the pending draft. Anything else is not
 * ours (null), and the family feature may answer it.
 */
export async function homeworkText(turn: Turn): Promise<Reply[] | null> {
  if (!isTeacher(turn)) return null
  const text = turn.input.text?.trim() ?? ''
  const files = attachmentsOf(turn.input.files)
  const parsed = text ? parseHomeworkText(text) : null
  if (parsed) {
    const pending = stateOf<HwFiles>(turn, 'hw-files')?.attachments ?? []
    return [confirmReply(turn, await resolve(turn, parsed, [...pending, ...files]))]
  }
  if (!files.length) return null
  const draft = stateOf<HwConfirm>(turn, 'hw-confirm')
  if (draft) return [confirmReply(turn, { ...draft, attachments: [...draft.attachments, ...files] })]
  // files with no lesson named: which lesson are they for?
  const earlier = stateOf<HwFiles>(turn, 'hw-files')
  const lessons = await homeworkChoices(turn)
  if (!lessons.length) throw hwProblem('noLessons')
  turn.setState({
    kind: 'hw-files', attachments: [...(earlier?.attachments ?? []), ...files], text: text || earlier?.text || null,
  } satisfies HwFiles, DRAFT_TTL_MINUTES)
  return [{ template: 'hw-pick', view: { files: files.length + (earlier?.attachments.length ?? 0) }, buttons: lessonButtons(turn, lessons) }]
}

// ---------------------------------------------------------------- /hw and the lesson buttons

export async function hwCommand(turn: Turn): Promise<Reply[]> {
  requireTeacher(turn)
  const lessons = await homeworkChoices(turn)
  if (!lessons.length) throw hwProblem('noLessons')
  return [{ template: 'hw-pick', view: { files: 0 }, buttons: lessonButtons(turn, lessons) }]
}

/** A lesson's button (from /hw, /lessons or the files' question): ask for the text, or show the draft. */
export async function pickLesson(turn: Turn, lessonId: string): Promise<Reply[]> {
  requireTeacher(turn)
  if (!UUID.test(lessonId)) throw hwProblem('expired')
  const journal = await getLessonJournal(turn.sql, turn.ctx(), lessonId).catch((err: unknown) => {
    throw refusal(err, '')
  })
  const l = journal.lesson
  if (!ownLesson(turn, l)) throw hwProblem('notYours')
  if (l.status === 'cancelled') throw hwProblem('cancelledLesson')
  if (Number.parseInt(l.className, 10) === 1) throw hwProblem('gradeOne')
  const lesson: DraftLesson = {
    lessonId: l.id, classLabel: l.className, subject: l.subject, date: l.date, lessonNumber: l.lessonNumber, replaces: !!journal.homework,
  }
  const pending = stateOf<HwFiles>(turn, 'hw-files')
  const attachments = pending?.attachments ?? []
  if (pending?.text) return [confirmReply(turn, draftFor(lesson, pending.text, attachments))]
  turn.setState({ kind: 'hw-text', lesson, attachments } satisfies HwText, DRAFT_TTL_MINUTES)
  return [{
    template: 'hw-ask-text',
    view: { ...lesson, today: lesson.date === todayOf(turn), current: journal.homework?.text ?? '', files: attachments.length },
    edit: true,
  }]
}

/** The pending "write the assignment" step: the text (with files, if any) becomes the draft. */
export async function assignmentText(turn: Turn): Promise<Reply[]> {
  const s = stateOf<HwText>(turn, 'hw-text')!
  const attachments = [...s.attachments, ...attachmentsOf(turn.input.files)]
  const text = turn.input.text?.trim() ?? ''
  if (!text) {
    turn.setState({ ...s, attachments }, DRAFT_TTL_MINUTES)
    return [{
      template: 'hw-ask-text',
      view: { ...s.lesson, today: s.lesson.date === todayOf(turn), current: '', files: attachments.length, filesAdded: true },
    }]
  }
  // a whole «7А алгебра …» message for one of the teacher's classes is read as such, not as this lesson's text
  const parsed = parseHomeworkText(text)
  if (parsed && (await teacherClasses(turn)).has(parsed.classLabel)) return [confirmReply(turn, await resolve(turn, parsed, attachments))]
  return [confirmReply(turn, draftFor(s.lesson, text, attachments))]
}

/** «7А алгебра …» → the teacher's lesson: the class and subject they teach, today's lesson of it or the next one. */
import { addDays, myLessonsBetween, myTeaching } from '../../../../core/journal/index.ts'
import { matchSubject, textAfterWords, type ParsedHomework } from '../../homework-text.ts'
import type { Turn } from '../../types.ts'
import { hwProblem, todayOf } from './common.ts'
import { draftFor, type Attachment, type HwConfirm } from './draft.ts'

const SEARCH_DAYS = 14

/** Resolves «7А алгебра …» to the teacher's lesson: today's of that class and subject, else the next one. */
export async function resolve(turn: Turn, p: ParsedHomework, attachments: Attachment[]): Promise<HwConfirm> {
  if (p.grade === 1) throw hwProblem('gradeOne')
  const ctx = turn.ctx()
  const today = todayOf(turn)
  const [teaching, lessons] = await Promise.all([myTeaching(turn.sql, ctx), myLessonsBetween(turn.sql, ctx, today, addDays(today, SEARCH_DAYS))])
  // what the teacher teaches, and where they substitute in the coming days
  const pairs = new Map<string, { classId: string; className: string; subjectId: string; subject: string }>()
  for (const x of [...teaching, ...lessons]) pairs.set(`${x.classId}/${x.subjectId}`, x)
  const inClass = [...pairs.values()].filter((x) => x.className.toUpperCase() === p.classLabel)
  if (!inClass.length) {
    const classes = [...new Set([...pairs.values()].map((x) => x.className))]
    throw hwProblem('unknownClass', { classLabel: p.classLabel, classes: classes.join(', ') })
  }
  const subjects = [...new Set(inClass.map((x) => x.subject))].join(', ')
  const m = matchSubject(p, inClass)
  let chosen: (typeof inClass)[number]
  let text: string
  if (m.kind === 'one') {
    chosen = m.subject
    text = textAfterWords(p, m.words)
  } else if (m.kind === 'none' && p.subjectWords.length === 0 && inClass.length === 1) {
    // «7А §12 №3» where the teacher has one subject in 7А
    chosen = inClass[0]!
    text = p.text
  } else if (m.kind === 'several') {
    throw hwProblem('severalSubjects', { classLabel: p.classLabel, subjects: m.subjects.map((s) => s.subject).join(', ') })
  } else {
    throw hwProblem('unknownSubject', {
      classLabel: p.classLabel, typed: p.subjectWords.join(' '), subjects, example: inClass[0]!.subject.toLowerCase(),
    })
  }
  if (!text) throw hwProblem('noText', { classLabel: p.classLabel, subject: chosen.subject })

  const ofSubject = lessons.filter((l) => l.classId === chosen.classId && l.subjectId === chosen.subjectId && l.status === 'planned')
  // today's (the last one, for a double lesson), else the next
  const lesson = ofSubject.filter((l) => l.date === today).at(-1) ?? ofSubject.find((l) => l.date > today)
  if (!lesson) throw hwProblem('noLesson', { classLabel: p.classLabel, subject: chosen.subject, days: SEARCH_DAYS })
  return draftFor({
    lessonId: lesson.id, classLabel: lesson.className, subject: lesson.subject, date: lesson.date,
    lessonNumber: lesson.lessonNumber, replaces: lesson.hasHomework,
  }, text, attachments)
}

/** The labels of the classes the teacher teaches (7А, 8Б …). */
export async function teacherClasses(turn: Turn): Promise<Set<string>> {
  return new Set((await myTeaching(turn.sql, turn.ctx())).map((x) => x.className.toUpperCase()))
}

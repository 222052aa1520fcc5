/**
 * What a delivery says, rendered for its channel from templates/notify/<channel>/. Events carry
 * ids; names are looked up here at send time (subject, the child's first name, the homework
 * as it stands now). Chat and SMS carry the child's first name only.
 */
import type { Db } from '../core/db/connect.ts'
import { classAbsenceDigest, classAttendanceWeek } from '../core/notifications/attendance-reports.ts'
import type { Channel, Profile } from '../core/notifications/preferences.ts'
import { plural, render } from '../core/render/render.ts'
import type { Attachment, ChatMessage } from './channels/types.ts'
import { composeView, type DeliveryEvent, type Lookups, type MessageView } from './compose.ts'
import type { PreparedPrintout, PrintoutReport } from './printouts.ts'
import { isTalk, talkView, type TalkView } from './talk.ts'

/** The journal's changes folded per child, plus thread messages and announcements. */
export type EventsView = MessageView & TalkView

export type Rendered =
  | { channel: 'telegram'; html: string; document?: ChatMessage['document'] }
  | { channel: 'email'; subject: string; html: string; text: string; attachments?: Attachment[] }
  | { channel: 'sms'; text: string }

export interface ReportPayload {
  readonly report: 'absence_digest' | 'attendance_summary'
  readonly classId: string
  readonly from: string
  readonly to: string
}

const PERIOD_NAMES: Record<string, string> = { quarter: 'четверть', trimester: 'триместр', half: 'полугодие' }

async function loadLookups(db: Db, events: readonly DeliveryEvent[]): Promise<Lookups> {
  const ids = (k: string) => [...new Set(events.flatMap((e) => {
    const v = e.payload[k] ?? (e.payload.entry as Record<string, unknown> | undefined)?.[k]
    return typeof v === 'string' ? [v] : []
  }))]
  const students = [...new Set(events.flatMap((e) => (e.studentId ? [e.studentId] : [])))]
  const homeworkIds = [...new Set([...ids('homeworkId'), ...events.filter((e) => e.kind.startsWith('homework.')).map((e) => String(e.payload.entityId ?? ''))].filter(Boolean))]
  // `= any(array)` is simply false for an empty list
  const list = (a: string[]) => db`any(${a}::uuid[])`
  const [persons, subjects, workTypes, lessons, homework, periods] = await Promise.all([
    db<{ id: string; firstName: string }[]>`select id, first_name from persons where id = ${list(students)}`,
    db<{ id: string; name: string }[]>`select id, name from subjects where id = ${list(ids('subjectId'))}`,
    db<{ id: string; name: string }[]>`select id, name from work_types where id = ${list(ids('workTypeId'))}`,
    db<{ id: string; lessonNumber: number; date: string }[]>`select id, lesson_number, date from lessons where id = ${list(ids('lessonId'))}`,
    db<{ id: string; text: string; pages: string | null; exercises: string | null }[]>`
      select id, text, pages, exercises from homework where id = ${list(homeworkIds)} and removed_at is null`,
    db<{ id: string; kind: string; number: number }[]>`select id, kind, number from periods where id = ${list(ids('periodId'))}`,
  ])
  return {
    students: new Map(persons.map((p) => [p.id, p.firstName])),
    subjects: new Map(subjects.map((s) => [s.id, s.name])),
    workTypes: new Map(workTypes.map((w) => [w.id, w.name])),
    lessons: new Map(lessons.map((l) => [l.id, { number: l.lessonNumber, date: l.date }])),
    homework: new Map(homework.map((h) => [h.id, [h.text, h.pages && `стр. ${h.pages}`, h.exercises && `№ ${h.exercises}`].filter(Boolean).join(', ')])),
    periods: new Map(periods.map((p) => [p.id, p.kind === 'year' ? 'год' : `${p.number} ${PERIOD_NAMES[p.kind] ?? p.kind}`])),
  }
}

export async function eventsView(db: Db, events: readonly DeliveryEvent[]): Promise<EventsView> {
  const journal = events.filter((e) => !isTalk(e))
  const talk = events.filter(isTalk)
  const [view, said] = await Promise.all([
    composeView(journal, await loadLookups(db, journal)),
    talk.length ? talkView(db, talk) : { messages: [], announcements: [] },
  ])
  return { ...view, ...said, count: view.count + said.messages.length + said.announcements.length }
}

const initials = (name: string) => {
  const [last, ...rest] = name.split(' ')
  return [last, rest.map((n) => `${n.charAt(0)}.`).join(' ')].filter(Boolean).join(' ')
}

/** A one-line summary for subjects and SMS: «Маша: 2 новые отметки, отсутствие». */
function headline(view: EventsView): string {
  const talk: string[] = []
  const [m] = view.messages
  if (m) talk.push(view.messages.length === 1 ? `Сообщение от ${m.from === 'staff' ? initials(m.author) : m.author}` : `${view.messages.length} ${plural(view.messages.length, 'сообщение', 'сообщения', 'сообщений')}`)
  const [a] = view.announcements
  if (a) talk.push(a.className ? `Объявление для ${a.className}` : 'Объявление школы')
  if (!view.children.length) return talk.join('; ')
  return [...talk, journalHeadline(view)].join('; ')
}

function journalHeadline(view: MessageView): string {
  const parts: string[] = []
  const sum = (f: (c: MessageView['children'][number]) => number) => view.children.reduce((n, c) => n + f(c), 0)
  const marks = sum((c) => c.newMarks.length), changed = sum((c) => c.changedMarks.length + c.removedMarks.length)
  const hw = sum((c) => c.homework.length), finals = sum((c) => c.finals.length + c.removedFinals.length)
  if (view.absences) parts.push(view.absences === 1 ? 'пропуск урока' : `${view.absences} ${plural(view.absences, 'пропуск', 'пропуска', 'пропусков')}`)
  if (marks) parts.push(`${marks} ${plural(marks, 'новая отметка', 'новые отметки', 'новых отметок')}`)
  if (changed) parts.push(`${changed} ${plural(changed, 'исправление', 'исправления', 'исправлений')} отметок`)
  if (hw) parts.push(`${hw} ${plural(hw, 'домашнее задание', 'домашних задания', 'домашних заданий')}`)
  if (finals) parts.push(`итоговые отметки`)
  const who = view.children.map((c) => c.firstName).join(', ')
  return `${who} — ${parts.join(', ') || 'изменения в дневнике'}`
}

export interface RenderInput {
  readonly channel: Channel
  readonly mode: 'instant' | 'digest' | 'report'
  readonly profile: Profile
  readonly unsubscribeUrl: string
  readonly date: string
}

export function renderEvents(view: EventsView, input: RenderInput): Rendered {
  const title = input.mode === 'digest' ? `Дневник за ${input.date.slice(8, 10)}.${input.date.slice(5, 7)}` : headline(view)
  const model = {
    message: view, title, headline: headline(view), digest: input.mode === 'digest', schoolName: input.profile.schoolName,
    unsubscribeUrl: input.unsubscribeUrl,
    // a lone absence alert is worded in full (it is what SMS is for by default)
    absence: view.count === 1 && view.absences === 1 ? { firstName: view.children[0]!.firstName, ...view.children[0]!.absences[0]! } : null,
  }
  return renderFor(input.channel, 'events', model)
}

export async function reportView(db: Db, p: ReportPayload): Promise<{ empty: boolean; model: Record<string, unknown>; name: string }> {
  if (p.report === 'absence_digest') {
    const digest = await classAbsenceDigest(db, p.classId, p.from)
    return { empty: false, name: 'absence-digest', model: { digest, title: `Отсутствующие в ${digest.classLabel} за ${p.from.slice(8, 10)}.${p.from.slice(5, 7)}` } }
  }
  const week = await classAttendanceWeek(db, p.classId, p.from, p.to)
  return { empty: false, name: 'attendance-summary', model: { week, title: `Посещаемость ${week.classLabel} за неделю` } }
}

export function renderReport(r: { model: Record<string, unknown>; name: string }, input: RenderInput): Rendered {
  return renderFor(input.channel, r.name, { ...r.model, schoolName: input.profile.schoolName, unsubscribeUrl: input.unsubscribeUrl })
}

/**
 * A weekly printout's message with its PDF: attached to the e-mail, or sent on Telegram as a
 * document whose caption is the message (a short one when the list is too long for a caption).
 */
export function renderPrintout(report: PrintoutReport, doc: PreparedPrintout, input: RenderInput): Rendered {
  const name = report === 'diary_week' ? 'diary-week' : 'paper-bundle'
  const { pdf, ...view } = doc
  const model = { ...view, count: view.recipients?.length ?? 0, schoolName: input.profile.schoolName, unsubscribeUrl: input.unsubscribeUrl }
  const file = { filename: doc.filename, content: pdf, contentType: 'application/pdf' }
  const r = renderFor(input.channel, name, model)
  switch (r.channel) {
    case 'email':
      return { ...r, attachments: [file] }
    case 'telegram':
      return { ...r, document: { ...file, shortCaption: tidy(render(`notify/telegram/${name}-caption.html`, model)) } }
    case 'sms':
      throw new Error(`a ${report} printout is never sent by SMS`)
  }
}

function renderFor(channel: Channel, name: string, model: object): Rendered {
  switch (channel) {
    case 'telegram':
      return { channel, html: tidy(render(`notify/telegram/${name}.html`, model)) }
    case 'email':
      return {
        channel,
        subject: render(`notify/email/${name}.subject`, model).replace(/\s+/g, ' ').trim(),
        html: render(`notify/email/${name}.html`, model),
        text: tidy(render(`notify/email/${name}.text`, model)) + '\n',
      }
    case 'sms':
      return { channel, text: render(`notify/sms/${name}.text`, model).replace(/\s+/g, ' ').trim() }
  }
}

/** Templates keep their structure readable; the message gets no runs of blank lines. */
const tidy = (s: string) => s.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()

/**
 * /homework [date], «дз на завтра», «что задали на пятницу», «домашка 12.03»: the homework due
 * on a date, per subject in the order of that day's lessons, with its attachments sent as
 * files. Due on the date means: given at an earlier lesson with due_on = the date, or pointed
 * at one of the date's lessons (homeworkDue). One diary read over two weeks either side finds
 * both and the neighbouring school days for the « / » buttons.
 */
import { addDays } from '../../../../core/journal/index.ts'
import { parseDatePhrase } from '../../dates.ts'
import { BotError } from '../../errors.ts'
import type { Button, ChatFile, Child, Reply, Turn } from '../../types.ts'
import { isDate, keyboard, nameOf, readDays, requireChild, switchRow, todayOf, type Attachment, type DiaryDay } from './common.ts'

const LOOK_BACK_DAYS = 14
const LOOK_AHEAD_DAYS = 14

/** 'telegram:photo:<id>' | 'telegram:document:<id>' | 'telegram:<id>' (a document) → a file to resend. */
export function attachmentFile(a: Attachment): ChatFile | null {
  const m = /^telegram:(?:(photo|document):)?(.+)$/.exec(a.ref)
  if (!m) return null
  return { kind: (m[1] as 'photo' | 'document' | undefined) ?? 'document', fileId: m[2]!, name: a.name }
}

interface Item {
  subject: string
  text: string
  pages: string
  exercises: string
  givenOn: string
  attachments: Attachment[]
}

function dueOn(days: readonly DiaryDay[], date: string): Item[] {
  const items: Item[] = []
  const seen = new Set<string>()
  for (const d of days) {
    if (d.date >= date) break
    for (const l of d.lessons) {
      const h = l.homework
      if (!h || h.dueOn !== date) continue
      seen.add(`${l.date}|${h.text}`)
      items.push({ subject: l.subject, text: h.text, pages: h.pages ?? '', exercises: h.exercises ?? '', givenOn: l.date, attachments: h.attachments })
    }
  }
  // homework pointed at the day's lessons whose due date was not stored (or moved with the lesson)
  const lessons = days.find((d) => d.date === date)?.lessons ?? []
  for (const l of lessons) {
    for (const h of l.homeworkDue) {
      if (seen.has(`${h.givenOn}|${h.text}`)) continue
      seen.add(`${h.givenOn}|${h.text}`)
      items.push({ subject: l.subject, text: h.text, pages: h.pages ?? '', exercises: h.exercises ?? '', givenOn: h.givenOn, attachments: [] })
    }
  }
  // the day's lesson order, then the order given
  const order = new Map(lessons.map((l, i) => [l.subject, i] as const))
  return items.sort((a, b) => (order.get(a.subject) ?? 99) - (order.get(b.subject) ?? 99) || a.givenOn.localeCompare(b.givenOn))
}

const schoolDay = (d: DiaryDay) => d.lessons.some((l) => l.status !== 'cancelled')

export async function homeworkReply(turn: Turn, child: Child, date: string, edit = false): Promise<Reply[]> {
  const days = await readDays(turn, child, addDays(date, -LOOK_BACK_DAYS), addDays(date, LOOK_AHEAD_DAYS))
  const day = days.find((d) => d.date === date)
  const next = days.find((d) => d.date > date && schoolDay(d))?.date
  const prev = [...days].reverse().find((d) => d.date < date && schoolDay(d))?.date
  const items = day && schoolDay(day) ? dueOn(days, date) : []
  const files = items.flatMap((i) => i.attachments.map(attachmentFile).filter((f): f is ChatFile => f !== null))
  const nav: Button[] = []
  if (prev) nav.push({ label: `« ${prev.slice(8, 10)}.${prev.slice(5, 7)}`, data: `hwd:${prev}` })
  if (next) nav.push({ label: `${next.slice(8, 10)}.${next.slice(5, 7)} »`, data: `hwd:${next}` })
  return [{
    template: 'homework',
    view: {
      name: nameOf(turn, child) ?? '',
      date,
      tomorrow: date === addDays(todayOf(turn, child), 1),
      noLessons: !day || !schoolDay(day),
      next: next ?? '',
      items: items.map(({ attachments, ...i }) => ({ ...i, files: attachments.length })),
    },
    buttons: keyboard(nav, ...switchRow(turn, child, 'hw')),
    edit,
    files: files.length ? files : undefined,
  }]
}

/**
 * The date asked for: the phrase's, tomorrow without one. An unreadable date gets examples; so
 * does a command argument that names no date, or free text where «на/к/в …» names none.
 */
function dateFrom(turn: Turn, child: Child, phrase: string, strict: boolean): string {
  const today = todayOf(turn, child)
  if (!phrase.trim()) return addDays(today, 1)
  const parsed = parseDatePhrase(phrase, today)
  if (parsed && !('error' in parsed)) return parsed.date
  if (parsed || strict || /(^|\s)(на|к|ко|в|во|за)\s+\S/.test(phrase)) throw new BotError({ template: 'homework-date', view: {} })
  return addDays(today, 1)
}

export async function homework(turn: Turn): Promise<Reply[]> {
  const child = requireChild(turn)
  return homeworkReply(turn, child, dateFrom(turn, child, turn.input.command?.args ?? '', true))
}

/** `hwd:YYYY-MM-DD` */
export async function homeworkButton(turn: Turn): Promise<Reply[]> {
  const child = requireChild(turn)
  const date = turn.input.button!.slice('hwd:'.length)
  if (!isDate(date)) return [{ template: 'problem', view: { expired: true } }]
  return homeworkReply(turn, child, date, true)
}

const HOMEWORK_TEXT = /^(?:а\s+)?(?:что\s+(?:задали|задано|на\s+дом|по\s+дз)|дз|д\/з|домашк[а-яa-z]*|домашн[а-яa-z]*(?:\s+задани[а-яa-z]*)?|задани[еяй][а-яa-z]*)(?=$|[\s,.!?:])(.*)$/

/** «дз на завтра», «что задали на пятницу», «домашка 12.03», «задание на понедельник»; null for other text. */
export async function homeworkText(turn: Turn): Promise<Reply[] | null> {
  if (!turn.speaker.children.length || !turn.input.text) return null
  const m = HOMEWORK_TEXT.exec(turn.input.text.toLowerCase().replace(/ё/g, 'е').trim())
  if (!m) return null
  const child = requireChild(turn)
  const rest = m[1]!.replace(/[?!.]+$/, '').trim()
  return homeworkReply(turn, child, dateFrom(turn, child, rest, false))
}

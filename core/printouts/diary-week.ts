/**
 * The weekly diary printout (school14 4.6.5, school26 1.6): one A4 page per student with the
 * week's lessons, topics, homework given, marks with their work type, absences and teachers'
 * comments, the week's summary and a line for the guardian's signature.
 *
 * Two read paths give the same WeekDiary:
 *  - classWeekDiaries: a whole class in a fixed number of statements (the class, its students,
 *    the lessons with their homework, subgroup membership, marks, attendance), whatever the
 *    number of students: the school's weekly run prints 1,000 students this way;
 *  - studentWeekDiary: one student through the diary's own read model (core/journal diaryDays),
 *    which also follows a student who changed class during the week.
 * The week is Monday..Saturday; Sunday is printed only when it has lessons.
 */
import type { Db, Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { diaryDays } from '../journal/diary.ts'
import { initialsName } from '../people/names.ts'
import { addDays, weekday } from '../journal/time.ts'
import { printDoc, producePrintout, type PrintDoc } from '../print/index.ts'
import { render } from '../render/render.ts'

export type AttendanceKind = 'absent' | 'ill' | 'excused' | 'late'

export interface WeekMark {
  value: number | null
  passed: boolean | null
  workType: string
  comment: string | null
}

export interface WeekLesson {
  number: number
  subject: string
  topic: string | null
  cancelled: boolean
  homework: { text: string; pages: string | null; exercises: string | null } | null
  marks: WeekMark[]
  attendance: AttendanceKind | null
}

export interface WeekDay {
  date: string
  lessons: WeekLesson[]
}

export interface WeekDiary {
  schoolId: string
  schoolName: string
  timezone: string
  classId: string
  className: string
  /** «Иванова Н. П.», or null when the class has no class teacher */
  classTeacher: string | null
  studentId: string
  lastName: string
  firstName: string
  middleName: string | null
  monday: string
  /** Saturday, or Sunday when Sunday has lessons */
  lastDay: string
  days: WeekDay[]
}

// ---------------------------------------------------------------- reading

interface ClassHead {
  classId: string
  grade: number
  letter: string
  schoolId: string
  schoolName: string
  timezone: string
  ctLast: string | null
  ctFirst: string | null
  ctMiddle: string | null
}

const classHead = (db: Db, classId: string) => db<ClassHead[]>`
  select c.id as class_id, c.grade, c.letter, s.id as school_id, s.name as school_name, s.timezone,
    t.last_name as ct_last, t.first_name as ct_first, t.middle_name as ct_middle
  from classes c join schools s on s.id = c.school_id left join persons t on t.id = c.class_teacher_id
  where c.id = ${classId}`


const headOf = (h: ClassHead) => ({
  schoolId: h.schoolId, schoolName: h.schoolName, timezone: h.timezone, classId: h.classId, className: `${h.grade}${h.letter}`,
  classTeacher: h.ctLast && h.ctFirst ? initialsName({ lastName: h.ctLast, firstName: h.ctFirst, middleName: h.ctMiddle }) : null,
})

export function assertMonday(monday: string): void {
  const d = new Date(`${monday}T00:00:00Z`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(monday) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== monday || weekday(monday) !== 1)
    throw errors.validation([{ path: 'monday', message: 'the week is given by its Monday, YYYY-MM-DD' }])
}

/** Monday..Saturday, and Sunday when it has lessons; each day with its lessons (maybe none). */
function weekDays(monday: string, byDate: ReadonlyMap<string, WeekLesson[]>): { days: WeekDay[]; lastDay: string } {
  const sunday = addDays(monday, 6)
  const count = byDate.get(sunday)?.length ? 7 : 6
  const days = Array.from({ length: count }, (_, i) => {
    const date = addDays(monday, i)
    return { date, lessons: byDate.get(date) ?? [] }
  })
  return { days, lastDay: days[days.length - 1]!.date }
}

interface LessonRow {
  id: string
  date: string
  lessonNumber: number
  subgroupId: string | null
  subject: string
  topic: string | null
  status: 'planned' | 'cancelled'
  homework: { text: string; pages: string | null; exercises: string | null } | null
}

interface Span { startedOn: string; endedOn: string | null }
const within = (date: string, s: Span) => s.startedOn <= date && (s.endedOn === null || s.endedOn >= date)

/**
 * The week of every student of a class (or of `studentIds` among them), in a fixed number of
 * statements. A student is in the list when enrolled in the class on any day of the week and
 * sees the class's lessons of the days enrolled, a subgroup's lessons only while a member.
 * Sorted by name.
 */
export async function classWeekDiaries(db: Db, classId: string, monday: string, studentIds?: readonly string[]): Promise<WeekDiary[]> {
  assertMonday(monday)
  const sunday = addDays(monday, 6)
  const only = studentIds ? [...studentIds] : null
  const [heads, enrolled, lessons, members, marks, attendance] = await Promise.all([
    classHead(db, classId),
    db<({ studentId: string; lastName: string; firstName: string; middleName: string | null } & Span)[]>`
      select e.student_id, p.last_name, p.first_name, p.middle_name, e.started_on, e.ended_on
      from enrolments e join persons p on p.id = e.student_id
      where e.class_id = ${classId} and e.started_on <= ${sunday} and (e.ended_on is null or e.ended_on >= ${monday})
        ${only ? db`and e.student_id = any(${only}::uuid[])` : db``}
      order by p.last_name, p.first_name, p.middle_name, p.id, e.started_on`,
    db<LessonRow[]>`
      select l.id, l.date, l.lesson_number, l.subgroup_id, sj.name as subject, l.topic, l.status,
        case when h.id is null then null else json_build_object('text', h.text, 'pages', h.pages, 'exercises', h.exercises) end as homework
      from lessons l join subjects sj on sj.id = l.subject_id
      left join homework h on h.lesson_id = l.id and h.removed_at is null
      where l.class_id = ${classId} and l.date between ${monday} and ${sunday}
      order by l.date, l.lesson_number, sj.name`,
    db<({ subgroupId: string; studentId: string } & Span)[]>`
      select sm.subgroup_id, sm.student_id, sm.started_on, sm.ended_on
      from subgroups g join subgroup_members sm on sm.subgroup_id = g.id
      where g.class_id = ${classId} and sm.started_on <= ${sunday} and (sm.ended_on is null or sm.ended_on >= ${monday})
        ${only ? db`and sm.student_id = any(${only}::uuid[])` : db``}`,
    db<({ lessonId: string; studentId: string } & WeekMark)[]>`
      select m.lesson_id, m.student_id, m.value, m.passed, w.name as work_type, m.comment
      from lessons l join marks m on m.lesson_id = l.id and m.removed_at is null
      join work_types w on w.id = m.work_type_id
      where l.class_id = ${classId} and l.date between ${monday} and ${sunday}
        ${only ? db`and m.student_id = any(${only}::uuid[])` : db``}
      order by m.entered_at, m.id`,
    db<{ lessonId: string; studentId: string; kind: AttendanceKind }[]>`
      select a.lesson_id, a.student_id, a.kind
      from lessons l join attendance a on a.lesson_id = l.id and a.removed_at is null
      where l.class_id = ${classId} and l.date between ${monday} and ${sunday}
        ${only ? db`and a.student_id = any(${only}::uuid[])` : db``}`,
  ])
  const head = heads[0]
  if (!head) throw errors.notFound('class', classId)

  const key = (lessonId: string, studentId: string) => `${lessonId}/${studentId}`
  const marksOf = new Map<string, WeekMark[]>()
  for (const { lessonId, studentId, ...m } of marks) {
    const k = key(lessonId, studentId)
    const list = marksOf.get(k)
    if (list) list.push(m)
    else marksOf.set(k, [m])
  }
  const attendanceOf = new Map(attendance.map((a) => [key(a.lessonId, a.studentId), a.kind]))
  const membership = new Map<string, Span[]>()
  for (const m of members) {
    const k = `${m.subgroupId}/${m.studentId}`
    membership.set(k, [...(membership.get(k) ?? []), m])
  }
  const students = new Map<string, { lastName: string; firstName: string; middleName: string | null; spans: Span[] }>()
  for (const e of enrolled) {
    const s = students.get(e.studentId)
    if (s) s.spans.push(e)
    else students.set(e.studentId, { lastName: e.lastName, firstName: e.firstName, middleName: e.middleName, spans: [e] })
  }

  const shared = headOf(head)
  const diaries: WeekDiary[] = []
  for (const [studentId, s] of students) {
    const byDate = new Map<string, WeekLesson[]>()
    for (const l of lessons) {
      if (!s.spans.some((span) => within(l.date, span))) continue
      if (l.subgroupId && !(membership.get(`${l.subgroupId}/${studentId}`) ?? []).some((span) => within(l.date, span))) continue
      const lesson: WeekLesson = {
        number: l.lessonNumber, subject: l.subject, topic: l.topic, cancelled: l.status === 'cancelled', homework: l.homework,
        marks: marksOf.get(key(l.id, studentId)) ?? [], attendance: attendanceOf.get(key(l.id, studentId)) ?? null,
      }
      const day = byDate.get(l.date)
      if (day) day.push(lesson)
      else byDate.set(l.date, [lesson])
    }
    diaries.push({
      ...shared, studentId, lastName: s.lastName, firstName: s.firstName, middleName: s.middleName, monday,
      ...weekDays(monday, byDate),
    })
  }
  return diaries
}

/**
 * One student's week through the diary's read model. The header names the class the student
 * was in at the end of the week (the last enrolment that overlaps it).
 */
export async function studentWeekDiary(db: Db, studentId: string, monday: string): Promise<WeekDiary> {
  assertMonday(monday)
  const sunday = addDays(monday, 6)
  const [[person], [enrolment], days] = await Promise.all([
    db<{ lastName: string; firstName: string; middleName: string | null; kind: string }[]>`
      select last_name, first_name, middle_name, kind from persons where id = ${studentId}`,
    db<{ classId: string }[]>`
      select class_id from enrolments
      where student_id = ${studentId} and started_on <= ${sunday} and (ended_on is null or ended_on >= ${monday})
      order by started_on desc limit 1`,
    // diaryDays reads with a pool or a transaction alike
    diaryDays(db as Sql, studentId, monday, sunday),
  ])
  if (!person || person.kind !== 'student') throw errors.notFound('student', studentId)
  if (!enrolment) throw errors.rule('The student was not enrolled in a class during this week')
  const [head] = await classHead(db, enrolment.classId)
  const byDate = new Map(days.map((d) => [d.date, d.lessons.map((l): WeekLesson => ({
    number: l.lessonNumber, subject: l.subject, topic: l.topic, cancelled: l.status === 'cancelled',
    homework: l.homework ? { text: l.homework.text, pages: l.homework.pages, exercises: l.homework.exercises } : null,
    marks: l.marks.map((m) => ({ value: m.value, passed: m.passed, workType: m.workType, comment: m.comment })),
    attendance: l.attendance?.kind ?? null,
  }))]))
  return {
    ...headOf(head!), studentId, lastName: person.lastName, firstName: person.firstName, middleName: person.middleName, monday,
    ...weekDays(monday, byDate),
  }
}

// ---------------------------------------------------------------- the page

/**
 * A work type's short name beside a mark, «5 (контр.)»: templates/print/diary-week-work-type.text
 * knows the usual ones; any other is its first word, cut to five letters with a dot.
 */
export function workTypeShort(name: string): string {
  const word = (name.trim().split(/\s+/)[0] ?? name).toLowerCase()
  return render('print/diary-week-work-type.text', { name, fallback: word.length <= 6 ? word : `${word.slice(0, 5)}.` }).trim()
}

// made once: every formatter holds ICU memory outside the JS heap, which a thousand pages of
// short-lived ones would pile up faster than the collector notices
const DAY_MONTH = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', timeZone: 'UTC' })
const WEEKDAY = new Intl.DateTimeFormat('ru-RU', { weekday: 'long', timeZone: 'UTC' })
const dayMonth = (date: string) => DAY_MONTH.format(new Date(`${date}T12:00:00Z`))
const weekdayName = (date: string) => {
  const s = WEEKDAY.format(new Date(`${date}T12:00:00Z`))
  return s.slice(0, 1).toUpperCase() + s.slice(1)
}

/** «16–21 ноября 2026 г.», «30 ноября – 5 декабря 2026 г.», «29 декабря 2026 г. – 3 января 2027 г.» */
export function weekLabel(from: string, to: string): string {
  return render('print/diary-week-range.text', {
    sameMonth: from.slice(0, 7) === to.slice(0, 7), sameYear: from.slice(0, 4) === to.slice(0, 4),
    fromDay: Number(from.slice(8, 10)), from: dayMonth(from), to: dayMonth(to), fromYear: from.slice(0, 4), toYear: to.slice(0, 4),
  }).trim()
}

/** Cuts a text to `max` characters at a word boundary, with «…». */
function cut(text: string, max: number): { text: string; cut: boolean } {
  const t = text.replace(/\s+/g, ' ').trim()
  if (t.length <= max) return { text: t, cut: false }
  const slice = t.slice(0, max - 1)
  const space = slice.lastIndexOf(' ')
  return { text: `${(space > max * 0.6 ? slice.slice(0, space) : slice).replace(/[\s,.;:–-]+$/, '')}…`, cut: true }
}

/** The length a mark takes on the page (the template writes «зачёт», «незачёт» for pass/fail). */
const markLength = (m: { value: number | null; passed: boolean | null }) => (m.value !== null ? 1 : m.passed ? 5 : 7)

/**
 * The lesson table's relative column widths: №, subject, topic, homework, marks and comments,
 * absence. The topic, homework and marks columns share FLEX by how much text each holds (a
 * week of short homework gives its room to the topics), none narrower than FLEX_MIN.
 */
const FIXED = { number: 0.4, subject: 1.7, absence: 1.05 }
const FLEX = 9.9
const FLEX_MIN = 1.9

function columnWidths(masses: readonly [number, number, number]): number[] {
  const weights = masses.map((m) => Math.max(m, 1) ** 0.8)
  const sum = weights.reduce((a, w) => a + w, 0)
  const flex = weights.map((w) => Math.round((FLEX_MIN + ((FLEX - 3 * FLEX_MIN) * w) / sum) * 100) / 100)
  return [FIXED.number, FIXED.subject, ...flex, FIXED.absence]
}

/**
 * How long a topic, a homework and a comment may be, longest first: the first that fits one
 * page is used, so a light week prints everything and a heavy one (7 lessons × 6 days with long
 * homework) is shortened rather than spilling onto a second page.
 */
const LIMITS = [
  { topic: Infinity, homework: Infinity, comment: Infinity },
  { topic: 240, homework: 500, comment: 200 },
  { topic: 160, homework: 320, comment: 140 },
  { topic: 120, homework: 230, comment: 100 },
  { topic: 90, homework: 170, comment: 75 },
  { topic: 70, homework: 130, comment: 60 },
  { topic: 55, homework: 105, comment: 45 },
  { topic: 45, homework: 85, comment: 35 },
  { topic: 35, homework: 65, comment: 28 },
  { topic: 28, homework: 50, comment: 22 },
] as const

/**
 * An estimate of the page's height at a type scale, after core/print/pdf.ts: A4 portrait less
 * margins and footer, DejaVu Sans Condensed (a character ≈ 0.53 em, a line 1.164 em), cells
 * padded by 1.8 pt × scale. It errs on the tall side (a line holds 5 % fewer characters).
 */
const PAGE = { width: 595.28 - 2 * 28, height: 841.89 - 2 * 28 - 22 }
const BASE_SIZE = 9
/**
 * The type scales the estimate must fit at, with how far texts may be shortened for each:
 * to fit at 0.63 (5.7 pt), down to a topic of 45 characters; below that the page rather takes
 * the engine's smallest type, 0.54, than cut the texts further.
 */
const TARGET_SCALES = [{ scale: 0.63, levels: 8 }, { scale: 0.54, levels: LIMITS.length }] as const

function estimateHeight(v: DiaryView, scale: number): number {
  const f = BASE_SIZE * scale
  const total = v.columns.reduce((a, w) => a + w, 0)
  const perLine = (width: number, size = f) => Math.max(1, Math.floor((width / (0.53 * size)) * 0.95))
  const column = (i: number) => perLine((v.columns[i]! / total) * PAGE.width - 2 * 1.8 * scale)
  const lines = (parts: readonly string[], chars: number) => parts.reduce((n, p) => n + Math.max(1, Math.ceil(p.length / chars)), 0)
  const row = (n: number) => n * 1.164 * f + 2 * 1.8 * scale
  const para = (text: string, size: number) => lines([text], perLine(PAGE.width, size)) * 1.164 * size + 0.45 * size
  let h = para(v.schoolName, 0.85 * f) + para(`Дневник за неделю ${v.week}`, 1.45 * f)
    + para(`${v.studentName}, ${v.className} класс. Классный руководитель: ${v.classTeacher ?? ''}`, f) + row(2)
  for (const day of v.days) {
    h += row(1)
    for (const l of day.lessons) {
      h += row(Math.max(
        lines([l.subject], column(1)),
        lines([l.topic ?? '—'], column(2)),
        lines([l.homework ?? 'нет'], column(3)),
        lines(l.marks.map((m) => 'x'.repeat(markLength(m) + m.workType.length + 3 + (m.comment ? m.comment.length + 3 : 0))), column(4)),
      ))
    }
  }
  const summary = v.summary.marks.reduce((n, m) => n + m.subject.length + m.values.reduce((k, x) => k + markLength(x) + 2, 0) + 5, 160)
  return h + 0.6 * f + para('x'.repeat(summary), f) + para('x'.repeat(200), 0.85 * f) + 0.6 * f + para('Подпись', f)
}

export interface DiaryLessonView {
  number: number
  subject: string
  cancelled: boolean
  topic: string | null
  homework: string | null
  marks: { value: number | null; passed: boolean | null; workType: string; comment: string | null }[]
  absence: AttendanceKind | null
}

/** The view model of templates/print/diary-week.hbs: every text ready to print. */
export interface DiaryView {
  schoolName: string
  studentName: string
  className: string
  classTeacher: string | null
  week: string
  days: { title: string; lessons: DiaryLessonView[] }[]
  summary: {
    marks: { subject: string; values: { value: number | null; passed: boolean | null }[] }[]
    markCount: number
    missed: number
    /** the lessons missed by reason, the reasons that occur, ill first */
    missedBy: { kind: 'ill' | 'excused' | 'absent'; n: number }[]
    late: number
  }
  /** some text was shortened to fit the page */
  shortened: boolean
  /** the lesson table's relative column widths, and the same for the markup */
  columns: number[]
  widths: string
}

export function weekDiaryView(d: WeekDiary): DiaryView {
  const all = d.days.flatMap((day) => day.lessons)
  const build = (limits: (typeof LIMITS)[number]): Pick<DiaryView, 'days' | 'shortened' | 'columns' | 'widths'> => {
    let shortened = false
    const trimmed = (text: string, max: number) => {
      const r = cut(text, max)
      shortened ||= r.cut
      return r.text
    }
    const days = d.days.map((day) => ({
      title: `${weekdayName(day.date)}, ${dayMonth(day.date)}`,
      lessons: day.lessons.map((l) => ({
        number: l.number,
        subject: l.subject,
        cancelled: l.cancelled,
        topic: l.topic ? trimmed(l.topic, limits.topic) : null,
        // the text, then the pages and exercises, as the bot writes them
        homework: l.homework
          ? trimmed([l.homework.text, l.homework.pages, l.homework.exercises].filter(Boolean).join('; '), limits.homework)
          : null,
        marks: l.marks.map((m) => ({
          value: m.value, passed: m.passed, workType: workTypeShort(m.workType),
          comment: m.comment ? trimmed(m.comment, limits.comment) : null,
        })),
        absence: l.attendance,
      })),
    }))
    const lessons = days.flatMap((day) => day.lessons)
    const mass = (f: (l: (typeof lessons)[number]) => number) => lessons.reduce((n, l) => n + f(l), 0)
    const columns = columnWidths([
      mass((l) => (l.topic ?? '—').length),
      mass((l) => (l.homework ?? 'нет').length),
      mass((l) => l.marks.reduce((n, m) => n + markLength(m) + m.workType.length + (m.comment?.length ?? 0) + 6, 0)),
    ])
    return { days, shortened, columns, widths: columns.join(',') }
  }

  // the summary: marks per subject in the order of the week, lessons missed by reason
  const bySubject = new Map<string, { value: number | null; passed: boolean | null }[]>()
  for (const l of all) for (const m of l.marks) bySubject.set(l.subject, [...(bySubject.get(l.subject) ?? []), { value: m.value, passed: m.passed }])
  const held = all.filter((l) => !l.cancelled)
  const count = (k: AttendanceKind) => held.filter((l) => l.attendance === k).length
  const missedBy = (['ill', 'excused', 'absent'] as const).map((kind) => ({ kind, n: count(kind) })).filter((m) => m.n > 0)
  const base = {
    schoolName: d.schoolName,
    studentName: [d.lastName, d.firstName, d.middleName].filter(Boolean).join(' '),
    className: d.className,
    classTeacher: d.classTeacher,
    week: weekLabel(d.monday, d.lastDay),
    summary: {
      marks: [...bySubject].map(([subject, values]) => ({ subject, values })),
      markCount: all.reduce((n, l) => n + l.marks.length, 0),
      missed: missedBy.reduce((n, m) => n + m.n, 0),
      missedBy,
      late: count('late'),
    },
  }
  // built as tried: most weeks fit at the first
  const views: DiaryView[] = []
  const view = (i: number) => (views[i] ??= { ...base, ...build(LIMITS[i]!) })
  for (const { scale, levels } of TARGET_SCALES) {
    for (let i = 0; i < levels; i++) if (estimateHeight(view(i), scale) <= PAGE.height) return view(i)
  }
  return view(LIMITS.length - 1)
}

export function weekDiaryDoc(d: WeekDiary): PrintDoc {
  return printDoc('diary-week', weekDiaryView(d))
}

export interface CoverRecipient {
  guardian: string
  student: string
}

/** The cover of a class bundle: who gets a paper copy, with a column for their signature. */
export function classBundleDoc(cover: { className: string; week: string; recipients: readonly CoverRecipient[] }): PrintDoc {
  return printDoc('diary-week-cover', {
    className: cover.className, week: cover.week,
    recipients: cover.recipients.map((r, i) => ({ ...r, n: i + 1 })), count: cover.recipients.length,
  })
}

// ---------------------------------------------------------------- printing

export interface MadeBy {
  accountId: string | null
  label: string
}

/**
 * A class's week as ONE printout (kind diary_week_class): the cover when given, then a page per
 * student. `studentIds` narrows it (the guardians who chose paper); students without a page are
 * those not in the class that week.
 */
export async function printWeekForClass(db: Db, input: {
  classId: string
  monday: string
  madeBy: MadeBy
  studentIds?: readonly string[]
  cover?: { recipients: readonly CoverRecipient[]; className?: string; week?: string }
}): Promise<{ code: string; pdf: Buffer; pages: number; students: number; title: string; week: string; lastDay: string }> {
  const diaries = await classWeekDiaries(db, input.classId, input.monday, input.studentIds)
  const [head] = diaries.length ? [] : await classHead(db, input.classId)
  const first = diaries[0]
  const className = first?.className ?? `${head!.grade}${head!.letter}`
  const schoolId = first?.schoolId ?? head!.schoolId
  const lastDay = diaries.reduce((last, d) => (d.lastDay > last ? d.lastDay : last), addDays(input.monday, 5))
  const week = weekLabel(input.monday, lastDay)
  const docs: PrintDoc[] = []
  if (input.cover) docs.push(classBundleDoc({ className: input.cover.className ?? className, week: input.cover.week ?? week, recipients: input.cover.recipients }))
  for (const d of diaries) docs.push(weekDiaryDoc(d))
  if (!docs.length) throw errors.rule('Nobody to print: no student of the class was enrolled that week')
  const title = render('print/diary-week-title.text', { className, week }).trim()
  const r = await producePrintout(db, {
    schoolId, kind: 'diary_week_class', title, madeBy: input.madeBy, classId: input.classId,
    params: { monday: input.monday, ...(input.studentIds ? { studentIds: [...input.studentIds] } : {}) },
    data: { cover: input.cover ?? null, diaries }, docs, formats: ['pdf'],
  })
  return { code: r.code, pdf: r.pdf!, pages: r.pages!, students: diaries.length, title, week, lastDay }
}

/** One student's week as a printout of kind diary_week (the e-mailed PDF). */
export async function printWeekForStudent(db: Db, input: { studentId: string; monday: string; madeBy: MadeBy }): Promise<{
  code: string; pdf: Buffer; pages: number; title: string; diary: WeekDiary
}> {
  const d = await studentWeekDiary(db, input.studentId, input.monday)
  const view = weekDiaryView(d)
  const title = render('print/diary-week-title.text', { student: view.studentName, className: d.className, week: view.week }).trim()
  const r = await producePrintout(db, {
    schoolId: d.schoolId, kind: 'diary_week', title, madeBy: input.madeBy, studentId: d.studentId, classId: d.classId,
    params: { monday: input.monday }, data: d, docs: weekDiaryDoc(d), formats: ['pdf'],
  })
  return { code: r.code, pdf: r.pdf!, pages: r.pages!, title, diary: d }
}


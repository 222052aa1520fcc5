/**
 * The demo school's journal: the year's calendar (quarters for grades 1–9, halves for 10–11,
 * holidays), work types, subjects, English subgroups, teaching assignments by speciality, bells,
 * a weekly timetable with no teacher in two places at once, calendar-thematic plans, and four
 * school weeks of lessons before today with homework, marks and attendance.
 *
 * It runs in two steps: `planDemoJournal` decides the school's structure before anything is
 * written (the credentials file names what the sample teachers teach), and `seedDemoJournal`
 * writes it inside seedDemo's transaction and generates the dated part. Rows are inserted
 * directly, in the shape the journal services write them (core/journal/*.ts): slot_id and
 * slot_date as generateLessons, the plan's topics as applyPlanTopics, due lessons, entry
 * times and late flags as entries.ts with the deadlines of time.ts.
 *
 * Everything is driven by the seeded PRNG, so a seed and a date give the same journal.
 */
import { randomUUID } from 'node:crypto'
import { writeAudit } from '../audit/audit.ts'
import type { Tx } from '../db/connect.ts'
import { DEFAULT_WORK_TYPES } from '../journal/setup.ts'
import { addDays, attendanceDueAt, homeworkDueAt, localDate, markDueAt, weekday, zonedInstant } from '../journal/time.ts'
import { insertRows } from '../db/insert-rows.ts'
import {
  PROFILE_ROOMS, PROFILE_TITLES, SPLIT_FROM_GRADE, SPLIT_SUBJECT, SUBGROUP_NAMES, SUBJECTS, TEACHER_PROFILES, WEEKLY_HOURS,
  homeworkText, profileOf, topicsFor, type Profile, type SubjectKey,
} from './curriculum.ts'

type Rng = () => number
type Row = Record<string, string | number | boolean | Date | null>

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1))
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!
function shuffle<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
/** A standard normal variate (Box–Muller). */
const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
const plusMinutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000)

// ---------------------------------------------------------------------------
// The calendar
// ---------------------------------------------------------------------------

export interface DemoPeriod { kind: 'quarter' | 'half' | 'year'; number: number; gradeFrom: number; gradeTo: number; startsOn: string; endsOn: string }
export interface DemoHoliday { name: string; startsOn: string; endsOn: string; gradeFrom: number; gradeTo: number }
export interface DemoCalendar { startsOn: string; lastDay: string; periods: DemoPeriod[]; holidays: DemoHoliday[] }

const saturdayFrom = (date: string) => { let d = date; while (weekday(d) !== 6) d = addDays(d, 1); return d }

/**
 * The calendar of the school year starting on 1 September of `yearStartsOn`'s year, after the
 * federal pattern: nine-day autumn holidays from the last Saturday of October (25–31),
 * winter holidays 29/30 December – 8 January, nine-day spring holidays from the Saturday of
 * 22–28 March, nine extra days in February for grade 1, lessons until 26 May; public holidays
 * on a weekday (or moved to Monday from a weekend) are days off too.
 */
export function demoCalendar(yearStartsOn: string): DemoCalendar {
  const y = Number(yearStartsOn.slice(0, 4))
  const n = y + 1
  const startsOn = `${y}-09-01`
  const lastDay = `${n}-05-26`
  const autumn = saturdayFrom(`${y}-10-25`)
  const winter = [1, 6, 7].includes(weekday(`${y}-12-29`)) ? `${y}-12-29` : `${y}-12-30`
  const winterEnd = `${n}-01-08`
  const extra = saturdayFrom(`${n}-02-14`)
  const spring = saturdayFrom(`${n}-03-22`)
  const holidays: DemoHoliday[] = [
    { name: 'Осенние каникулы', startsOn: autumn, endsOn: addDays(autumn, 8), gradeFrom: 1, gradeTo: 11 },
    { name: 'Зимние каникулы', startsOn: winter, endsOn: winterEnd, gradeFrom: 1, gradeTo: 11 },
    { name: 'Дополнительные каникулы для первоклассников', startsOn: extra, endsOn: addDays(extra, 8), gradeFrom: 1, gradeTo: 1 },
    { name: 'Весенние каникулы', startsOn: spring, endsOn: addDays(spring, 8), gradeFrom: 1, gradeTo: 11 },
    { name: 'Летние каникулы', startsOn: addDays(lastDay, 1), endsOn: `${n}-08-31`, gradeFrom: 1, gradeTo: 11 },
  ]
  const inVacation = (d: string) => holidays.some((h) => h.gradeFrom === 1 && h.gradeTo === 11 && d >= h.startsOn && d <= h.endsOn)
  const publicHolidays: [string, string][] = [
    [`${y}-11-04`, 'День народного единства'], [`${n}-02-23`, 'День защитника Отечества'], [`${n}-03-08`, 'Международный женский день'],
    [`${n}-05-01`, 'Праздник Весны и Труда'], [`${n}-05-09`, 'День Победы'],
  ]
  for (const [date, name] of publicHolidays) {
    const wd = weekday(date)
    const off = wd === 6 ? addDays(date, 2) : wd === 7 ? addDays(date, 1) : date
    if (inVacation(off)) continue
    holidays.push({ name: off === date ? name : `${name} (перенос выходного дня)`, startsOn: off, endsOn: off, gradeFrom: 1, gradeTo: 11 })
  }
  holidays.sort((a, b) => a.startsOn.localeCompare(b.startsOn))
  const q2From = addDays(autumn, 9), q3From = addDays(winterEnd, 1), q4From = addDays(spring, 9)
  const periods: DemoPeriod[] = [
    { kind: 'quarter', number: 1, gradeFrom: 1, gradeTo: 9, startsOn, endsOn: addDays(autumn, -1) },
    { kind: 'quarter', number: 2, gradeFrom: 1, gradeTo: 9, startsOn: q2From, endsOn: addDays(winter, -1) },
    { kind: 'quarter', number: 3, gradeFrom: 1, gradeTo: 9, startsOn: q3From, endsOn: addDays(spring, -1) },
    { kind: 'quarter', number: 4, gradeFrom: 1, gradeTo: 9, startsOn: q4From, endsOn: lastDay },
    { kind: 'half', number: 1, gradeFrom: 10, gradeTo: 11, startsOn, endsOn: addDays(winter, -1) },
    { kind: 'half', number: 2, gradeFrom: 10, gradeTo: 11, startsOn: q3From, endsOn: lastDay },
    { kind: 'year', number: 1, gradeFrom: 1, gradeTo: 9, startsOn, endsOn: lastDay },
    { kind: 'year', number: 1, gradeFrom: 10, gradeTo: 11, startsOn, endsOn: lastDay },
  ]
  return { startsOn, lastDay, periods, holidays }
}

/** Whether a grade has lessons on a date: a weekday of the teaching year outside its holidays. */
export function isSchoolDay(cal: DemoCalendar, date: string, grade: number): boolean {
  if (weekday(date) > 5 || date < cal.startsOn || date > cal.lastDay) return false
  return !cal.holidays.some((h) => grade >= h.gradeFrom && grade <= h.gradeTo && date >= h.startsOn && date <= h.endsOn)
}

/**
 * School days of history the demo generates (four school weeks), and how many it lays out
 * ahead as plain planned lessons: a week and a day, so that even a once-a-week subject's latest
 * homework has its due lesson, across a public holiday or the school holidays too.
 */
export const HISTORY_SCHOOL_DAYS = 20
export const AHEAD_SCHOOL_DAYS = 6

export interface JournalWindow {
  /** the first date with lessons: the Monday of the week of the 20th school day before today */
  from: string
  /** the school's local date of `now` */
  today: string
  /** the last date with lessons: six school days ahead (at most the last teaching day) */
  to: string
}

/**
 * The dates the demo fills: four school weeks (20 school days) before today, from the Monday of
 * the first; today; and six school days ahead, as plain planned lessons. Entries go only on the
 * lessons that have begun. After the teaching year ends, its last four weeks.
 */
export function journalWindow(cal: DemoCalendar, now: Date, timeZone: string): JournalWindow {
  const today = localDate(now, timeZone)
  let found = 0
  let d = today > cal.lastDay ? cal.lastDay : addDays(today, -1)
  let earliest = today
  for (; d >= cal.startsOn && found < HISTORY_SCHOOL_DAYS; d = addDays(d, -1)) {
    if (isSchoolDay(cal, d, 5)) { found++; earliest = d }
  }
  const monday = addDays(earliest, 1 - weekday(earliest))
  const from = monday < cal.startsOn ? cal.startsOn : monday
  let to = today
  for (let n = 0; n < AHEAD_SCHOOL_DAYS && to < cal.lastDay;) {
    to = addDays(to, 1)
    if (isSchoolDay(cal, to, 5)) n++
  }
  return { from, today, to: to > cal.lastDay ? cal.lastDay : to }
}

// ---------------------------------------------------------------------------
// Planning: subjects, subgroups, assignments, bells, timetable
// ---------------------------------------------------------------------------

export const DEMO_BELLS = [
  ['08:30', '09:10'], ['09:20', '10:00'], ['10:20', '11:00'], ['11:20', '12:00'], ['12:10', '12:50'], ['13:00', '13:40'], ['13:50', '14:30'],
] as const

export interface DemoJournalInput {
  schoolId: string
  timezone: string
  year: { id: string; startsOn: string }
  /** the classes with their class teachers: 1А–4Б are taught by teachers[0..7] */
  classes: readonly { id: string; grade: number; letter: string; classTeacherId: string }[]
  /** the 44 teachers in the order of TEACHER_PROFILES */
  teacherIds: readonly string[]
  students: readonly { id: string; classId: string; lastName: string; firstName: string }[]
  rng: Rng
}

interface ClassRef { id: string; grade: number; letter: string; classTeacherId: string }
interface Assignment {
  id: string; cls: ClassRef; key: SubjectKey; subjectId: string; subgroupId: string | null; teacherId: string; hours: number; room: string
}
/** What takes one place in a class's week: a subject, or both English subgroups side by side. */
interface Unit { key: SubjectKey; hours: number; assignments: Assignment[]; teachers: string[] }
interface Slot { id: string; assignment: Assignment; weekday: number; lessonNumber: number }

export interface DemoJournalPlan {
  input: DemoJournalInput
  calendar: DemoCalendar
  subjects: Map<SubjectKey, string>
  subgroups: { id: string; classId: string; subjectId: string; name: string; members: string[] }[]
  assignments: Assignment[]
  slots: Slot[]
  /** what a teacher teaches, for the credentials file */
  teacherNote(teacherId: string): string
}

export function planDemoJournal(input: DemoJournalInput): DemoJournalPlan {
  if (input.teacherIds.length !== TEACHER_PROFILES.length) throw new Error(`the demo plans for ${TEACHER_PROFILES.length} teachers`)
  const { rng } = input
  const calendar = demoCalendar(input.year.startsOn)
  const subjects = new Map((Object.keys(SUBJECTS) as SubjectKey[]).map((k) => [k, randomUUID()]))
  const profileOfTeacher = new Map(input.teacherIds.map((id, i) => [id, TEACHER_PROFILES[i]!]))
  const roomOfTeacher = new Map<string, string>()
  const byProfile = new Map<Profile, string[]>()
  for (const [id, p] of profileOfTeacher) byProfile.set(p, [...(byProfile.get(p) ?? []), id])
  // a primary class keeps its room (101–108); a subject teacher has their speciality's room
  for (const [p, ids] of byProfile) {
    const rooms = p === 'primary' || p === 'classTeacher' ? [] : PROFILE_ROOMS[p]
    ids.forEach((id, i) => roomOfTeacher.set(id, p === 'primary' ? `10${i + 1}` : rooms[i % rooms.length]!))
  }

  // English subgroups: the class list split in halves, alphabetically
  const subgroups: DemoJournalPlan['subgroups'] = []
  const subgroupOf = new Map<string, string[]>()
  for (const c of input.classes) {
    if (c.grade < SPLIT_FROM_GRADE) continue
    const roster = input.students.filter((s) => s.classId === c.id)
      .sort((a, b) => a.lastName.localeCompare(b.lastName, 'ru') || a.firstName.localeCompare(b.firstName, 'ru'))
    const half = Math.ceil(roster.length / 2)
    const ids = SUBGROUP_NAMES.map((name, i) => {
      const g = { id: randomUUID(), classId: c.id, subjectId: subjects.get(SPLIT_SUBJECT)!, name, members: roster.slice(i * half, (i + 1) * half).map((s) => s.id) }
      subgroups.push(g)
      return g.id
    })
    subgroupOf.set(c.id, ids)
  }

  // Teaching load: a teacher takes all their speciality's subjects in a class (Russian with
  // literature, algebra with geometry); class teachers first take their own class, then the
  // longest bundles go to whoever of the speciality has the least hours so far.
  interface Bundle { cls: ClassRef; profile: Profile; part: number | null; subjects: [SubjectKey, number][]; teacherId?: string }
  const bundles: Bundle[] = []
  for (const c of input.classes) {
    const own = new Map<string, Bundle>()
    for (const [key, hours] of Object.entries(WEEKLY_HOURS[c.grade] ?? {}) as [SubjectKey, number][]) {
      const profile = profileOf(key, c.grade)
      const parts = key === SPLIT_SUBJECT && c.grade >= SPLIT_FROM_GRADE ? [0, 1] : [null]
      for (const part of parts) {
        const k = `${profile}/${part}`
        const b = own.get(k) ?? { cls: c, profile, part, subjects: [] }
        b.subjects.push([key, hours])
        own.set(k, b)
      }
    }
    bundles.push(...own.values())
  }
  const load = new Map<string, number>(input.teacherIds.map((id) => [id, 0]))
  const hoursOf = (b: Bundle) => b.subjects.reduce((s, [, h]) => s + h, 0)
  const give = (b: Bundle, teacherId: string) => { b.teacherId = teacherId; load.set(teacherId, load.get(teacherId)! + hoursOf(b)) }
  for (const b of bundles) {
    const ct = b.cls.classTeacherId
    if (b.profile === 'primary' || b.profile === 'classTeacher' || (profileOfTeacher.get(ct) === b.profile && (b.part ?? 0) === 0)) give(b, ct)
  }
  const rest = bundles.filter((b) => !b.teacherId).sort((a, b) => hoursOf(b) - hoursOf(a))
  for (const b of rest) {
    const other = b.part === null ? undefined : bundles.find((x) => x.cls === b.cls && x.profile === b.profile && x.part !== b.part)?.teacherId
    const candidates = (byProfile.get(b.profile) ?? []).filter((id) => id !== other)
    if (!candidates.length) throw new Error(`no teacher for ${b.profile} in ${b.cls.grade}${b.cls.letter}`)
    give(b, candidates.reduce((best, id) => (load.get(id)! < load.get(best)! ? id : best)))
  }
  const assignments: Assignment[] = bundles.flatMap((b) => b.subjects.map(([key, hours]) => ({
    id: randomUUID(), cls: b.cls, key, subjectId: subjects.get(key)!, teacherId: b.teacherId!, hours,
    subgroupId: b.part === null ? null : subgroupOf.get(b.cls.id)![b.part]!,
    room: b.profile === 'primary' ? roomOfTeacher.get(b.cls.classTeacherId)! : roomOfTeacher.get(b.teacherId!)!,
  })))

  const slots = buildTimetable(input.classes, assignments, rng)

  const teacherNote = (teacherId: string) => {
    const profile = profileOfTeacher.get(teacherId)
    const mine = assignments.filter((a) => a.teacherId === teacherId)
    const subjectsIn = new Map<string, string[]>()
    for (const a of mine) {
      const label = `${a.cls.grade}${a.cls.letter}`
      const names = subjectsIn.get(label) ?? []
      if (!names.includes(SUBJECTS[a.key].name)) names.push(SUBJECTS[a.key].name)
      subjectsIn.set(label, names)
    }
    // classes taught the same subjects go together: «7А, 7Б — Алгебра, Геометрия»
    const classesWith = new Map<string, string[]>()
    for (const [label, names] of subjectsIn) classesWith.set(names.join(', '), [...(classesWith.get(names.join(', ')) ?? []), label])
    const what = [...classesWith].map(([names, labels]) => `${labels.join(', ')} — ${names}`).join('; ')
    const hours = mine.reduce((s, a) => s + a.hours, 0)
    return `${profile && profile !== 'classTeacher' ? PROFILE_TITLES[profile] : 'учитель'}, ${hours} ч в неделю: ${what}`
  }
  return { input, calendar, subjects, subgroups, assignments, slots, teacherNote }
}

/** Lessons a day from Monday to Friday: the weekly hours spread evenly, the extra ones from Tuesday. */
function dayTargets(hours: number): Map<number, number> {
  const base = Math.floor(hours / 5)
  const extra = new Set([2, 3, 4, 1, 5].slice(0, hours % 5))
  return new Map([1, 2, 3, 4, 5].map((d) => [d, base + (extra.has(d) ? 1 : 0)]))
}

/**
 * The weekly timetable: each class's units spread over the days (a subject at most once a
 * day unless it has more than five hours), then each day's units put in lessons 1..n so that
 * no teacher is in two places at once. Classes are placed seniors first; a class that does not
 * fit is re-drawn, and the whole week after repeated failures.
 */
function buildTimetable(classes: DemoJournalInput['classes'], assignments: Assignment[], rng: Rng): Slot[] {
  const unitsOf = (classId: string): Unit[] => {
    const units = new Map<SubjectKey, Unit>()
    for (const a of assignments.filter((x) => x.cls.id === classId)) {
      const u = units.get(a.key) ?? { key: a.key, hours: a.hours, assignments: [], teachers: [] }
      u.assignments.push(a)
      u.teachers.push(a.teacherId)
      units.set(a.key, u)
    }
    return [...units.values()]
  }
  const order = [...classes].sort((a, b) => b.grade - a.grade || a.letter.localeCompare(b.letter))
  for (let attempt = 0; attempt < 25; attempt++) {
    const busy = new Set<string>()
    const slots: Slot[] = []
    let failed = false
    for (const c of order) {
      const placed = placeClass(unitsOf(c.id), busy, rng)
      if (!placed) { failed = true; break }
      for (const p of placed) {
        for (const t of p.unit.teachers) busy.add(`${t}/${p.day}/${p.pos}`)
        for (const a of p.unit.assignments) slots.push({ id: randomUUID(), assignment: a, weekday: p.day, lessonNumber: p.pos })
      }
    }
    if (!failed) return slots
  }
  throw new Error('the demo timetable could not be built')
}

function placeClass(units: Unit[], busy: Set<string>, rng: Rng): { unit: Unit; day: number; pos: number }[] | null {
  const total = units.reduce((s, u) => s + u.hours, 0)
  for (let attempt = 0; attempt < 60; attempt++) {
    // spread over the days: the longest subjects first, each onto the days with the most room left
    const cap = dayTargets(total)
    const days = new Map<number, Unit[]>([1, 2, 3, 4, 5].map((d) => [d, []]))
    let ok = true
    const sorted = shuffle(rng, units).sort((a, b) => b.hours - a.hours)
    for (const u of sorted) {
      const chosen: number[] = []
      for (let h = 0; h < u.hours && ok; h++) {
        const free = [1, 2, 3, 4, 5].filter((d) => cap.get(d)! > 0 && (chosen.length >= 5 || !chosen.includes(d)))
        if (!free.length) { ok = false; break }
        const score = (d: number) => cap.get(d)! * 4 - (chosen.some((x) => Math.abs(x - d) === 1) ? 3 : 0) + rng()
        const d = free.reduce((best, x) => (score(x) > score(best) ? x : best))
        chosen.push(d)
        cap.set(d, cap.get(d)! - 1)
        days.get(d)!.push(u)
      }
      if (!ok) break
    }
    if (!ok) continue
    // order each day: lessons 1..n, every teacher free at their lesson
    const placed: { unit: Unit; day: number; pos: number }[] = []
    for (const [day, list] of days) {
      const positions = matchDay(list, day, busy, rng)
      if (!positions) { ok = false; break }
      list.forEach((unit, i) => placed.push({ unit, day, pos: positions[i]! }))
    }
    if (ok) return placed
  }
  return null
}

/** Lesson numbers 1..n for a day's units with every teacher free: a small backtracking search. */
function matchDay(units: Unit[], day: number, busy: Set<string>, rng: Rng): number[] | null {
  const n = units.length
  const feasible = units.map((u) => shuffle(rng, Array.from({ length: n }, (_, i) => i + 1)
    .filter((p) => u.teachers.every((t) => !busy.has(`${t}/${day}/${p}`)))))
  const order = units.map((_, i) => i).sort((a, b) => feasible[a]!.length - feasible[b]!.length)
  const result = new Array<number>(n)
  const used = new Set<number>()
  const assign = (k: number): boolean => {
    if (k === n) return true
    const i = order[k]!
    for (const p of feasible[i]!) {
      if (used.has(p)) continue
      used.add(p); result[i] = p
      if (assign(k + 1)) return true
      used.delete(p)
    }
    return false
  }
  return assign(0) ? result : null
}

// ---------------------------------------------------------------------------
// Plans (КТП) and lessons
// ---------------------------------------------------------------------------

/** What happens in a lesson, which decides its marks. */
type LessonKind = 'new' | 'practice' | 'review' | 'independent' | 'written' | 'check' | 'test' | 'essay' | 'creative' | 'norms' | 'plain'
interface PlanEntry { topic: string; kind: LessonKind }

const PRACTICE: Partial<Record<SubjectKey, readonly string[]>> = {
  math: ['Решение задач по теме «%»', '%. Закрепление'], alg: ['Решение задач по теме «%»', '%. Закрепление'],
  alg10: ['Решение задач по теме «%»', '%. Практикум'], geom: ['Решение задач по теме «%»'], phys: ['Решение задач по теме «%»', '%. Лабораторная работа'],
  chem: ['Решение задач по теме «%»', '%. Практическая работа'], rus: ['%. Закрепление', '%. Практикум'],
  eng: ['%. Чтение и говорение', '%. Аудирование', '%. Лексико-грамматические упражнения'],
  lit: ['%. Обсуждение прочитанного', '%. Развитие речи: ответ на проблемный вопрос'],
  litread: ['%. Выразительное чтение', '%. Работа с текстом'],
}

/**
 * The plan of an assignment from its subject's topics, starting at a random topic: a topic
 * takes one or two lessons; exam subjects have a самостоятельная mid-block and end each block
 * with a контрольная and its analysis; others a проверочная (an essay in literature, a reading
 * check in primary); PE has its fitness tests, art and technology grade the work done in class.
 */
function makePlan(key: SubjectKey, grade: number, hours: number, length: number, rng: Rng): PlanEntry[] {
  const topics = topicsFor(key, grade)
  const { assessment } = SUBJECTS[key]
  const block = Math.max(5, hours * 3)
  const out: PlanEntry[] = []
  let i = Math.floor(rng() * topics.length)
  // each plan is somewhere in its block when the window opens
  let since = Math.floor(rng() * block), midDone = since >= block / 2, blocks = 0
  while (out.length < length) {
    const t = topics[i++ % topics.length]!
    if (assessment === 'ungraded') { out.push({ topic: t, kind: 'plain' }); continue }
    if (assessment === 'practical') {
      out.push({ topic: t, kind: key === 'pe' || key === 'music' ? 'new' : 'creative' })
      if (key === 'pe' && ++since >= 5) { out.push({ topic: `${t}. Сдача нормативов`, kind: 'norms' }); since = 0 }
      if (key !== 'pe' && hours >= 2 && rng() < 0.5) out.push({ topic: `${t}. Практическая работа`, kind: 'creative' })
      continue
    }
    out.push({ topic: t, kind: 'new' })
    since++
    const practice = PRACTICE[key]
    if (practice && hours >= 3 && rng() < 0.65) { out.push({ topic: pick(rng, practice).replace('%', t), kind: 'practice' }); since++ }
    if (assessment === 'exam' && !midDone && since >= block / 2) {
      const written = key === 'rus' && grade >= 5 && rng() < 0.4
      out.push(written
        ? { topic: 'Изложение с элементами сочинения', kind: 'written' }
        : { topic: `${t}. Самостоятельная работа`, kind: 'independent' })
      since++; midDone = true
    }
    if (since >= block) {
      if (assessment === 'exam') {
        const title = key === 'rus'
          ? grade <= 4 ? `Контрольный диктант по теме «${t}»` : `Контрольный диктант с грамматическим заданием по теме «${t}»`
          : `Контрольная работа по теме «${t}»`
        out.push({ topic: title, kind: 'test' }, { topic: 'Анализ контрольной работы. Работа над ошибками', kind: 'review' })
      } else if (key === 'lit' && blocks % 2 === 0) {
        out.push({ topic: `Классное сочинение. ${t}`, kind: 'essay' })
      } else if (key === 'litread') {
        out.push({ topic: 'Проверка техники чтения', kind: 'check' })
      } else {
        out.push({ topic: `Проверочная работа по теме «${t}»`, kind: 'check' }, { topic: 'Повторение пройденного', kind: 'review' })
      }
      since = 0; midDone = false; blocks++
    }
  }
  return out.slice(0, length)
}

const WRITTEN_WORK = new Set<LessonKind>(['test', 'check', 'essay', 'written'])

/**
 * A class writes at most one контрольная or проверочная a day where the plans allow: a
 * written work that falls on a day with another subject's moves to one of the assignment's
 * three preceding lessons, the topics in between following it.
 */
function spreadWrittenWork(plans: { own: Lesson[]; entries: PlanEntry[] }[]): void {
  const busy = new Map<string, Set<SubjectKey>>()
  const dayOf = (l: Lesson) => `${l.a.cls.id}/${l.date}`
  const freeFor = (l: Lesson) => { const d = busy.get(dayOf(l)); return !d || [...d].every((k) => k === l.a.key) }
  const take = (l: Lesson) => busy.set(dayOf(l), (busy.get(dayOf(l)) ?? new Set<SubjectKey>()).add(l.a.key))
  const all = plans.flatMap((p) => p.own.map((l, i) => ({ p, i, l })))
    .sort((x, y) => x.l.startsAt.getTime() - y.l.startsAt.getTime())
  for (const { p, i, l } of all) {
    if (!WRITTEN_WORK.has(p.entries[i]!.kind)) continue
    let at = i
    for (let j = i - 1; !freeFor(l) && j >= Math.max(0, i - 3) && !WRITTEN_WORK.has(p.entries[j]!.kind); j--) {
      if (freeFor(p.own[j]!)) { at = j; break }
    }
    if (at !== i) p.entries.splice(at, 0, ...p.entries.splice(i, 1))
    take(p.own[at]!)
  }
}

interface Lesson {
  id: string; a: Assignment; date: string; lessonNumber: number; startsAt: Date; endsAt: Date; slotId: string
  n: number; plan: PlanEntry; planTopicId: string; substituteTeacherId: string | null; substituteRecordedAt: Date | null
}

/** Memoised: zonedInstant builds a date formatter per call, and the demo asks for few distinct instants. */
function memo<A extends unknown[]>(fn: (...args: A) => Date): (...args: A) => Date {
  const cache = new Map<string, Date>()
  return (...args: A) => {
    const k = args.join(' ')
    let d = cache.get(k)
    if (!d) { d = fn(...args); cache.set(k, d) }
    return d
  }
}

// ---------------------------------------------------------------------------
// Writing it
// ---------------------------------------------------------------------------

export interface DemoJournalCounts {
  periods: number; holidays: number; workTypes: number; subjects: number; subgroups: number; assignments: number; planTopics: number
  bells: number; slots: number; lessons: number; substitutions: number; homework: number; marks: number; attendance: number
  from: string; to: string
}

const WORK_TYPE_OF: Record<LessonKind, (typeof DEFAULT_WORK_TYPES)[number]['name']> = {
  new: 'Ответ на уроке', practice: 'Ответ на уроке', review: 'Ответ на уроке', creative: 'Ответ на уроке', norms: 'Ответ на уроке', plain: 'Ответ на уроке',
  independent: 'Самостоятельная работа', written: 'Письменная работа', check: 'Проверочная работа', test: 'Контрольная работа', essay: 'Сочинение',
}
/** Written work comes out a little below a student's usual level, answers a little above. */
const KIND_SHIFT: Record<LessonKind, number> = {
  new: 0.15, practice: 0.15, review: 0.1, creative: 0.1, norms: 0, plain: 0, independent: -0.05, written: -0.1, check: -0.1, test: -0.2, essay: -0.15,
}

/**
 * Writes the plan and four school weeks of journal inside the demo's transaction. `accounts`
 * maps a person to their account (only the demo's sample has accounts), for entered_by.
 *
 * No outbox rows: an outbox event per demo entry would make the notifier message every demo
 * family about four weeks of invented history. One audit row, demo.journal_seeded, records
 * what was generated.
 */
export async function seedDemoJournal(tx: Tx, plan: DemoJournalPlan, accounts: ReadonlyMap<string, string>, now: Date): Promise<DemoJournalCounts> {
  const { input, calendar: cal } = plan
  const { schoolId, timezone: tz, rng } = input
  const at = memo((date: string, time: string) => zonedInstant(date, time, tz))
  const markDue = memo((date: string, days: number) => markDueAt(date, days, tz))
  const attendanceDue = memo((date: string) => attendanceDueAt(date, tz))
  const win = journalWindow(cal, now, tz)
  const workTypes = DEFAULT_WORK_TYPES.map((w) => ({ id: randomUUID(), schoolId, ...w }))
  const workType = new Map<string, (typeof workTypes)[number]>(workTypes.map((w) => [w.name, w]))
  const accountOf = (personId: string | null) => (personId ? accounts.get(personId) ?? null : null)

  // ---- lessons of the window, from the timetable
  const lessons: Lesson[] = []
  const slotsByClassDay = new Map<string, Slot[]>()
  for (const s of plan.slots) {
    const k = `${s.assignment.cls.id}/${s.weekday}`
    slotsByClassDay.set(k, [...(slotsByClassDay.get(k) ?? []), s])
  }
  for (let date = win.from; date <= win.to; date = addDays(date, 1)) {
    for (const c of input.classes) {
      if (!isSchoolDay(cal, date, c.grade)) continue
      for (const s of slotsByClassDay.get(`${c.id}/${weekday(date)}`) ?? []) {
        const [start, end] = DEMO_BELLS[s.lessonNumber - 1]!
        lessons.push({
          id: randomUUID(), a: s.assignment, date, lessonNumber: s.lessonNumber, startsAt: at(date, start), endsAt: at(date, end), slotId: s.id,
          n: 0, plan: { topic: '', kind: 'plain' }, planTopicId: '', substituteTeacherId: null, substituteRecordedAt: null,
        })
      }
    }
  }
  // each assignment's lessons in order take the plan's topics in order (as applyPlanTopics)
  const byAssignment = new Map<string, Lesson[]>()
  for (const l of lessons) byAssignment.set(l.a.id, [...(byAssignment.get(l.a.id) ?? []), l])
  const plans = plan.assignments.map((a) => {
    const own = (byAssignment.get(a.id) ?? []).sort((x, y) => x.date.localeCompare(y.date) || x.lessonNumber - y.lessonNumber)
    return { own, entries: makePlan(a.key, a.cls.grade, a.hours, own.length + 2 * a.hours, rng) }
  })
  spreadWrittenWork(plans)
  const planTopics: Row[] = []
  for (const [k, { own, entries }] of plans.entries()) {
    const ids = entries.map((e, i) => {
      const id = randomUUID()
      planTopics.push({ id, assignmentId: plan.assignments[k]!.id, number: i + 1, topic: e.topic })
      return id
    })
    own.forEach((l, i) => { l.n = i; l.plan = entries[i]!; l.planTopicId = ids[i]! })
  }

  // substitutions: a few subject teachers off sick for a day or two, replaced by a free colleague
  const held = (l: Lesson) => l.startsAt <= now
  const busyAt = new Set(plan.slots.map((s) => `${s.assignment.teacherId}/${s.weekday}/${s.lessonNumber}`))
  const absentTeachers = shuffle(rng, [...new Set(plan.assignments.filter((a) => a.cls.grade >= 5 && !accounts.has(a.teacherId)).map((a) => a.teacherId))]).slice(0, 3)
  const historyDays = [...new Set(lessons.filter((l) => l.date < win.today).map((l) => l.date))].sort()
  let substitutions = 0
  for (const t of absentTeachers) {
    if (historyDays.length < 3) break
    const first = int(rng, 0, historyDays.length - 2)
    const days = historyDays.slice(first, first + int(rng, 1, 2))
    const profile = TEACHER_PROFILES[input.teacherIds.indexOf(t)]
    const colleagues = input.teacherIds.filter((id, i) => id !== t && TEACHER_PROFILES[i] !== 'primary' && !absentTeachers.includes(id))
    const sameProfile = colleagues.filter((id) => TEACHER_PROFILES[input.teacherIds.indexOf(id)] === profile)
    for (const l of lessons.filter((x) => x.a.teacherId === t && days.includes(x.date))) {
      const free = (id: string) => !busyAt.has(`${id}/${weekday(l.date)}/${l.lessonNumber}`) &&
        !lessons.some((o) => o.date === l.date && o.lessonNumber === l.lessonNumber && o.substituteTeacherId === id)
      const sub = sameProfile.find(free) ?? colleagues.find(free)
      if (!sub) continue
      l.substituteTeacherId = sub
      l.substituteRecordedAt = plusMinutes(at(l.date, '07:40'), int(rng, 0, 35))
      substitutions++
    }
  }

  // ---- entries on the lessons that have begun
  const rosterOf = new Map<string, string[]>()
  for (const s of input.students) rosterOf.set(s.classId, [...(rosterOf.get(s.classId) ?? []), s.id])
  const membersOf = new Map(plan.subgroups.map((g) => [g.id, g.members]))
  const attendees = (l: Lesson) => (l.a.subgroupId ? membersOf.get(l.a.subgroupId)! : rosterOf.get(l.a.cls.id) ?? [])
  const lastEnd = new Map<string, Date>()
  for (const l of lessons) {
    const k = `${l.a.cls.id}/${l.date}`
    if (!lastEnd.has(k) || lastEnd.get(k)! < l.endsAt) lastEnd.set(k, l.endsAt)
  }
  const heldLessons = lessons.filter(held)
  const heldByClass = new Map<string, Lesson[]>()
  for (const l of heldLessons) heldByClass.set(l.a.cls.id, [...(heldByClass.get(l.a.cls.id) ?? []), l])
  const teacherOf = (l: Lesson) => l.substituteTeacherId ?? l.a.teacherId

  // attendance: runs of illness, family and medical reasons, the odd truancy and lateness
  const attendance: Row[] = []
  const away = new Set<string>() // `${lessonId}/${studentId}` of students not in the room
  const classTeacherAccount = (classId: string) => accountOf(input.classes.find((c) => c.id === classId)!.classTeacherId)
  const enteredAttendance = (l: Lesson) => {
    const r = rng()
    if (r < 0.88) return plusMinutes(l.startsAt, int(rng, 2, 12))
    if (r < 0.97) return plusMinutes(at(l.date, '15:00'), int(rng, 0, 300))
    return plusMinutes(at(addDays(l.date, 1), '08:00'), int(rng, 0, 540))
  }
  for (const c of input.classes) {
    const classLessons = (heldByClass.get(c.id) ?? []).sort((x, y) => x.startsAt.getTime() - y.startsAt.getTime())
    const days = [...new Set(classLessons.map((l) => l.date))]
    const lessonsOn = (date: string) => classLessons.filter((l) => l.date === date)
    for (const studentId of rosterOf.get(c.id) ?? []) {
      const absences = new Map<Lesson, { kind: 'absent' | 'ill' | 'excused' | 'late'; reason: string | null; confirmAt: Date | null }>()
      // day by day, so that a short window is as realistic as a long one: an illness starts on
      // about one school day in sixty and lasts one to six days; a day off on the parents'
      // request or for a competition; a morning at the doctor's
      for (let i = 0; i < days.length; i++) {
        const d = days[i]!
        const r = rng()
        if (r < 0.018) {
          const span = days.slice(i, i + pick(rng, [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]))
          const back = days[i + span.length]
          const confirmAt = back && rng() < 0.75 ? plusMinutes(at(back, '08:00'), int(rng, 0, 240)) : null
          const confirmed = confirmAt && confirmAt <= now ? confirmAt : null
          const reason = confirmed ? pick(rng, ['Болезнь, справка из поликлиники', 'ОРВИ, справка', 'Болезнь (справка от врача)'])
            : rng() < 0.7 ? 'Со слов родителей: болеет' : null
          for (const x of span) for (const l of lessonsOn(x)) absences.set(l, { kind: reason ? 'ill' : 'absent', reason, confirmAt: confirmed })
          i += span.length
        } else if (r < 0.023) {
          const confirmAt = rng() < 0.8 ? plusMinutes(at(d, '16:00'), int(rng, 0, 150)) : null
          const reason = pick(rng, ['Заявление родителей: семейные обстоятельства', 'Участие в муниципальном этапе олимпиады', 'Соревнования (приказ по школе)'])
          for (const l of lessonsOn(d)) absences.set(l, { kind: 'excused', reason, confirmAt: confirmAt && confirmAt <= now ? confirmAt : null })
        } else if (r < 0.026) {
          const confirmAt = rng() < 0.6 ? plusMinutes(at(d, '15:30'), int(rng, 0, 120)) : null
          for (const l of lessonsOn(d).slice(0, int(rng, 1, 2))) absences.set(l, { kind: 'excused', reason: 'Посещение врача (талон)', confirmAt: confirmAt && confirmAt <= now ? confirmAt : null })
        }
      }
      for (const l of classLessons) {
        if (absences.has(l) || !attendees(l).includes(studentId)) continue
        const r = rng()
        if (r < (c.grade >= 8 ? 0.006 : 0.002)) absences.set(l, { kind: 'absent', reason: null, confirmAt: null })
        else if (r < (l.lessonNumber === 1 ? 0.02 : 0.006)) absences.set(l, { kind: 'late', reason: rng() < 0.4 ? 'Опоздание на 10 минут' : null, confirmAt: null })
      }
      for (const [l, m] of absences) {
        if (!attendees(l).includes(studentId)) continue
        if (m.kind !== 'late') away.add(`${l.id}/${studentId}`)
        const enteredAt = enteredAttendance(l)
        if (enteredAt > now) continue
        const confirmAt = m.confirmAt && m.confirmAt > enteredAt ? m.confirmAt : null
        attendance.push({
          id: randomUUID(), schoolId, lessonId: l.id, studentId, kind: m.kind, reason: m.reason,
          reasonConfirmedAt: confirmAt, reasonConfirmedBy: confirmAt ? classTeacherAccount(c.id) : null,
          enteredAt, enteredBy: accountOf(teacherOf(l)), updatedAt: confirmAt ?? enteredAt,
          late: enteredAt > attendanceDue(l.date),
        })
      }
    }
  }

  // marks: every student has an ability; answers in class, written work for the whole class
  const ability = new Map<string, number>()
  for (const s of input.students) {
    const r = rng(), g = gaussian(rng)
    ability.set(s.id, r < 0.13 ? 4.7 + g * 0.12 : r < 0.55 ? 4.2 + g * 0.2 : r < 0.92 ? 3.65 + g * 0.2 : 3.1 + g * 0.15)
  }
  const bias = new Map<string, number>()
  const valueFor = (studentId: string, key: SubjectKey, kind: LessonKind) => {
    const k = `${studentId}/${key}`
    if (!bias.has(k)) bias.set(k, gaussian(rng) * 0.25)
    const v = ability.get(studentId)! + bias.get(k)! + SUBJECTS[key].markBonus + KIND_SHIFT[kind] + gaussian(rng) * 0.6
    return v >= 4.5 ? 5 : v >= 3.5 ? 4 : v >= 2.6 ? 3 : 2
  }
  const markCount = new Map<string, number>() // `${assignmentId}/${studentId}`
  const chooseAnswering = (l: Lesson, present: string[], k: number) => {
    const pool = [...present]
    const chosen: string[] = []
    while (chosen.length < k && pool.length) {
      const w = pool.map((s) => 1 / (1 + (markCount.get(`${l.a.id}/${s}`) ?? 0)) ** 2)
      let r = rng() * w.reduce((x, y) => x + y, 0)
      let i = 0
      while (i < pool.length - 1 && (r -= w[i]!) > 0) i++
      chosen.push(pool.splice(i, 1)[0]!)
    }
    return chosen
  }
  const marks: Row[] = []
  for (const l of heldLessons) {
    if (l.a.cls.grade === 1 || SUBJECTS[l.a.key].assessment === 'ungraded') continue
    const present = attendees(l).filter((s) => !away.has(`${l.id}/${s}`))
    if (!present.length) continue
    const kind = l.plan.kind
    const whole = { independent: [0.6, 0.9], written: [0.95, 1], check: [0.9, 1], test: [1, 1], essay: [0.95, 1], creative: [0.35, 0.7], norms: [0.75, 1] } as Partial<Record<LessonKind, [number, number]>>
    const share = whole[kind]
    const graded: { studentId: string; kind: LessonKind; workType: string }[] = []
    if (share) {
      const k = Math.round(present.length * (share[0] + rng() * (share[1] - share[0])))
      for (const s of chooseAnswering(l, present, k)) graded.push({ studentId: s, kind, workType: WORK_TYPE_OF[kind] })
    } else {
      const k = kind === 'practice' ? int(rng, 5, 8) : kind === 'review' ? int(rng, 2, 4) : int(rng, 3, 6)
      for (const s of chooseAnswering(l, present, k)) graded.push({ studentId: s, kind, workType: 'Ответ на уроке' })
      if (kind === 'new' && rng() < 0.5) {
        for (const s of chooseAnswering(l, present, int(rng, 3, 6))) graded.push({ studentId: s, kind, workType: 'Домашняя работа' })
      }
    }
    // when the teacher enters them: during the lesson, that evening, or days later for written work
    const wt0 = workType.get(WORK_TYPE_OF[kind])!
    const r = rng()
    const batch = wt0.deadlineDays >= 10
      ? plusMinutes(at(addDays(l.date, r < 0.9 ? int(rng, 2, 10) : int(rng, 11, 13)), '15:00'), int(rng, 0, 360))
      : wt0.deadlineDays >= 3
        ? r < 0.25 ? plusMinutes(at(l.date, '15:30'), int(rng, 0, 330)) : plusMinutes(at(addDays(l.date, r < 0.92 ? int(rng, 1, 3) : int(rng, 4, 5)), '15:00'), int(rng, 0, 360))
        : r < 0.8 ? null : r < 0.96 ? plusMinutes(at(l.date, '15:30'), int(rng, 0, 330)) : plusMinutes(at(addDays(l.date, int(rng, 1, 2)), '16:00'), int(rng, 0, 300))
    for (const [i, g] of graded.entries()) {
      const wt = workType.get(g.workType)!
      const enteredAt = batch ? new Date(batch.getTime() + i * 7_000)
        : plusMinutes(l.startsAt, Math.min(39, int(rng, 6, 36) + (g.workType === 'Домашняя работа' ? -4 : 0)))
      if (enteredAt > now) continue
      const value = valueFor(g.studentId, l.a.key, g.kind)
      const comment = value === 2 && rng() < 0.4 ? pick(rng, ['Не выполнено домашнее задание', 'Не готов к уроку', 'Работа не закончена'])
        : value === 5 && g.kind === 'test' && rng() < 0.08 ? 'Отличная работа!' : null
      markCount.set(`${l.a.id}/${g.studentId}`, (markCount.get(`${l.a.id}/${g.studentId}`) ?? 0) + 1)
      marks.push({
        id: randomUUID(), schoolId, lessonId: l.id, studentId: g.studentId, value, passed: null, workTypeId: wt.id, weight: wt.weight,
        comment, enteredAt, enteredBy: accountOf(teacherOf(l)), updatedAt: enteredAt, late: enteredAt > markDue(l.date, wt.deadlineDays),
      })
    }
  }

  // homework: most lessons from grade 2, due at the assignment's next lesson
  const weeksBefore = new Map<number, number>()
  for (const grade of new Set(input.classes.map((c) => c.grade))) {
    let n = 0
    for (let d = cal.startsOn; d < win.from; d = addDays(d, 1)) if (isSchoolDay(cal, d, grade)) n++
    weeksBefore.set(grade, n / 5)
  }
  const homework: Row[] = []
  for (const l of heldLessons) {
    if (l.a.cls.grade === 1) continue
    const own = byAssignment.get(l.a.id)!
    const next = own[l.n + 1]
    const nextIsTest = next?.plan.kind === 'test'
    if (rng() >= SUBJECTS[l.a.key].homework * (l.plan.kind === 'test' ? 0.4 : 1) && !nextIsTest) continue
    const nInYear = Math.round(weeksBefore.get(l.a.cls.grade)! * l.a.hours) + l.n + 1
    const hw = homeworkText(l.a.key, l.a.cls.grade, nInYear, l.plan.topic, nextIsTest, rng)
    const end = lastEnd.get(`${l.a.cls.id}/${l.date}`)!
    const r = rng()
    const enteredAt = r < 0.75 ? plusMinutes(l.startsAt, int(rng, 20, 39))
      : r < 0.93 ? plusMinutes(end, int(rng, 5, 85)) : plusMinutes(end, int(rng, 100, 420))
    if (enteredAt > now) continue
    homework.push({
      id: randomUUID(), schoolId, lessonId: l.id, text: hw.text, pages: hw.pages, exercises: hw.exercises,
      dueLessonId: next?.id ?? null, dueOn: next?.date ?? null, enteredAt, enteredBy: accountOf(teacherOf(l)), late: enteredAt > homeworkDueAt(end),
    })
  }

  // ---- write
  await insertRows(tx, 'work_types', workTypes)
  await insertRows(tx, 'periods', cal.periods.map((p) => ({ schoolId, academicYearId: input.year.id, ...p })))
  await insertRows(tx, 'holidays', cal.holidays.map((h) => ({ schoolId, academicYearId: input.year.id, ...h })))
  await insertRows(tx, 'subjects', [...plan.subjects].map(([key, id]) => ({ id, schoolId, name: SUBJECTS[key].name, shortName: SUBJECTS[key].shortName })))
  await insertRows(tx, 'subgroups', plan.subgroups.map(({ members: _m, ...g }) => g))
  await insertRows(tx, 'subgroup_members', plan.subgroups.flatMap((g) => g.members.map((studentId) => ({
    subgroupId: g.id, studentId, startedOn: input.year.startsOn, reason: 'Деление класса на группы по английскому языку',
  }))))
  await insertRows(tx, 'teaching_assignments', plan.assignments.map((a) => ({
    id: a.id, schoolId, classId: a.cls.id, subgroupId: a.subgroupId, subjectId: a.subjectId, teacherId: a.teacherId,
  })))
  await insertRows(tx, 'plan_topics', planTopics)
  await insertRows(tx, 'bells', DEMO_BELLS.map(([startsAt, endsAt], i) => ({ schoolId, shift: 1, number: i + 1, startsAt, endsAt })))
  await insertRows(tx, 'timetable_slots', plan.slots.map((s) => ({
    id: s.id, schoolId, assignmentId: s.assignment.id, weekday: s.weekday, lessonNumber: s.lessonNumber, shift: 1, room: s.assignment.room,
    validFrom: input.year.startsOn, validTo: null,
  })))
  await insertRows(tx, 'lessons', lessons.map((l) => ({
    id: l.id, schoolId, assignmentId: l.a.id, classId: l.a.cls.id, subgroupId: l.a.subgroupId, subjectId: l.a.subjectId, teacherId: l.a.teacherId,
    substituteTeacherId: l.substituteTeacherId, substituteRecordedAt: l.substituteRecordedAt, date: l.date, lessonNumber: l.lessonNumber,
    startsAt: l.startsAt, endsAt: l.endsAt, room: l.a.room, topic: l.plan.topic, planTopicId: l.planTopicId, slotId: l.slotId, slotDate: l.date,
  })))
  await insertRows(tx, 'homework', homework)
  await insertRows(tx, 'marks', marks)
  await insertRows(tx, 'attendance', attendance)

  const counts: DemoJournalCounts = {
    periods: cal.periods.length, holidays: cal.holidays.length, workTypes: workTypes.length, subjects: plan.subjects.size,
    subgroups: plan.subgroups.length, assignments: plan.assignments.length, planTopics: planTopics.length, bells: DEMO_BELLS.length,
    slots: plan.slots.length, lessons: lessons.length, substitutions, homework: homework.length, marks: marks.length,
    attendance: attendance.length, from: win.from, to: win.to,
  }
  await writeAudit(tx, {
    schoolId, actorAccountId: null, action: 'demo.journal_seeded', entityType: 'school', entityId: schoolId, after: counts,
  })
  return counts
}

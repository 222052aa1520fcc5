/** One row of a timetable file: what it says and what is wrong with it. */
import { TIMETABLE_COLUMNS, type TimetableField } from './columns.ts'
import { normName, parseClassLabel } from './normalise.ts'
import { rowReader, type Header, type TableRow } from './table.ts'
import { matchTeacher } from './teachers.ts'
import type { TimetableSnapshot } from './timetable-snapshot.ts'

const WEEKDAYS: ReadonlyMap<string, number> = new Map(Object.entries({
  пн: 1, пнд: 1, понедельник: 1, вт: 2, втр: 2, вторник: 2, ср: 3, срд: 3, среда: 3, чт: 4, чтв: 4, четверг: 4,
  пт: 5, птн: 5, пятница: 5, сб: 6, сбт: 6, суббота: 6, вс: 7, вск: 7, воскресенье: 7,
  mon: 1, monday: 1, tue: 2, tuesday: 2, wed: 3, wednesday: 3, thu: 4, thursday: 4, fri: 5, friday: 5,
  sat: 6, saturday: 6, sun: 7, sunday: 7, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7,
} as Record<string, number>))

export interface SlotRow {
  line: number
  classLabel: string
  classId: string
  weekday: number
  lesson: number
  shift: number
  subject: string
  teacherId: string
  subgroup: string | null
  room: string | null
}

export function readSlotRow(h: Header<TimetableField>, row: TableRow, snap: TimetableSnapshot, yearName: string): { value: SlotRow | null; problems: string[] } {
  const problems: string[] = []
  const { get, required } = rowReader(h, row, TIMETABLE_COLUMNS, problems)
  const classRaw = required('classLabel')
  let classId: string | undefined
  let classLabel = ''
  if (classRaw) {
    const c = parseClassLabel(classRaw)
    if ('problem' in c) problems.push(c.problem)
    else {
      classLabel = `${c.grade}${c.letter}`
      classId = snap.classes.get(classLabel)
      if (!classId) problems.push(`класса ${classLabel} нет в учебном году ${yearName}: сначала импортируйте список класса`)
    }
  }
  const weekdayRaw = required('weekday')
  const weekday = weekdayRaw ? WEEKDAYS.get(normName(weekdayRaw).replace(/\.$/, '')) : undefined
  if (weekdayRaw && !weekday) problems.push(`день недели «${weekdayRaw}»: ожидается пн, вт, …, вс, полное название или число 1–7`)
  const lessonRaw = required('lesson')
  const lm = /^(\d{1,2})(?:[.,]0+)?(?:\s*-?\s*(?:й|ой|ий))?(?:\s*урок)?$/.exec(lessonRaw.toLowerCase())
  const lesson = lm ? Number(lm[1]) : undefined
  if (lessonRaw && (lesson === undefined || lesson > 12)) problems.push(`урок «${lessonRaw}»: ожидается номер от 0 до 12`)
  const shiftRaw = get('shift')
  const shift = shiftRaw ? Number(shiftRaw) : 1
  if (![1, 2, 3].includes(shift)) problems.push(`смена «${shiftRaw}»: ожидается 1, 2 или 3`)
  const subject = required('subject')
  if (subject.length > 100) problems.push('название предмета длиннее 100 символов')
  const teacherRaw = required('teacher')
  let teacherId: string | undefined
  if (teacherRaw) {
    const t = matchTeacher(snap.staff, teacherRaw)
    if ('problem' in t) problems.push(t.problem)
    else teacherId = t.id
  }
  const subgroup = get('subgroup') || null
  if (subgroup && subgroup.length > 60) problems.push('название подгруппы длиннее 60 символов')
  const room = get('room') || null
  if (room && room.length > 30) problems.push('кабинет длиннее 30 символов')
  if (lesson !== undefined && lesson <= 12 && [1, 2, 3].includes(shift) && !snap.bells.has(`${shift}/${lesson}`))
    problems.push(`нет звонка на ${lesson}-й урок ${shift}-й смены: сначала задайте расписание звонков`)
  if (problems.length || !classId || !weekday || lesson === undefined || !teacherId) return { value: null, problems }
  return { value: { line: row.line, classLabel, classId, weekday, lesson, shift, subject, teacherId, subgroup, room }, problems }
}

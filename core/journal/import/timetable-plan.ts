/** The checks of a timetable across its rows, and the writes its good rows plan. */
import { randomUUID } from 'node:crypto'
import { normName } from './normalise.ts'
import type { Problems } from './problems.ts'
import type { SlotRow } from './timetable-row.ts'
import type { TimetableSnapshot } from './timetable-snapshot.ts'
import type { Setup } from './types.ts'

const WEEKDAY_SHORT = ['', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс']

export interface SlotOp {
  line: number
  newSubject: { id: string; schoolId: string; name: string } | null
  newSubgroup: { id: string; classId: string; subjectId: string; name: string } | null
  newAssignment: { id: string; schoolId: string; classId: string; subgroupId: string | null; subjectId: string; teacherId: string } | null
  slot: { id: string; schoolId: string; assignmentId: string; weekday: number; lessonNumber: number; shift: number; room: string | null; validFrom: string; classId: string } | null
}

/**
 * Checks across rows and against the timetable in force from the date: a repeated row; a class
 * given two lessons at one time (unless both are different subgroups); a lesson clashing with
 * one already in the timetable. A teacher in two classes at once is a warning (a joined lesson
 * is possible). A row equal to a lesson already in the timetable is left as it is.
 */
export function planTimetable(rows: SlotRow[], snap: TimetableSnapshot, setup: Setup, problems: Problems) {
  const when = (r: { weekday: number; lesson: number; shift: number }) => `${r.weekday}/${r.lesson}/${r.shift}`
  const at = (r: SlotRow) => `${WEEKDAY_SHORT[r.weekday]} ${r.lesson}-й урок${r.shift === 1 ? '' : ` (${r.shift}-я смена)`}`
  const same = (r: SlotRow) => `${r.classId}|${when(r)}|${normName(r.subject)}|${r.teacherId}|${normName(r.subgroup ?? '')}`
  const clash = (a: string | null, b: string | null) => !a || !b || normName(a) === normName(b)
  const existing = new Set(snap.slots.map((s) => `${s.classId}|${s.weekday}/${s.lessonNumber}/${s.shift}|${normName(s.subjectName)}|${s.teacherId}|${normName(s.subgroupName ?? '')}`))
  const seen = new Map<string, number>()
  const byClassTime = new Map<string, SlotRow[]>()
  const byTeacherTime = new Map<string, SlotRow[]>()
  const teacherWarnings: string[] = []
  const alreadyThere = new Set<number>()
  for (const r of rows) {
    const key = same(r)
    const dup = seen.get(key)
    if (dup !== undefined) {
      problems.add(r.line, `повторяет строку ${dup}`)
      continue
    }
    seen.set(key, r.line)
    if (existing.has(key)) {
      alreadyThere.add(r.line)
      continue
    }
    const ct = `${r.classId}|${when(r)}`
    const other = (byClassTime.get(ct) ?? []).find((o) => clash(o.subgroup, r.subgroup))
    if (other) problems.add(r.line, `у ${r.classLabel} ${at(r)} уже занят строкой ${other.line}`)
    byClassTime.set(ct, [...(byClassTime.get(ct) ?? []), r])
    const inDb = snap.slots.find((s) => s.classId === r.classId && when({ weekday: s.weekday, lesson: s.lessonNumber, shift: s.shift }) === when(r) && clash(s.subgroupName, r.subgroup))
    if (inDb) problems.add(r.line, `у ${r.classLabel} ${at(r)} с ${inDb.validFrom} уже стоит «${inDb.subjectName}» (${inDb.teacherName}${inDb.subgroupName ? `, ${inDb.subgroupName}` : ''})`)
    const tt = `${r.teacherId}|${when(r)}`
    const busy = (byTeacherTime.get(tt) ?? []).find((o) => o.classId !== r.classId)
    const busyDb = snap.slots.find((s) => s.teacherId === r.teacherId && s.classId !== r.classId && when({ weekday: s.weekday, lesson: s.lessonNumber, shift: s.shift }) === when(r))
    if (busy) teacherWarnings.push(`строка ${r.line}: учитель ведёт в то же время урок в другом классе (строка ${busy.line})`)
    else if (busyDb) teacherWarnings.push(`строка ${r.line}: учитель в то же время ведёт «${busyDb.subjectName}» в ${busyDb.className}`)
    byTeacherTime.set(tt, [...(byTeacherTime.get(tt) ?? []), r])
  }

  const schoolId = setup.school.id
  const subjects = new Map(snap.subjects)
  const subgroups = new Map(snap.subgroups)
  const assignments = new Map(snap.assignments)
  const ops: SlotOp[] = []
  for (const r of rows) {
    if (problems.has(r.line)) continue
    const op: SlotOp = { line: r.line, newSubject: null, newSubgroup: null, newAssignment: null, slot: null }
    ops.push(op)
    if (alreadyThere.has(r.line)) continue
    let subjectId = subjects.get(normName(r.subject))
    if (!subjectId) {
      subjectId = randomUUID()
      subjects.set(normName(r.subject), subjectId)
      op.newSubject = { id: subjectId, schoolId, name: r.subject }
    }
    let subgroupId: string | null = null
    if (r.subgroup) {
      const gk = `${r.classId}|${subjectId}|${normName(r.subgroup)}`
      subgroupId = subgroups.get(gk) ?? null
      if (!subgroupId) {
        subgroupId = randomUUID()
        subgroups.set(gk, subgroupId)
        op.newSubgroup = { id: subgroupId, classId: r.classId, subjectId, name: r.subgroup }
      }
    }
    const ak = `${r.classId}|${subjectId}|${r.teacherId}|${subgroupId ?? ''}`
    let assignmentId = assignments.get(ak)
    if (!assignmentId) {
      assignmentId = randomUUID()
      assignments.set(ak, assignmentId)
      op.newAssignment = { id: assignmentId, schoolId, classId: r.classId, subgroupId, subjectId, teacherId: r.teacherId }
    }
    op.slot = {
      id: randomUUID(), schoolId, assignmentId, weekday: r.weekday, lessonNumber: r.lesson, shift: r.shift, room: r.room,
      validFrom: setup.date, classId: r.classId,
    }
  }
  return { ops, warnings: teacherWarnings }
}

/**
 * The events of one delivery folded into what is worth telling. Per entry (a mark, a
 * homework, a final mark) only the net change counts: created then corrected is one new
 * mark with its final value; created then removed is nothing; corrected back to the value
 * it had is nothing. Pure: the names come from `Lookups`, loaded by content.ts.
 */

export interface DeliveryEvent {
  readonly outboxId: number
  readonly kind: string
  readonly studentId: string | null
  readonly payload: Record<string, unknown>
}

export interface Lookups {
  readonly students: ReadonlyMap<string, string> // id → first name
  readonly subjects: ReadonlyMap<string, string>
  readonly workTypes: ReadonlyMap<string, string>
  readonly lessons: ReadonlyMap<string, { number: number; date: string }>
  readonly homework: ReadonlyMap<string, string> // id → the assignment as written
  readonly periods: ReadonlyMap<string, string> // id → «1 четверть»
}

type Value = { value?: number | null; passed?: boolean | null; status?: string | null }

export interface MarkItem { subject: string; date: string; shown: string; workType: string | null }
export interface ChangedItem { subject: string; date: string; from: string | null; to: string }
export interface RemovedItem { subject: string; date: string; shown: string | null }
export interface AbsenceItem { subject: string; date: string; lessonNumber: number | null; kindLabel: string }
export interface HomeworkItem { subject: string; dueOn: string | null; text: string; changed: boolean }
export interface FinalItem { subject: string; period: string; shown: string; from: string | null }

export interface ChildView {
  firstName: string
  newMarks: MarkItem[]
  changedMarks: ChangedItem[]
  removedMarks: RemovedItem[]
  absences: AbsenceItem[]
  homework: HomeworkItem[]
  cancelledHomework: RemovedItem[]
  finals: FinalItem[]
  removedFinals: RemovedItem[]
  count: number
}

export interface MessageView {
  children: ChildView[]
  count: number
  newMarks: number
  absences: number
}

const STATUS_LABEL: Record<string, string> = { exempt: 'освобождён', not_attested: 'не аттестован', ungraded: 'безотметочное' }
const ABSENCE_LABEL: Record<string, string> = {
  absent: 'отсутствует', ill: 'отсутствует по болезни', excused: 'отсутствует по уважительной причине',
}

export function shown(v: Value | null | undefined): string | null {
  if (!v) return null
  if (typeof v.value === 'number') return String(v.value)
  if (v.passed === true) return 'зачёт'
  if (v.passed === false) return 'незачёт'
  if (v.status) return STATUS_LABEL[v.status] ?? v.status
  return null
}

interface Track {
  readonly entity: string
  readonly studentId: string | null
  readonly first: DeliveryEvent
  existedBefore: boolean
  before: Value | null
  now: Value | null
  last: DeliveryEvent
}

/** The entry's value after an event; a voided event carries it in `entry`. */
function valueAfter(e: DeliveryEvent): Value {
  const p = e.payload
  return (p.voided ? p.entry : p) as Value
}

export function fold(events: readonly DeliveryEvent[]): Track[] {
  const tracks = new Map<string, Track>()
  for (const e of [...events].sort((a, b) => a.outboxId - b.outboxId)) {
    const [entity, action] = e.kind.split('.') as [string, string]
    const id = String(e.payload.markId ?? e.payload.homeworkId ?? e.payload.finalMarkId ?? e.payload.attendanceId ?? e.payload.entityId)
    const key = `${entity}:${id}:${e.studentId}`
    const removed = action === 'removed'
    const created = action === 'created' || action === 'set'
    let t = tracks.get(key)
    if (!t) {
      t = {
        entity, studentId: e.studentId, first: e, last: e, existedBefore: !created,
        before: created ? null : ((e.payload.previous as Value | undefined) ?? null), now: null,
      }
      tracks.set(key, t)
    }
    t.last = e
    t.now = removed ? null : valueAfter(e)
  }
  return [...tracks.values()]
}

const sameValue = (a: Value | null, b: Value | null) => shown(a) === shown(b)

export function composeView(events: readonly DeliveryEvent[], names: Lookups): MessageView {
  const children = new Map<string, ChildView>()
  const child = (studentId: string | null) => {
    const id = studentId ?? ''
    let c = children.get(id)
    if (!c) {
      c = {
        firstName: names.students.get(id) ?? '', newMarks: [], changedMarks: [], removedMarks: [], absences: [],
        homework: [], cancelledHomework: [], finals: [], removedFinals: [], count: 0,
      }
      children.set(id, c)
    }
    return c
  }
  for (const t of fold(events)) {
    const p = t.last.payload
    const subject = names.subjects.get(String(p.subjectId ?? t.first.payload.subjectId)) ?? ''
    const date = String(p.date ?? t.first.payload.date ?? '')
    const gone = t.now === null
    if (!t.existedBefore && gone) continue // created and removed inside the window
    if (t.existedBefore && !gone && t.before && sameValue(t.before, t.now)) continue // corrected back
    const c = child(t.studentId)
    c.count++
    if (t.entity === 'mark') {
      const wt = names.workTypes.get(String(p.workTypeId ?? (p.entry as Value & { workTypeId?: string })?.workTypeId))
      // «(контрольная работа)» reads as part of the sentence
      const workType = wt ? wt.charAt(0).toLowerCase() + wt.slice(1) : null
      if (!t.existedBefore) c.newMarks.push({ subject, date, shown: shown(t.now)!, workType })
      else if (gone) c.removedMarks.push({ subject, date, shown: shown(t.before) })
      else c.changedMarks.push({ subject, date, from: shown(t.before), to: shown(t.now)! })
    } else if (t.entity === 'attendance') {
      const lesson = names.lessons.get(String(p.lessonId))
      c.absences.push({ subject, date, lessonNumber: lesson?.number ?? null, kindLabel: ABSENCE_LABEL[String(p.kind)] ?? 'отсутствует' })
    } else if (t.entity === 'homework') {
      const text = names.homework.get(String(p.homeworkId ?? p.entityId))
      if (gone || text === undefined) c.cancelledHomework.push({ subject, date, shown: null })
      else c.homework.push({ subject, dueOn: (p.dueOn as string | undefined) ?? null, text, changed: t.existedBefore })
    } else if (t.entity === 'final_mark') {
      const period = names.periods.get(String(p.periodId ?? t.first.payload.periodId)) ?? ''
      if (gone) c.removedFinals.push({ subject, date: period, shown: shown(t.before) })
      else c.finals.push({ subject, period, shown: shown(t.now)!, from: t.existedBefore ? shown(t.before) : null })
    } else {
      c.count--
    }
  }
  const list = [...children.values()].filter((c) => c.count > 0)
  return {
    children: list,
    count: list.reduce((n, c) => n + c.count, 0),
    newMarks: list.reduce((n, c) => n + c.newMarks.length, 0),
    absences: list.reduce((n, c) => n + c.absences.length, 0),
  }
}

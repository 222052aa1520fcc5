/**
 * Which events are told, and to whom. An event about a student reaches each of the student's
 * guardians and, where enabled, the student; a class's homework reaches the families of the
 * students of the lesson; an announcement the families of the class (or the school) as
 * enrolled now; a thread's message exactly the persons it names (core/messaging decides:
 * the other side of the thread, nobody when muted). Everything else (setup, timetable …) is not told.
 */
import type { Db } from '../core/db/connect.ts'
import { lessonStudentsQuery } from '../core/journal/access.ts'
import type { Topic } from '../core/notifications/preferences.ts'

export interface OutboxEvent {
  readonly id: number
  readonly schoolId: string
  readonly kind: string
  readonly entityId: string
  readonly studentId: string | null
  readonly classId: string | null
  readonly payload: Record<string, unknown>
  readonly createdAt: Date
}

export const ABSENCE_KINDS = new Set(['absent', 'ill', 'excused'])

export function topicOf(e: Pick<OutboxEvent, 'kind' | 'payload'>): Topic | null {
  const [entity, action] = e.kind.split('.') as [string, string]
  switch (entity) {
    case 'mark': return 'marks'
    case 'homework': return 'homework'
    case 'final_mark': return 'final_marks'
    case 'message': return 'messages'
    case 'announcement': return 'announcements'
    case 'attendance':
      // the alert is for being marked absent; a changed reason or a lateness is not an alert
      return action === 'set' && ABSENCE_KINDS.has(String(e.payload.kind)) ? 'absence' : null
    default: return null
  }
}

export interface Recipient {
  readonly event: OutboxEvent
  readonly topic: Topic
  readonly personId: string
  /** the child the event is about */
  readonly studentId: string
}

/** Everyone an event concerns (preferences are applied later). */
export async function resolveRecipients(db: Db, events: readonly OutboxEvent[]): Promise<Recipient[]> {
  const told = events.flatMap((event) => {
    const topic = topicOf(event)
    return topic ? [{ event, topic }] : []
  })
  // the students each event is about
  const aboutStudents = new Map<number, string[]>()
  // events addressed to named persons, not to families
  const named = new Map<number, string[]>()
  for (const { event, topic } of told) {
    if (topic === 'messages') {
      const ids = (event.payload as { recipientIds?: unknown }).recipientIds
      if (event.studentId && Array.isArray(ids)) named.set(event.id, ids.filter((x): x is string => typeof x === 'string'))
    } else if (topic === 'announcements') {
      const rows = await db<{ studentId: string }[]>`
        select e.student_id from enrolments e join classes c on c.id = e.class_id
        where e.ended_on is null and c.school_id = ${event.schoolId} and (${event.classId}::uuid is null or c.id = ${event.classId})`
      aboutStudents.set(event.id, rows.map((r) => r.studentId))
    } else if (topic === 'homework') {
      const p = event.payload as { date?: string; subgroupId?: string | null }
      if (!event.classId || !p.date) continue
      const rows = await db<{ studentId: string }[]>`${lessonStudentsQuery(db, {
        classId: event.classId, date: p.date, subgroupId: p.subgroupId ?? null,
      })}`
      aboutStudents.set(event.id, rows.map((r) => r.studentId))
    } else if (event.studentId) {
      aboutStudents.set(event.id, [event.studentId])
    }
  }
  const students = [...new Set([...aboutStudents.values()].flat())]
  const guardians = students.length ? await db<{ guardianId: string; studentId: string }[]>`
    select guardian_id, student_id from guardianships where student_id in ${db(students)}` : []
  const familyOf = new Map<string, string[]>(students.map((s) => [s, [s]]))
  for (const g of guardians) familyOf.get(g.studentId)!.push(g.guardianId)

  const out: Recipient[] = []
  for (const { event, topic } of told) {
    for (const personId of named.get(event.id) ?? []) out.push({ event, topic, personId, studentId: event.studentId! })
    for (const studentId of aboutStudents.get(event.id) ?? []) {
      for (const personId of familyOf.get(studentId) ?? []) out.push({ event, topic, personId, studentId })
    }
  }
  return out
}

/**
 * The first absence of a child on a day is told; later ones that day are not (the class
 * teacher's digest has the whole picture). Claimed per recipient in the dispatch transaction.
 */
export async function firstAbsences(db: Db, recipients: readonly Recipient[]): Promise<Set<Recipient>> {
  const absences = recipients.filter((r) => r.topic === 'absence')
  if (!absences.length) return new Set()
  const rows = absences.map((r) => ({
    personId: r.personId, studentId: r.studentId, date: String(r.event.payload.date), outboxId: r.event.id,
  }))
  const claimed = await db<{ personId: string; outboxId: number }[]>`
    insert into absence_alerts ${db(rows)}
    on conflict do nothing
    returning person_id, outbox_id`
  const won = new Set(claimed.map((c) => `${c.personId}|${c.outboxId}`))
  return new Set(absences.filter((r) => won.has(`${r.personId}|${r.event.id}`)))
}

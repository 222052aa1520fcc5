/** The rows and events of one chunk of a timetable. */
import type { Tx } from '../../db/connect.ts'
import { recordChanges, type Change } from '../changes.ts'
import { insertRows } from './execute.ts'
import type { SlotOp } from './timetable-plan.ts'
import type { Setup } from './types.ts'

export async function writeTimetableChunk(tx: Tx, setup: Setup, chunk: readonly SlotOp[]): Promise<void> {
  const schoolId = setup.school.id
  const subjects = chunk.flatMap((o) => (o.newSubject ? [o.newSubject] : []))
  const subgroups = chunk.flatMap((o) => (o.newSubgroup ? [o.newSubgroup] : []))
  const assignments = chunk.flatMap((o) => (o.newAssignment ? [o.newAssignment] : []))
  const slots = chunk.flatMap((o) => (o.slot ? [o.slot] : []))
  await insertRows(tx, 'subjects', subjects)
  await insertRows(tx, 'subgroups', subgroups)
  await insertRows(tx, 'teaching_assignments', assignments)
  await insertRows(tx, 'timetable_slots', slots.map(({ classId: _c, ...s }) => s))
  // the same events, with the same views, as the setup services (core/journal/setup.ts, movement.ts)
  const created = (kind: Change['kind'], entityType: string, after: { id: string } & Record<string, unknown>, classId: string | null = null): Change =>
    ({ schoolId, kind, entityType, entityId: after.id, before: null, after, classId, payload: { id: after.id } })
  await recordChanges(tx, setup.ctx, [
    ...subjects.map((s) => created('subject.created', 'subject', { ...s, shortName: null })),
    ...subgroups.map((g) => ({ ...created('subgroup.created', 'subgroup', g, g.classId), payload: { subgroupId: g.id } })),
    ...assignments.map(({ schoolId: _s, ...a }) => created('assignment.created', 'teaching_assignment', a, a.classId)),
    ...slots.map(({ schoolId: _s, classId, ...s }) => created('timetable.created', 'timetable_slot', { ...s, validTo: null }, classId)),
  ])
}

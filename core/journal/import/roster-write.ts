/** The rows, audit entries and events of one chunk of a roster. */
import type { AuditEntry } from '../../audit/audit.ts'
import type { Tx } from '../../db/connect.ts'
import { recordChanges, type Change } from '../changes.ts'
import { insertRows, writeAudits } from './execute.ts'
import type { PersonRow, RosterOp } from './roster-plan.ts'
import type { Setup } from './types.ts'

export async function writeRosterChunk(tx: Tx, setup: Setup, orderNumber: string | null, chunk: readonly RosterOp[]): Promise<void> {
  const { ctx, date } = setup
  const schoolId = setup.school.id
  const actor = setup.actorAccountId
  const requestId = ctx.requestId ?? null
  const classes = chunk.flatMap((o) => (o.newClass ? [o.newClass] : []))
  const students = chunk.flatMap((o) => (o.newStudent ? [o.newStudent] : []))
  const guardians = chunk.flatMap((o) => (o.newGuardian ? [o.newGuardian] : []))
  const links = chunk.flatMap((o) => (o.link ? [o.link] : []))
  const consents = chunk.flatMap((o) => o.consents)
  const sensitive = chunk.flatMap((o) => (o.birthDate ? [o.birthDate] : []))
  const person = ({ id, schoolId, kind, lastName, firstName, middleName, gender, phone, email }: PersonRow) =>
    ({ id, schoolId, kind, lastName, firstName, middleName, gender, phone, email })

  await insertRows(tx, 'classes', classes)
  await insertRows(tx, 'persons', [...students, ...guardians].map(person))
  await insertRows(tx, 'enrolments', students.map((s) => ({ studentId: s.id, classId: s.classId, startedOn: date })))
  const movements = students.length
    ? await tx<{ id: string; studentId: string; kind: string; occurredOn: string; orderNumber: string | null; fromClassId: string | null; toClassId: string; note: string | null; recordedAt: Date }[]>`
        insert into movements ${tx(students.map((s) => ({
          id: s.movementId, schoolId, studentId: s.id, kind: 'admission', occurredOn: date, orderNumber, toClassId: s.classId, recordedBy: actor,
        })))}
        returning id, student_id, kind, occurred_on, order_number, from_class_id, to_class_id, note, recorded_at`
    : []
  await insertRows(tx, 'guardianships', links)
  await insertRows(tx, 'person_sensitive', sensitive)
  await insertRows(tx, 'pd_consents', consents.map((c) => ({
    ...c, schoolId, purpose: 'Организация образовательного процесса', recordedBy: actor,
  })))

  const audit = (action: string, entityType: string, entityId: string, after: unknown): AuditEntry =>
    ({ schoolId, actorAccountId: actor, action, entityType, entityId, after, requestId })
  await writeAudits(tx, [
    ...classes.map((c) => audit('class.created', 'class', c.id, { grade: c.grade, letter: c.letter, academicYearId: c.academicYearId, source: 'import' })),
    ...students.map((s) => audit('person.created', 'person', s.id, { kind: 'student', classId: s.classId, source: 'import' })),
    ...guardians.map((g) => audit('person.created', 'person', g.id, { kind: 'guardian', classId: null, source: 'import' })),
    ...links.map((l) => audit('guardianship.created', 'person', l.studentId, l)),
    ...consents.map((c) => audit('consent.recorded', 'person', c.subjectPersonId, { consentId: c.id, givenBy: c.givenByPersonId, givenAt: c.givenAt.toISOString() })),
    // the names of the fields, never their values: the log is read more widely
    ...sensitive.map((s) => audit('person.sensitive_updated', 'person', s.personId, { fields: ['birthDate'] })),
  ])
  await recordChanges(tx, ctx, movements.map((m): Change => ({
    schoolId, kind: 'movement.recorded', entityType: 'movement', entityId: m.id, before: null, after: m,
    studentId: m.studentId, classId: m.toClassId, payload: { movementId: m.id, kind: 'admission' },
  })))
}

/** What the school already has that a roster is checked against. */
import type { Db } from '../../db/connect.ts'
import { fullKey, fullName } from './normalise.ts'
import type { Setup } from './types.ts'

export interface RosterSnapshot {
  /** the year's classes: label → id */
  classes: Map<string, string>
  /** students enrolled now in the year's classes: classId|full name → id */
  students: Map<string, string>
  guardians: { id: string; key: string; name: string; phone: string | null; email: string | null }[]
  /** guardian|student */
  links: Set<string>
  /** a student's guardians by full name, for guardians given without phone or email */
  guardiansOf: Map<string, Map<string, string>>
  /** active consents: subject|given by */
  consents: Set<string>
}

export async function loadRosterSnapshot(db: Db, setup: Setup): Promise<RosterSnapshot> {
  const schoolId = setup.school.id
  const [classes, students, guardians, links, consents] = await Promise.all([
    db<{ id: string; grade: number; letter: string }[]>`select id, grade, letter from classes where academic_year_id = ${setup.year.id}`,
    db<{ id: string; classId: string; lastName: string; firstName: string; middleName: string | null }[]>`
      select p.id, e.class_id, p.last_name, p.first_name, p.middle_name
      from enrolments e join persons p on p.id = e.student_id join classes c on c.id = e.class_id
      where c.academic_year_id = ${setup.year.id} and e.ended_on is null`,
    db<{ id: string; lastName: string; firstName: string; middleName: string | null; phone: string | null; email: string | null }[]>`
      select id, last_name, first_name, middle_name, phone, email from persons where school_id = ${schoolId} and kind = 'guardian'`,
    db<{ guardianId: string; studentId: string }[]>`
      select g.guardian_id, g.student_id from guardianships g join persons p on p.id = g.student_id where p.school_id = ${schoolId}`,
    db<{ subjectPersonId: string; givenByPersonId: string }[]>`
      select subject_person_id, given_by_person_id from pd_consents where school_id = ${schoolId} and revoked_at is null`,
  ])
  const guardianList = guardians.map((g) => ({ id: g.id, key: fullKey(g), name: fullName(g), phone: g.phone, email: g.email }))
  const byId = new Map(guardianList.map((g) => [g.id, g]))
  const guardiansOf = new Map<string, Map<string, string>>()
  for (const l of links) {
    const g = byId.get(l.guardianId)
    if (!g) continue
    const m = guardiansOf.get(l.studentId) ?? new Map<string, string>()
    m.set(g.key, g.id)
    guardiansOf.set(l.studentId, m)
  }
  return {
    classes: new Map(classes.map((c) => [`${c.grade}${c.letter.toUpperCase()}`, c.id])),
    students: new Map(students.map((s) => [`${s.classId}|${fullKey(s)}`, s.id])),
    guardians: guardianList,
    links: new Set(links.map((l) => `${l.guardianId}|${l.studentId}`)),
    guardiansOf,
    consents: new Set(consents.map((c) => `${c.subjectPersonId}|${c.givenByPersonId}`)),
  }
}

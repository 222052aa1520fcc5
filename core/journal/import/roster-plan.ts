/** The checks of a roster across its rows, and the writes its good rows plan. */
import { randomUUID } from 'node:crypto'
import { zonedInstant } from '../time.ts'
import { fullKey, fullName, type Relation } from './normalise.ts'
import { lineList, type Problems } from './problems.ts'
import type { PersonInput, RosterRow } from './roster-row.ts'
import type { RosterSnapshot } from './roster-snapshot.ts'
import type { Setup } from './types.ts'

export type PersonRow = PersonInput & { id: string; schoolId: string; kind: 'student' | 'guardian' }

/** What one good row writes; entities are created by the first row that needs them. */
export interface RosterOp {
  line: number
  newClass: { id: string; schoolId: string; academicYearId: string; grade: number; letter: string } | null
  newStudent: (PersonRow & { classId: string; movementId: string }) | null
  studentExisting: boolean
  newGuardian: PersonRow | null
  guardianExisting: boolean
  link: { guardianId: string; studentId: string; relation: Relation } | null
  consents: { id: string; subjectPersonId: string; givenByPersonId: string; givenAt: Date }[]
  birthDate: { personId: string; birthDate: string } | null
}

/** A guardian's identity in the file: phone, else full name + email, else full name beside the student. */
const guardianKey = (g: PersonInput) => (g.phone ? `tel:${g.phone}` : g.email ? `mail:${fullKey(g)}|${g.email.toLowerCase()}` : `name:${fullKey(g)}`)

/**
 * Checks that need the other rows and the school's data, then plans the writes of the good
 * rows. Checks: a student twice with the same guardian (a duplicate row), a student's details
 * differing between rows, one phone given for two differently named guardians, a guardian's
 * name and email given with two phones — in the file and against the guardians already in the school.
 */
export function planRoster(rows: readonly RosterRow[], snap: RosterSnapshot, setup: Setup, problems: Problems) {
  // ---- checks over the whole file
  const studentFirst = new Map<string, RosterRow>()
  const guardianSeen = new Map<string, number>() // student key + guardian key → line
  const phoneOwner = new Map<string, { key: string; name: string; line: number }>()
  const nameEmailPhone = new Map<string, { phone: string | null; line: number }>()
  const dbByPhone = new Map<string, (typeof snap.guardians)[number]>()
  const dbByNameEmail = new Map<string, (typeof snap.guardians)[number]>()
  for (const g of snap.guardians) {
    if (g.phone && !dbByPhone.has(g.phone)) dbByPhone.set(g.phone, g)
    if (g.email && !dbByNameEmail.has(`${g.key}|${g.email.toLowerCase()}`)) dbByNameEmail.set(`${g.key}|${g.email.toLowerCase()}`, g)
  }
  for (const r of rows) {
    const sKey = `${r.classLabel}|${fullKey(r.student)}`
    const first = studentFirst.get(sKey)
    if (!first) studentFirst.set(sKey, r)
    else {
      const differs = (['gender', 'phone', 'email'] as const).filter((f) => r.student[f] && first.student[f] && r.student[f] !== first.student[f])
        .map((f) => ({ gender: 'пол', phone: 'телефон', email: 'email' })[f])
      if (r.birthDate && first.birthDate && r.birthDate !== first.birthDate) differs.push('дата рождения')
      if (differs.length) problems.add(r.line, `сведения об ученике (${differs.join(', ')}) расходятся со строкой ${first.line}`)
    }
    const gk = `${sKey}#${r.guardian ? guardianKey(r.guardian) : '-'}`
    const dup = guardianSeen.get(gk)
    if (dup !== undefined) problems.add(r.line, `повторяет строку ${dup}`)
    else guardianSeen.set(gk, r.line)
    const g = r.guardian
    if (!g) continue
    const key = fullKey(g)
    if (g.phone) {
      const owner = phoneOwner.get(g.phone)
      if (owner && owner.key !== key) problems.add(r.line, `телефон представителя ${g.phone} уже указан в строке ${owner.line} для «${owner.name}»`)
      else if (!owner) phoneOwner.set(g.phone, { key, name: fullName(g), line: r.line })
      const inDb = dbByPhone.get(g.phone)
      if (inDb && inDb.key !== key) problems.add(r.line, `телефон представителя ${g.phone} уже записан в школе за «${inDb.name}»`)
    }
    if (g.email) {
      const ne = `${key}|${g.email.toLowerCase()}`
      const seen = nameEmailPhone.get(ne)
      if (seen && seen.phone && g.phone && seen.phone !== g.phone)
        problems.add(r.line, `представитель «${fullName(g)}» с тем же email указан в строке ${seen.line} с другим телефоном (${seen.phone})`)
      else if (!seen) nameEmailPhone.set(ne, { phone: g.phone, line: r.line })
      const inDb = dbByNameEmail.get(ne)
      if (g.phone && inDb?.phone && inDb.phone !== g.phone && !dbByPhone.has(g.phone))
        problems.add(r.line, `представитель «${fullName(g)}» с тем же email уже записан в школе с другим телефоном (${inDb.phone})`)
    }
  }

  // ---- the plan of the good rows
  const schoolId = setup.school.id
  const classes = new Map(snap.classes)
  const students = new Map(snap.students)
  const byPhone = new Map([...dbByPhone].map(([k, g]) => [k, g.id]))
  const byNameEmail = new Map([...dbByNameEmail].map(([k, g]) => [k, g.id]))
  const guardiansOf = new Map([...snap.guardiansOf].map(([k, m]) => [k, new Map(m)]))
  const links = new Set(snap.links)
  const consents = new Set(snap.consents)
  const counted = new Set<string>()
  const known = new Set(snap.guardians.map((g) => g.id))
  const createdStudents = new Map<string, { birthDate: string | null; consent: boolean; stored: boolean; lines: number[] }>()
  const givenAt = new Map<string, Date>() // Intl-based and slow: once per date
  const givenAtOf = (date: string) => givenAt.get(date) ?? givenAt.set(date, zonedInstant(date, '00:00', setup.school.timezone)).get(date)!
  const ops: RosterOp[] = []
  for (const r of rows) {
    if (problems.has(r.line)) continue
    const op: RosterOp = {
      line: r.line, newClass: null, newStudent: null, studentExisting: false, newGuardian: null, guardianExisting: false,
      link: null, consents: [], birthDate: null,
    }
    let classId = classes.get(r.classLabel)
    if (!classId) {
      classId = randomUUID()
      classes.set(r.classLabel, classId)
      op.newClass = { id: classId, schoolId, academicYearId: setup.year.id, grade: r.grade, letter: r.letter }
    }
    const sKey = `${classId}|${fullKey(r.student)}`
    let studentId = students.get(sKey)
    if (!studentId) {
      studentId = randomUUID()
      students.set(sKey, studentId)
      op.newStudent = { id: studentId, schoolId, kind: 'student', ...r.student, classId, movementId: randomUUID() }
      createdStudents.set(studentId, { birthDate: null, consent: false, stored: false, lines: [] })
    } else if (snap.students.get(sKey) === studentId && !counted.has(studentId)) {
      op.studentExisting = true
      counted.add(studentId)
    }
    let guardianId: string | null = null
    const g = r.guardian
    if (g) {
      const key = fullKey(g)
      // the same person: by phone, else by full name and email, else a guardian of this student by full name
      guardianId = (g.phone && byPhone.get(g.phone)) || (g.email && byNameEmail.get(`${key}|${g.email.toLowerCase()}`)) ||
        guardiansOf.get(studentId)?.get(key) || null
      if (!guardianId) {
        guardianId = randomUUID()
        op.newGuardian = { id: guardianId, schoolId, kind: 'guardian', lastName: g.lastName, firstName: g.firstName, middleName: g.middleName, gender: g.gender, phone: g.phone, email: g.email }
        if (g.phone) byPhone.set(g.phone, guardianId)
        if (g.email) byNameEmail.set(`${key}|${g.email.toLowerCase()}`, guardianId)
      } else if (!counted.has(guardianId) && known.has(guardianId)) {
        op.guardianExisting = true
        counted.add(guardianId)
      }
      if (!links.has(`${guardianId}|${studentId}`)) {
        links.add(`${guardianId}|${studentId}`)
        op.link = { guardianId, studentId, relation: g.relation }
        const m = guardiansOf.get(studentId) ?? new Map<string, string>()
        m.set(key, guardianId)
        guardiansOf.set(studentId, m)
      }
    }
    if (r.consentOn) {
      // the guardian signs for the child and for themselves; with no guardian, the student signs
      const givenBy = guardianId ?? studentId
      for (const subject of guardianId ? [studentId, guardianId] : [studentId]) {
        if (consents.has(`${subject}|${givenBy}`)) continue
        consents.add(`${subject}|${givenBy}`)
        op.consents.push({ id: randomUUID(), subjectPersonId: subject, givenByPersonId: givenBy, givenAt: givenAtOf(r.consentOn) })
      }
    }
    // a birth date is sensitive: stored only for a student created here, once a consent is on record
    const created = createdStudents.get(studentId)
    if (created) {
      created.birthDate ??= r.birthDate
      created.consent ||= !!r.consentOn
      if (r.birthDate) created.lines.push(r.line)
      if (created.birthDate && created.consent && !created.stored) {
        created.stored = true
        op.birthDate = { personId: studentId, birthDate: created.birthDate }
      }
    }
    ops.push(op)
  }
  const unstored = [...createdStudents.values()].filter((s) => s.birthDate && !s.stored).flatMap((s) => s.lines).sort((a, b) => a - b)
  const warnings = unstored.length
    ? [`дата рождения не сохранена без согласия на обработку ПДн (строки ${lineList(unstored)}) / birth dates not stored without a recorded consent`]
    : []
  return { ops, warnings }
}

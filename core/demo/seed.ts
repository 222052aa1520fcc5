/**
 * The demo school: classes 1А–11Б with about 25 students each, their guardians, teachers with a
 * class teacher per class, an admin, a director, a deputy, a secretary and a moderator; and its
 * journal (journal.ts): the year's calendar, curriculum, timetable and four school weeks of
 * lessons with homework, marks and attendance.
 * Names are generated deterministically; passwords are random and written once to
 * DATA_DIR/demo-credentials.json (mode 0600) for a sample of each role.
 */
import { randomUUID } from 'node:crypto'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { writeAudit } from '../audit/audit.ts'
import { createAccountFor, fullName, LINK_CODE_TTL_DAYS } from '../auth/credentials.ts'
import { generateLinkCode, sha256 } from '../auth/tokens.ts'
import { generatePassword, hashPassword } from '../auth/passwords.ts'
import type { Role } from '../auth/policy.ts'
import type { Config } from '../config/config.ts'
import type { Sql, Tx } from '../db/connect.ts'
import { localDate } from '../journal/time.ts'
import { transliterate } from '../people/translit.ts'
import { insertRows } from '../db/insert-rows.ts'
import { planDemoJournal, seedDemoJournal, type DemoJournalCounts } from './journal.ts'
import { createRng, randomFamily, randomPerson, randomPhone, type PersonName } from './names.ts'

export const DEMO_SCHOOL_NAME = 'МБОУ «Средняя общеобразовательная школа № 7»'
export const DEMO_TIMEZONE = 'Europe/Moscow'
const LETTERS = ['А', 'Б'] as const
/**
 * The school year containing `now` in the school's time zone: 1 September to 31 August (so in
 * August the demo shows the year just taught, with its last weeks of lessons).
 */
export function schoolYearOf(now: Date, timeZone = DEMO_TIMEZONE): { name: string; startsOn: string; endsOn: string } {
  const [year, month] = localDate(now, timeZone).split('-').map(Number) as [number, number]
  const y = month >= 9 ? year : year - 1
  return { name: `${y}/${y + 1}`, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31` }
}

// a type alias, not an interface, so rows fit the generic insertRows
type PersonRow = {
  id: string
  schoolId: string
  kind: 'student' | 'guardian' | 'staff'
  lastName: string
  firstName: string
  middleName: string | null
  gender: 'male' | 'female'
  phone: string | null
  email: string | null
}

export interface DemoAccount {
  role: Role
  login: string
  password: string
  /** `/start CODE` in the bot links a chat to this person */
  telegramCode: string
  fullName: string
  personId: string
  note: string
}

export interface DemoResult {
  schoolId: string
  schoolName: string
  credentialsFile: string
  counts: { classes: number; students: number; guardians: number; staff: number }
  /** what the journal generation wrote */
  journal: DemoJournalCounts
  accounts: DemoAccount[]
}

export async function seedDemoIfEmpty(sql: Sql, config: Config): Promise<DemoResult | null> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from schools`
  return row && row.n > 0 ? null : seedDemo(sql, config)
}

const JOURNAL_NOTE = 'в журнале — уроки за последние четыре недели с отметками, посещаемостью и домашними заданиями'
const JOURNAL_NOTE_GRADE_1 = 'в журнале — уроки за последние четыре недели с темами и посещаемостью (в 1 классе без отметок и домашних заданий)'

function demoEmail(p: PersonName, rng: () => number): string {
  return `${transliterate(p.firstName)}.${transliterate(p.lastName)}${Math.floor(rng() * 90 + 10)}@example.ru`
}

export async function seedDemo(sql: Sql, config: Config, seed = 7, now = new Date()): Promise<DemoResult> {
  const rng = createRng(seed)
  const schoolId = randomUUID()
  const year = { id: randomUUID(), schoolId, ...schoolYearOf(now) }
  const YEAR_START = year.startsOn
  const persons: PersonRow[] = []
  const person = (kind: PersonRow['kind'], n: PersonName, contacts = false): PersonRow => {
    const row: PersonRow = {
      id: randomUUID(), schoolId, kind, lastName: n.lastName, firstName: n.firstName, middleName: n.middleName,
      gender: n.gender, phone: contacts ? randomPhone(rng) : null, email: contacts && rng() < 0.6 ? demoEmail(n, rng) : null,
    }
    persons.push(row)
    return row
  }

  // Staff: leadership and 44 teachers (most Russian teachers are women)
  const admin = person('staff', randomPerson(rng, 'male'), true)
  const director = person('staff', randomPerson(rng, 'female'), true)
  const deputy = person('staff', randomPerson(rng, 'female'), true)
  const secretary = person('staff', randomPerson(rng, 'female'), true)
  const moderator = person('staff', randomPerson(rng, 'female'), true)
  const teachers = Array.from({ length: 44 }, () => person('staff', randomPerson(rng, rng() < 0.82 ? 'female' : 'male'), true))

  // Classes 1А–11Б, each with a class teacher
  const classes: { id: string; schoolId: string; academicYearId: string; grade: number; letter: string; classTeacherId: string; size: number }[] = []
  for (let grade = 1; grade <= 11; grade++) {
    for (const letter of LETTERS) {
      const teacher = teachers[classes.length]!
      classes.push({ id: randomUUID(), schoolId, academicYearId: year.id, grade, letter, classTeacherId: teacher.id, size: 23 + Math.floor(rng() * 5) })
    }
  }

  // Families fill the classes; siblings study in different classes
  const seats = classes.map((c) => ({ classId: c.id, grade: c.grade, free: c.size }))
  const enrolments: { studentId: string; classId: string; startedOn: string }[] = []
  const guardianships: { guardianId: string; studentId: string; relation: string }[] = []
  const consents: { schoolId: string; subjectPersonId: string; givenByPersonId: string; purpose: string; givenAt: string }[] = []
  const firstChildOf: PersonRow[] = []
  while (seats.some((s) => s.free > 0)) {
    const family = randomFamily(rng)
    const adults: { row: PersonRow; relation: string }[] = []
    if (family.mother) adults.push({ row: person('guardian', family.mother, true), relation: 'mother' })
    if (family.father) adults.push({ row: person('guardian', family.father, true), relation: 'father' })
    if (family.grandmother) adults.push({ row: person('guardian', family.grandmother, true), relation: 'grandmother' })
    const usedGrades = new Set<number>()
    for (const child of family.children) {
      const open = seats.filter((s) => s.free > 0 && !usedGrades.has(s.grade))
      if (!open.length) break
      const seat = open[Math.floor(rng() * open.length)]!
      seat.free--
      usedGrades.add(seat.grade)
      const student = person('student', child, seat.grade >= 7)
      firstChildOf.push(student)
      enrolments.push({ studentId: student.id, classId: seat.classId, startedOn: YEAR_START })
      for (const a of adults) guardianships.push({ guardianId: a.row.id, studentId: student.id, relation: a.relation })
      if (adults[0]) {
        consents.push({
          schoolId, subjectPersonId: student.id, givenByPersonId: adults[0].row.id,
          purpose: 'Организация образовательного процесса и ведение электронного журнала', givenAt: `${YEAR_START}T09:00:00+03:00`,
        })
      }
    }
    // a family whose children found no seat leaves its adults without wards: drop them
    if (!guardianships.some((g) => adults.some((a) => a.row.id === g.guardianId))) {
      for (const a of adults) persons.splice(persons.indexOf(a.row), 1)
    }
  }

  // The journal's structure, decided before anything is written: the credentials name what the
  // sample teachers teach. Its own PRNG, so the people above stay as they were.
  const classOf = new Map(enrolments.map((e) => [e.studentId, e.classId]))
  const journal = planDemoJournal({
    schoolId, timezone: DEMO_TIMEZONE, year, classes, teacherIds: teachers.map((t) => t.id),
    students: persons.filter((p) => p.kind === 'student').map((p) => ({ id: p.id, classId: classOf.get(p.id)!, lastName: p.lastName, firstName: p.firstName })),
    rng: createRng(seed ^ 0x6a09e667),
  })

  // Accounts for a sample of each role
  const guardiansOf = (studentId: string) => guardianships.filter((g) => g.studentId === studentId).map((g) => g.guardianId)
  const sampleStudents = [1, 5, 9].map((grade) => firstChildOf.find((s) => classes.find((c) => c.id === classOf.get(s.id))?.grade === grade)!)
  const sampleGuardians = sampleStudents.map((s) => persons.find((p) => p.id === guardiansOf(s.id)[0])!)
  const byId = new Map(persons.map((p) => [p.id, p]))
  const classLabel = (classId: string) => { const c = classes.find((x) => x.id === classId)!; return `${c.grade}${c.letter}` }
  const planned: { row: PersonRow; roles: { role: Role; classId?: string }[]; note: string }[] = [
    { row: admin, roles: [{ role: 'admin' }], note: 'администратор школы' },
    { row: director, roles: [{ role: 'director' }], note: 'директор' },
    { row: deputy, roles: [{ role: 'deputy' }], note: 'заместитель директора по УВР' },
    { row: secretary, roles: [{ role: 'secretary' }], note: 'секретарь' },
    { row: moderator, roles: [{ role: 'moderator' }], note: 'модератор форума' },
    ...[0, 9, 16].map((i) => ({
      row: teachers[i]!, roles: [{ role: 'teacher' as Role }, { role: 'class_teacher' as Role, classId: classes[i]!.id }],
      note: `классный руководитель ${classes[i]!.grade}${classes[i]!.letter}; ${journal.teacherNote(teachers[i]!.id)}; ${
        classes[i]!.grade === 1 ? JOURNAL_NOTE_GRADE_1 : JOURNAL_NOTE}`,
    })),
    { row: teachers[30]!, roles: [{ role: 'teacher' }], note: `учитель-предметник: ${journal.teacherNote(teachers[30]!.id)}; ${JOURNAL_NOTE}` },
    ...sampleGuardians.map((g, i) => ({ row: g, roles: [{ role: 'guardian' as Role }], note: `родитель ученика ${classLabel(classOf.get(sampleStudents[i]!.id)!)} класса` })),
    ...sampleStudents.map((s) => ({ row: s, roles: [{ role: 'student' as Role }], note: `ученик ${classLabel(classOf.get(s.id)!)} класса` })),
  ]
  const passwords = planned.map(() => generatePassword())
  const hashes = await Promise.all(passwords.map(hashPassword))

  const accounts: DemoAccount[] = []
  const accountOf = new Map<string, string>()
  const journalCounts = await sql.begin(async (tx: Tx) => {
    await tx`insert into schools (id, name, short_name, timezone, municipality)
             values (${schoolId}, ${DEMO_SCHOOL_NAME}, 'Школа № 7', ${DEMO_TIMEZONE}, 'Городской округ Демо')`
    await insertRows(tx, 'persons', persons)
    await insertRows(tx, 'academic_years', [year])
    await insertRows(tx, 'classes', classes.map(({ size: _size, ...c }) => c))
    await insertRows(tx, 'enrolments', enrolments)
    await insertRows(tx, 'guardianships', guardianships)
    await insertRows(tx, 'pd_consents', consents)
    for (const [i, p] of planned.entries()) {
      const { accountId, login } = await createAccountFor(tx, {
        personId: p.row.id, person: p.row, passwordHash: hashes[i]!,
        roles: p.roles.map((r) => ({ role: r.role, schoolId, classId: r.classId ?? null })),
      })
      accountOf.set(p.row.id, accountId)
      // the bot's deep-link code, as on a credential slip: `/start CODE` links a Telegram chat
      const telegramCode = generateLinkCode()
      await tx`insert into link_codes (code_hash, person_id, purpose, expires_at)
        values (${sha256(telegramCode)}, ${p.row.id}, 'telegram', now() + make_interval(days => ${LINK_CODE_TTL_DAYS}))`
      accounts.push({
        role: p.roles[p.roles.length - 1]!.role, login, password: passwords[i]!, telegramCode,
        fullName: fullName(byId.get(p.row.id)!), personId: p.row.id, note: p.note,
      })
    }
    await writeAudit(tx, {
      schoolId, actorAccountId: null, action: 'demo.seeded', entityType: 'school', entityId: schoolId,
      after: { persons: persons.length, classes: classes.length, accounts: accounts.length },
    })
    return seedDemoJournal(tx, journal, accountOf, now)
  })

  const counts = {
    classes: classes.length,
    students: persons.filter((p) => p.kind === 'student').length,
    guardians: persons.filter((p) => p.kind === 'guardian').length,
    staff: persons.filter((p) => p.kind === 'staff').length,
  }
  mkdirSync(config.dataDir, { recursive: true })
  const credentialsFile = path.join(config.dataDir, 'demo-credentials.json')
  writeFileSync(credentialsFile, JSON.stringify({
    school: { id: schoolId, name: DEMO_SCHOOL_NAME, timezone: DEMO_TIMEZONE },
    howToLogIn: 'POST /v1/auth/login {"login","password"}; the initial password must be changed first (POST /v1/auth/password).',
    howToLinkTelegram: 'send the bot /start <telegramCode> (one-time, 30 days), or open https://t.me/<bot username>?start=<telegramCode>',
    accounts,
  }, null, 2) + '\n', { mode: 0o600 })
  chmodSync(credentialsFile, 0o600) // mode above applies only when the file is new
  return { schoolId, schoolName: DEMO_SCHOOL_NAME, credentialsFile, counts, journal: journalCounts, accounts }
}

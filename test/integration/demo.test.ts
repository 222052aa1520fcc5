import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { verifyAudit } from '../../core/audit/audit.ts'
import { redeemLinkCode } from '../../core/chat/index.ts'
import { testConfig, type Config } from '../../core/config/config.ts'
import { SUBJECTS, WEEKLY_HOURS, type SubjectKey } from '../../core/demo/curriculum.ts'
import { DEMO_BELLS, demoCalendar, isSchoolDay, journalWindow, type DemoCalendar, type JournalWindow } from '../../core/demo/journal.ts'
import { DEMO_SCHOOL_NAME, schoolYearOf, seedDemo, seedDemoIfEmpty, type DemoResult } from '../../core/demo/seed.ts'
import { buildApp } from '../../core/http/app.ts'
import { diary } from '../../core/journal/diary.ts'
import { DEFAULT_WORK_TYPES } from '../../core/journal/setup.ts'
import { addDays, attendanceDueAt, homeworkDueAt, markDueAt, weekday, zonedInstant } from '../../core/journal/time.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

let db: TestDb
let app: FastifyInstance
let config: Config
let dataDir: string
let demo: DemoResult
/**
 * The journal's "now": a fixed Friday morning, 11:05 in Moscow (lessons 1–3 have begun, 4–6
 * have not), so every expectation below is exact whatever the date the tests run on.
 */
const seededAt = new Date('2026-11-20T08:05:00Z')

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'zvonok-demo-'))
  db = await createTestDb()
  config = testConfig({ dataDir })
  demo = await seedDemo(db.sql, config, 7, seededAt)
  app = await buildApp({ config, sql: db.sql })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await db?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const CYRILLIC_NAME = /^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)*$/u

describe('the demo school', () => {
  test('one school with the demo name; the result names it', async () => {
    const schools = await db.sql<{ id: string; name: string; timezone: string }[]>`select id, name, timezone from schools`
    expect(schools).toEqual([{ id: demo.schoolId, name: DEMO_SCHOOL_NAME, timezone: 'Europe/Moscow' }])
    expect(demo.schoolName).toBe(DEMO_SCHOOL_NAME)
  })

  test('22 classes 1А–11Б, each with 23–27 current enrolments and a class teacher on the staff', async () => {
    const classes = await db.sql<{ grade: number; letter: string; students: number; teacherKind: string | null; schoolId: string }[]>`
      select c.grade, c.letter, c.school_id, t.kind::text as teacher_kind,
             (select count(*)::int from enrolments e where e.class_id = c.id and e.ended_on is null) as students
      from classes c left join persons t on t.id = c.class_teacher_id
      order by c.grade, c.letter`
    const expected = Array.from({ length: 11 }, (_, i) => ['А', 'Б'].map((l) => `${i + 1}${l}`)).flat()
    expect(classes.map((c) => `${c.grade}${c.letter}`)).toEqual(expected)
    for (const c of classes) {
      expect(c.schoolId).toBe(demo.schoolId)
      expect(c.students, `${c.grade}${c.letter}`).toBeGreaterThanOrEqual(23)
      expect(c.students, `${c.grade}${c.letter}`).toBeLessThanOrEqual(27)
      expect(c.teacherKind, `class teacher of ${c.grade}${c.letter}`).toBe('staff')
    }
    const [distinctTeachers] = await db.sql<{ n: number }[]>`select count(distinct class_teacher_id)::int as n from classes`
    expect(distinctTeachers!.n).toBe(22)
    expect(demo.counts.classes).toBe(22)
  })

  test('every student is enrolled once, has a guardian and a consent given by one of them', async () => {
    const students = await db.sql<{ id: string; enrolments: number; guardians: number; consents: number; consentByGuardian: boolean }[]>`
      select p.id,
        (select count(*)::int from enrolments e where e.student_id = p.id and e.ended_on is null) as enrolments,
        (select count(*)::int from guardianships g join persons gp on gp.id = g.guardian_id and gp.kind = 'guardian'
          where g.student_id = p.id) as guardians,
        (select count(*)::int from pd_consents c where c.subject_person_id = p.id and c.revoked_at is null) as consents,
        exists (select 1 from pd_consents c join guardianships g on g.guardian_id = c.given_by_person_id and g.student_id = p.id
          where c.subject_person_id = p.id) as consent_by_guardian
      from persons p where p.kind = 'student'`
    expect(students.length).toBe(demo.counts.students)
    expect(students.length).toBeGreaterThanOrEqual(22 * 23)
    expect(students.length).toBeLessThanOrEqual(22 * 27)
    expect(students.filter((s) => s.enrolments !== 1)).toEqual([])
    expect(students.filter((s) => s.guardians < 1)).toEqual([])
    expect(students.filter((s) => s.consents < 1)).toEqual([])
    expect(students.filter((s) => !s.consentByGuardian)).toEqual([])
  })

  test('every guardian has a ward', async () => {
    const orphans = await db.sql`
      select p.id from persons p where p.kind = 'guardian'
        and not exists (select 1 from guardianships g where g.guardian_id = p.id)`
    expect(orphans.length).toBe(0)
    const [n] = await db.sql<{ n: number }[]>`select count(*)::int as n from persons where kind = 'guardian'`
    expect(n!.n).toBe(demo.counts.guardians)
  })

  test('persons have Russian (Cyrillic) names', async () => {
    const persons = await db.sql<{ lastName: string; firstName: string; middleName: string | null; kind: string }[]>`
      select last_name, first_name, middle_name, kind::text from persons`
    expect(persons.length).toBe(demo.counts.students + demo.counts.guardians + demo.counts.staff)
    const bad = persons.filter((p) =>
      !CYRILLIC_NAME.test(p.lastName) || !CYRILLIC_NAME.test(p.firstName) || (p.middleName !== null && !CYRILLIC_NAME.test(p.middleName)))
    expect(bad).toEqual([])
    // patronymics are part of a Russian name: staff and guardians have them
    const [noMiddle] = await db.sql<{ n: number }[]>`select count(*)::int as n from persons where kind <> 'student' and middle_name is null`
    expect(noMiddle!.n).toBe(0)
  })

  test('the staff includes an admin, director, deputy, secretary, moderator and class teachers with accounts of those roles', async () => {
    const roles = await db.sql<{ role: string; kind: string; schoolId: string | null; classId: string | null; classTeacherId: string | null; personId: string }[]>`
      select r.role::text, p.kind::text, r.school_id, r.class_id, c.class_teacher_id, p.id as person_id
      from account_roles r
      join account_persons ap on ap.account_id = r.account_id
      join persons p on p.id = ap.person_id
      left join classes c on c.id = r.class_id`
    for (const role of ['admin', 'director', 'deputy', 'secretary', 'moderator', 'class_teacher', 'teacher']) {
      const held = roles.filter((r) => r.role === role)
      expect(held.length, role).toBeGreaterThanOrEqual(1)
      for (const r of held) {
        expect(r.kind, role).toBe('staff')
        expect(r.schoolId, role).toBe(demo.schoolId)
      }
    }
    // a class teacher's role is scoped to the class whose class teacher they are
    for (const r of roles.filter((x) => x.role === 'class_teacher')) {
      expect(r.classId).not.toBeNull()
      expect(r.classTeacherId).toBe(r.personId)
    }
    for (const r of roles.filter((x) => x.role === 'guardian')) expect(r.kind).toBe('guardian')
    for (const r of roles.filter((x) => x.role === 'student')) expect(r.kind).toBe('student')
  })

  test('every demo account must change its initial password', async () => {
    const rows = await db.sql<{ login: string; mustChangePassword: boolean }[]>`select login, must_change_password from accounts`
    expect(rows.length).toBe(demo.accounts.length)
    expect(rows.every((r) => r.mustChangePassword)).toBe(true)
  })
})

describe('demo-credentials.json', () => {
  const file = () => path.join(dataDir, 'demo-credentials.json')
  const read = () => JSON.parse(readFileSync(file(), 'utf8')) as {
    school: { id: string; name: string }
    accounts: { role: string; login: string; password: string; fullName: string; personId: string }[]
  }

  test('is written to DATA_DIR with mode 0600', () => {
    expect(demo.credentialsFile).toBe(file())
    expect(existsSync(file())).toBe(true)
    expect(statSync(file()).mode & 0o777).toBe(0o600)
  })

  test('lists an account of every demo role, with logins matching the database and no hashes', async () => {
    const creds = read()
    expect(creds.school).toMatchObject({ id: demo.schoolId, name: DEMO_SCHOOL_NAME })
    const roles = new Set(creds.accounts.map((a) => a.role))
    for (const role of ['admin', 'director', 'deputy', 'secretary', 'moderator', 'class_teacher', 'teacher', 'guardian', 'student'])
      expect(roles.has(role), role).toBe(true)
    const logins = (await db.sql<{ login: string }[]>`select login from accounts`).map((r) => r.login).sort()
    expect(creds.accounts.map((a) => a.login).sort()).toEqual(logins)
    expect(readFileSync(file(), 'utf8')).not.toMatch(/\$argon2/)
    for (const a of creds.accounts) expect(a.fullName).toMatch(/^[А-ЯЁа-яё -]+$/u)
  })

  test('each listed account has a one-time Telegram code that links a chat to its person', async () => {
    const creds = read() as ReturnType<typeof read> & { accounts: { telegramCode: string }[] }
    const [first, second] = creds.accounts
    expect(first!.telegramCode).toMatch(/^[A-Z2-9]{12}$/)
    const card = await redeemLinkCode(db.sql, first!.telegramCode, '777001')
    expect(card?.personId).toBe(first!.personId)
    expect(await redeemLinkCode(db.sql, first!.telegramCode, '777002')).toBeNull()
    expect((await redeemLinkCode(db.sql, second!.telegramCode.toLowerCase(), '777002'))?.personId).toBe(second!.personId)
  })

  test('each listed account logs in through the API and must change its password first', async () => {
    const creds = read()
    expect(creds.accounts.length).toBeGreaterThanOrEqual(9)
    for (const [i, a] of creds.accounts.entries()) {
      const res = await app.inject({
        method: 'POST', url: '/v1/auth/login', payload: { login: a.login, password: a.password }, remoteAddress: `10.1.0.${i + 1}`,
      })
      expect(res.statusCode, `${a.role} ${a.login}: ${res.body}`).toBe(200)
      const tokens = res.json()
      expect(tokens.mustChangePassword, a.login).toBe(true)
      const me = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${tokens.accessToken}` } })
      expect(me.statusCode, `${a.login}: ${me.body}`).toBe(403)
      expect(me.json().code).toBe('password_change_required')
    }
  })

  test('a wrong password is refused', async () => {
    const [a] = read().accounts
    const res = await app.inject({
      method: 'POST', url: '/v1/auth/login', payload: { login: a!.login, password: a!.password + 'x' }, remoteAddress: '10.2.0.1',
    })
    expect(res.statusCode).toBe(401)
  })
})

describe('after seeding', () => {
  test('seedDemoIfEmpty does nothing on a database that already has a school', async () => {
    const before = await db.sql<{ n: number }[]>`select (select count(*) from schools)::int + (select count(*) from persons)::int as n`
    expect(await seedDemoIfEmpty(db.sql, config)).toBeNull()
    const after = await db.sql<{ n: number }[]>`select (select count(*) from schools)::int + (select count(*) from persons)::int as n`
    expect(after[0]!.n).toBe(before[0]!.n)
  })

  test('the audit log verifies and records the seeding', async () => {
    const result = await verifyAudit(db.sql)
    expect(result.broken).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.rows).toBeGreaterThanOrEqual(1)
    const [seeded] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where action = 'demo.seeded' and school_id = ${demo.schoolId}`
    expect(seeded!.n).toBe(1)
  })
})

const TZ = 'Europe/Moscow'

describe('the demo calendar', () => {
  test('2026/27: quarters for 1–9, halves for 10–11, a year period each; federal-style holidays and days off', () => {
    const cal = demoCalendar('2026-09-01')
    expect(cal.periods).toEqual([
      { kind: 'quarter', number: 1, gradeFrom: 1, gradeTo: 9, startsOn: '2026-09-01', endsOn: '2026-10-30' },
      { kind: 'quarter', number: 2, gradeFrom: 1, gradeTo: 9, startsOn: '2026-11-09', endsOn: '2026-12-29' },
      { kind: 'quarter', number: 3, gradeFrom: 1, gradeTo: 9, startsOn: '2027-01-09', endsOn: '2027-03-26' },
      { kind: 'quarter', number: 4, gradeFrom: 1, gradeTo: 9, startsOn: '2027-04-05', endsOn: '2027-05-26' },
      { kind: 'half', number: 1, gradeFrom: 10, gradeTo: 11, startsOn: '2026-09-01', endsOn: '2026-12-29' },
      { kind: 'half', number: 2, gradeFrom: 10, gradeTo: 11, startsOn: '2027-01-09', endsOn: '2027-05-26' },
      { kind: 'year', number: 1, gradeFrom: 1, gradeTo: 9, startsOn: '2026-09-01', endsOn: '2027-05-26' },
      { kind: 'year', number: 1, gradeFrom: 10, gradeTo: 11, startsOn: '2026-09-01', endsOn: '2027-05-26' },
    ])
    expect(cal.holidays).toEqual([
      { name: 'Осенние каникулы', startsOn: '2026-10-31', endsOn: '2026-11-08', gradeFrom: 1, gradeTo: 11 },
      { name: 'Зимние каникулы', startsOn: '2026-12-30', endsOn: '2027-01-08', gradeFrom: 1, gradeTo: 11 },
      { name: 'Дополнительные каникулы для первоклассников', startsOn: '2027-02-20', endsOn: '2027-02-28', gradeFrom: 1, gradeTo: 1 },
      { name: 'День защитника Отечества', startsOn: '2027-02-23', endsOn: '2027-02-23', gradeFrom: 1, gradeTo: 11 },
      { name: 'Международный женский день', startsOn: '2027-03-08', endsOn: '2027-03-08', gradeFrom: 1, gradeTo: 11 },
      { name: 'Весенние каникулы', startsOn: '2027-03-27', endsOn: '2027-04-04', gradeFrom: 1, gradeTo: 11 },
      { name: 'Праздник Весны и Труда (перенос выходного дня)', startsOn: '2027-05-03', endsOn: '2027-05-03', gradeFrom: 1, gradeTo: 11 },
      { name: 'День Победы (перенос выходного дня)', startsOn: '2027-05-10', endsOn: '2027-05-10', gradeFrom: 1, gradeTo: 11 },
      { name: 'Летние каникулы', startsOn: '2027-05-27', endsOn: '2027-08-31', gradeFrom: 1, gradeTo: 11 },
    ])
    // grade 1 alone has the February week off
    expect(isSchoolDay(cal, '2027-02-24', 1)).toBe(false)
    expect(isSchoolDay(cal, '2027-02-24', 2)).toBe(true)
    expect(isSchoolDay(cal, '2026-11-05', 7)).toBe(false)
    expect(isSchoolDay(cal, '2026-11-07', 7)).toBe(false)
    expect(isSchoolDay(cal, '2026-11-09', 7)).toBe(true)
  })

  test('the window: 20 school days before today from their Monday, six school days ahead; the end of the teaching year in summer', () => {
    const cal = demoCalendar('2026-09-01')
    // Sunday 22 November: back over the autumn holidays to Monday 19 October
    expect(journalWindow(cal, new Date('2026-11-22T09:00:00Z'), TZ)).toEqual({ from: '2026-10-19', today: '2026-11-22', to: '2026-11-30' })
    // Wednesday 25 November: the 20th school day back is Wednesday 21 October
    expect(journalWindow(cal, new Date('2026-11-25T09:00:00Z'), TZ)).toEqual({ from: '2026-10-19', today: '2026-11-25', to: '2026-12-03' })
    // the last day before the winter holidays: ahead means after them
    expect(journalWindow(cal, new Date('2026-12-29T10:00:00Z'), TZ)).toEqual({ from: '2026-11-30', today: '2026-12-29', to: '2027-01-18' })
    // early September: from the first day
    expect(journalWindow(cal, new Date('2026-09-03T09:00:00Z'), TZ)).toEqual({ from: '2026-09-01', today: '2026-09-03', to: '2026-09-11' })
    // July: the last 20 school days of the teaching year (27 April – 26 May, with the May days off)
    expect(journalWindow(cal, new Date('2027-07-10T09:00:00Z'), TZ)).toEqual({ from: '2027-04-26', today: '2027-07-10', to: '2027-05-26' })
  })

  test('the school year is the one containing the date in Moscow, so August still belongs to the year just taught', () => {
    // 23:00 in Moscow on 31 August, then 00:30 on 1 September while UTC is still in August
    expect(schoolYearOf(new Date('2026-08-31T20:00:00Z'))).toEqual({ name: '2025/2026', startsOn: '2025-09-01', endsOn: '2026-08-31' })
    expect(schoolYearOf(new Date('2026-08-31T21:30:00Z'))).toEqual({ name: '2026/2027', startsOn: '2026-09-01', endsOn: '2027-08-31' })
    expect(schoolYearOf(new Date('2027-01-15T10:00:00Z'))).toEqual({ name: '2026/2027', startsOn: '2026-09-01', endsOn: '2027-08-31' })
  })
})

/** memoised: time.ts builds a date formatter per call, and these run over every entry */
function memo<A extends (string | number)[]>(fn: (...args: A) => Date): (...args: A) => Date {
  const cache = new Map<string, Date>()
  return (...args: A) => {
    const k = args.join(' ')
    if (!cache.has(k)) cache.set(k, fn(...args))
    return cache.get(k)!
  }
}
const markDue = memo((date: string, days: number) => markDueAt(date, days, TZ))
const attendanceDue = memo((date: string) => attendanceDueAt(date, TZ))
const bellAt = memo((date: string, time: string) => zonedInstant(date, time, TZ))

describe('the demo journal', () => {
  let cal: DemoCalendar
  let win: JournalWindow
  let classes: { id: string; grade: number; letter: string; classTeacherId: string }[]
  const label = (classId: string) => { const c = classes.find((x) => x.id === classId)!; return `${c.grade}${c.letter}` }

  beforeAll(async () => {
    const [y] = await db.sql<{ startsOn: string }[]>`select starts_on from academic_years where school_id = ${demo.schoolId}`
    cal = demoCalendar(y!.startsOn)
    win = journalWindow(cal, seededAt, TZ)
    classes = await db.sql`select id, grade, letter, class_teacher_id from classes order by grade, letter`
  })

  /** lessons already begun, with how many students each has (the class, or the subgroup) */
  const heldLessons = () => db.sql<{ id: string; grade: number; students: number }[]>`
    select l.id, c.grade,
      case when l.subgroup_id is null then (select count(*)::int from enrolments e where e.class_id = l.class_id and e.ended_on is null)
           else (select count(*)::int from subgroup_members sm where sm.subgroup_id = l.subgroup_id and sm.ended_on is null) end as students
    from lessons l join classes c on c.id = l.class_id where l.starts_at <= ${seededAt}`

  test('the year has its quarters, halves, year periods and holidays; the school has the default work types', async () => {
    const json = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort()
    const periods = await db.sql`select kind::text, number, grade_from, grade_to, starts_on, ends_on from periods where school_id = ${demo.schoolId}`
    expect(json(periods)).toEqual(json(cal.periods))
    const holidays = await db.sql`select name, starts_on, ends_on, grade_from, grade_to from holidays where school_id = ${demo.schoolId}`
    expect(json(holidays)).toEqual(json(cal.holidays))
    const workTypes = await db.sql`select name, weight::float8 as weight, deadline_days, is_default from work_types where school_id = ${demo.schoolId}`
    expect(json(workTypes)).toEqual(json(DEFAULT_WORK_TYPES.map((w) => ({ ...w }))))
    const bells = await db.sql`select number, starts_at::text, ends_at::text from bells where school_id = ${demo.schoolId} and shift = 1 order by number`
    expect(bells).toEqual(DEMO_BELLS.map(([a, b], i) => ({ number: i + 1, startsAt: `${a}:00`, endsAt: `${b}:00` })))
    expect(win).toEqual({ from: '2026-10-12', today: '2026-11-20', to: '2026-11-30' })
    expect(demo.journal).toMatchObject({ from: win.from, to: win.to })
  })

  test('each class has a weekly timetable: its curriculum hours, 4–7 lessons a day without gaps, English in two subgroups with two teachers', async () => {
    const slots = await db.sql<{ classId: string; subgroupId: string | null; subject: string; teacherId: string; weekday: number; lessonNumber: number; room: string | null }[]>`
      select a.class_id, a.subgroup_id, sj.name as subject, a.teacher_id, s.weekday, s.lesson_number, s.room
      from timetable_slots s join teaching_assignments a on a.id = s.assignment_id join subjects sj on sj.id = a.subject_id`
    expect(classes.length).toBe(22)
    for (const c of classes) {
      const own = slots.filter((s) => s.classId === c.id)
      const curriculum = Object.entries(WEEKLY_HOURS[c.grade]!) as [SubjectKey, number][]
      const hours = curriculum.reduce((sum, [, h]) => sum + h, 0)
      expect(new Set(own.map((s) => `${s.weekday}/${s.lessonNumber}`)).size, label(c.id)).toBe(hours)
      for (const [key, h] of curriculum) {
        const ofSubject = own.filter((s) => s.subject === SUBJECTS[key].name)
        const split = key === 'eng' && c.grade >= 2
        expect(ofSubject.length, `${label(c.id)} ${key}`).toBe(split ? 2 * h : h)
        if (split) {
          const [g1, g2] = [...new Set(ofSubject.map((s) => s.subgroupId))]
          expect(g1 && g2, `${label(c.id)} subgroups`).toBeTruthy()
          expect(new Set(ofSubject.map((s) => s.teacherId)).size).toBe(2)
          const places = (g: string | null | undefined) => ofSubject.filter((s) => s.subgroupId === g).map((s) => `${s.weekday}/${s.lessonNumber}`).sort()
          expect(places(g1)).toEqual(places(g2))
        } else {
          expect(ofSubject.every((s) => s.subgroupId === null)).toBe(true)
        }
      }
      for (let d = 1; d <= 5; d++) {
        const numbers = [...new Set(own.filter((s) => s.weekday === d).map((s) => s.lessonNumber))].sort((a, b) => a - b)
        expect(numbers, `${label(c.id)} day ${d}`).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1))
        expect(numbers.length).toBeGreaterThanOrEqual(4)
        expect(numbers.length).toBeLessThanOrEqual(7)
      }
      expect(own.filter((s) => s.weekday > 5 || s.room === null)).toEqual([])
    }
    // the subgroups split each class from grade 2 in halves
    const members = await db.sql<{ classId: string; n: number; students: number }[]>`
      select g.class_id, count(sm.id)::int as n, (select count(*)::int from enrolments e where e.class_id = g.class_id) as students
      from subgroups g join subgroup_members sm on sm.subgroup_id = g.id group by g.id`
    expect(members.length).toBe(20 * 2)
    for (const m of members) expect(Math.abs(m.n - m.students / 2)).toBeLessThanOrEqual(0.5)
  })

  test('every one of the 44 teachers has a load of 8–24 hours; no teacher is in two places at once', async () => {
    const loads = await db.sql<{ teacherId: string; hours: number }[]>`
      select a.teacher_id, count(*)::int as hours from timetable_slots s join teaching_assignments a on a.id = s.assignment_id group by 1`
    expect(loads.length).toBe(44)
    expect(loads.filter((l) => l.hours < 8 || l.hours > 24)).toEqual([])
    const slotClash = await db.sql`
      select a.teacher_id, s.weekday, s.lesson_number from timetable_slots s join teaching_assignments a on a.id = s.assignment_id
      group by 1, 2, 3 having count(*) > 1`
    expect(slotClash).toEqual([])
    const lessonClash = await db.sql`select teacher_id, starts_at from lessons group by 1, 2 having count(*) > 1`
    expect(lessonClash).toEqual([])
    const taughtClash = await db.sql`
      select coalesce(substitute_teacher_id, teacher_id), starts_at from lessons group by 1, 2 having count(*) > 1`
    expect(taughtClash).toEqual([])
    const subs = await db.sql<{ teacherId: string; substituteTeacherId: string; recordedAt: Date; startsAt: Date; date: string }[]>`
      select teacher_id, substitute_teacher_id, substitute_recorded_at as recorded_at, starts_at, date from lessons where substitute_teacher_id is not null`
    expect(subs.length).toBe(demo.journal.substitutions)
    for (const s of subs) {
      expect(s.substituteTeacherId).not.toBe(s.teacherId)
      expect(s.recordedAt.getTime()).toBeLessThan(s.startsAt.getTime())
      expect(s.date < win.today).toBe(true)
    }
  })

  test('each class has a lesson per slot on every school day of the window and on no other day, with bells, slots and plan topics as the services set them', async () => {
    const lessons = await db.sql<{
      id: string; classId: string; assignmentId: string; date: string; lessonNumber: number; startsAt: Date; endsAt: Date; slotId: string | null
      slotDate: string | null; topic: string | null; status: string; planTopic: string | null; planNumber: number | null; planAssignmentId: string | null; rank: number
    }[]>`
      select l.id, l.class_id, l.assignment_id, l.date, l.lesson_number, l.starts_at, l.ends_at, l.slot_id, l.slot_date, l.topic, l.status::text,
        pt.topic as plan_topic, pt.number as plan_number, pt.assignment_id as plan_assignment_id,
        row_number() over (partition by l.assignment_id order by l.date, l.lesson_number)::int as rank
      from lessons l left join plan_topics pt on pt.id = l.plan_topic_id`
    const gradeOf = new Map(classes.map((c) => [c.id, c.grade]))
    const bad = lessons.filter((l) =>
      l.date < win.from || l.date > win.to || !isSchoolDay(cal, l.date, gradeOf.get(l.classId)!) || l.slotId === null || l.slotDate !== l.date ||
      l.status !== 'planned' || l.startsAt.getTime() !== bellAt(l.date, DEMO_BELLS[l.lessonNumber - 1]![0]).getTime() ||
      l.endsAt.getTime() !== bellAt(l.date, DEMO_BELLS[l.lessonNumber - 1]![1]).getTime() ||
      l.topic === null || l.topic !== l.planTopic || l.planNumber !== l.rank || l.planAssignmentId !== l.assignmentId)
    expect(bad).toEqual([])
    // the expected number from the weekly timetable and the calendar
    const perDay = await db.sql<{ classId: string; weekday: number; n: number }[]>`
      select a.class_id, s.weekday, count(*)::int as n from timetable_slots s join teaching_assignments a on a.id = s.assignment_id group by 1, 2`
    for (const c of classes) {
      let expected = 0
      for (let d = win.from; d <= win.to; d = addDays(d, 1)) {
        if (isSchoolDay(cal, d, c.grade)) expected += perDay.find((p) => p.classId === c.id && p.weekday === weekday(d))?.n ?? 0
      }
      expect(lessons.filter((l) => l.classId === c.id).length, label(c.id)).toBe(expected)
      expect(expected, label(c.id)).toBeGreaterThan(0)
    }
    expect(lessons.length).toBe(demo.journal.lessons)
    // real topics, not «Урок N»: the main subjects have at least ten different ones across the school
    expect(lessons.filter((l) => /^Урок\b/.test(l.topic ?? ''))).toEqual([])
    const topics = await db.sql<{ subject: string; n: number }[]>`
      select sj.name as subject, count(distinct l.topic)::int as n from lessons l join subjects sj on sj.id = l.subject_id group by 1`
    for (const name of ['Русский язык', 'Математика', 'Алгебра', 'Литература', 'Английский язык', 'История'])
      expect(topics.find((t) => t.subject === name)?.n, name).toBeGreaterThanOrEqual(10)
  })

  test('today’s lessons that have begun carry entries; the later ones and the week ahead are planned, with nothing entered', async () => {
    const [t] = await db.sql<{ begun: number; later: number; ahead: number; entriesNotBegun: number; todayAttendance: number }[]>`
      select count(*) filter (where l.date = ${win.today} and l.starts_at <= ${seededAt})::int as begun,
        count(*) filter (where l.date = ${win.today} and l.starts_at > ${seededAt})::int as later,
        count(*) filter (where l.date > ${win.today})::int as ahead,
        (select count(*)::int from lessons n where n.starts_at > ${seededAt} and (
          exists (select 1 from marks m where m.lesson_id = n.id) or exists (select 1 from attendance a where a.lesson_id = n.id)
          or exists (select 1 from homework h where h.lesson_id = n.id))) as entries_not_begun,
        (select count(*)::int from attendance a join lessons x on x.id = a.lesson_id where x.date = ${win.today}) as today_attendance
      from lessons l`
    expect(t!.begun).toBeGreaterThan(22 * 2)
    expect(t!.later).toBeGreaterThan(22)
    expect(t!.ahead).toBeGreaterThan(22 * 4 * 5)
    expect(t!.entriesNotBegun).toBe(0)
    expect(t!.todayAttendance).toBeGreaterThan(0)
  })

  test('grade 1 has lessons and attendance but no marks and no homework', async () => {
    const [g1] = await db.sql<{ lessons: number; marks: number; homework: number; attendance: number }[]>`
      select (select count(*)::int from lessons l join classes c on c.id = l.class_id where c.grade = 1) as lessons,
        (select count(*)::int from marks m join lessons l on l.id = m.lesson_id join classes c on c.id = l.class_id where c.grade = 1) as marks,
        (select count(*)::int from homework h join lessons l on l.id = h.lesson_id join classes c on c.id = l.class_id where c.grade = 1) as homework,
        (select count(*)::int from attendance a join lessons l on l.id = a.lesson_id join classes c on c.id = l.class_id where c.grade = 1) as attendance`
    expect(g1!.marks).toBe(0)
    expect(g1!.homework).toBe(0)
    expect(g1!.lessons).toBeGreaterThan(0)
    expect(g1!.attendance).toBeGreaterThan(0)
  })

  test('marks: 1–5 with their work type’s weight, mostly 4s and 5s, 0.3–0.5 per student and lesson, entered by the teacher near the lesson and flagged late by time.ts', async () => {
    const marks = await db.sql<{
      value: number | null; passed: boolean | null; weight: number; typeWeight: number; workType: string; deadlineDays: number; topic: string
      date: string; startsAt: Date; enteredAt: Date; late: boolean; enteredBy: string | null; teacherAccount: string | null; subject: string
    }[]>`
      select m.value, m.passed, m.weight::float8 as weight, w.weight::float8 as type_weight, w.name as work_type, w.deadline_days, l.topic,
        l.date, l.starts_at, m.entered_at, m.late, m.entered_by, sj.name as subject,
        (select ap.account_id from account_persons ap where ap.person_id = coalesce(l.substitute_teacher_id, l.teacher_id)) as teacher_account
      from marks m join work_types w on w.id = m.work_type_id join lessons l on l.id = m.lesson_id join subjects sj on sj.id = l.subject_id`
    expect(marks.length).toBe(demo.journal.marks)
    expect(marks.filter((m) => m.value === null || m.value < 1 || m.value > 5 || m.passed !== null || m.weight !== m.typeWeight)).toEqual([])
    const share = (v: number) => marks.filter((m) => m.value === v).length / marks.length
    expect(share(4) + share(5)).toBeGreaterThan(0.7)
    expect(share(3)).toBeGreaterThan(0.1)
    expect(share(2)).toBeGreaterThan(0)
    expect(share(2)).toBeLessThan(0.06)
    const types = new Set(marks.map((m) => m.workType))
    for (const t of ['Ответ на уроке', 'Самостоятельная работа', 'Проверочная работа', 'Контрольная работа', 'Домашняя работа']) expect(types.has(t), t).toBe(true)
    // контрольные on the days the plan says so
    expect(marks.filter((m) => m.workType === 'Контрольная работа' && !/^Контрольн/.test(m.topic))).toEqual([])
    // ungraded subjects get none
    expect(marks.filter((m) => m.subject === SUBJECTS.orkse.name || m.subject === SUBJECTS.project.name)).toEqual([])
    // entered after the lesson began, by now, by the teacher's account when they have one; late exactly past the deadline
    expect(marks.filter((m) => m.enteredAt < m.startsAt || m.enteredAt > seededAt)).toEqual([])
    expect(marks.filter((m) => m.enteredBy !== m.teacherAccount)).toEqual([])
    expect(marks.some((m) => m.enteredBy !== null)).toBe(true)
    expect(marks.filter((m) => m.late !== m.enteredAt > markDue(m.date, m.deadlineDays))).toEqual([])
    const late = marks.filter((m) => m.late).length
    expect(late / marks.length).toBeLessThan(0.1)
    // how many: per student and lesson held in grades 2–11
    const held = (await heldLessons()).filter((l) => l.grade >= 2)
    const perStudentLesson = marks.length / held.reduce((s, l) => s + l.students, 0)
    expect(late).toBeGreaterThan(0)
    expect(perStudentLesson).toBeGreaterThanOrEqual(0.3)
    expect(perStudentLesson).toBeLessThanOrEqual(0.5)
  })

  test('homework: on most lessons of grades 2–11, due at the assignment’s next lesson, with pages and exercises, flagged late by time.ts', async () => {
    const homework = await db.sql<{
      lessonId: string; text: string; pages: string | null; exercises: string | null; dueLessonId: string | null; dueOn: string | null
      nextId: string | null; nextDate: string | null; enteredAt: Date; startsAt: Date; late: boolean; lastEnd: Date; enteredBy: string | null; teacherAccount: string | null
    }[]>`
      select h.lesson_id, h.text, h.pages, h.exercises, h.due_lesson_id, h.due_on, h.entered_at, h.late, h.entered_by, l.starts_at,
        n.id as next_id, n.date as next_date,
        (select max(d.ends_at) from lessons d where d.class_id = l.class_id and d.date = l.date and d.status = 'planned') as last_end,
        (select ap.account_id from account_persons ap where ap.person_id = coalesce(l.substitute_teacher_id, l.teacher_id)) as teacher_account
      from homework h join lessons l on l.id = h.lesson_id
      left join lateral (select n.id, n.date from lessons n where n.assignment_id = l.assignment_id and n.status = 'planned'
        and (n.date, n.lesson_number) > (l.date, l.lesson_number) order by n.date, n.lesson_number limit 1) n on true`
    expect(homework.length).toBe(demo.journal.homework)
    expect(homework.filter((h) => h.dueLessonId !== h.nextId || h.dueOn !== h.nextDate)).toEqual([])
    // lessons are laid out six school days ahead, so the latest homework has its due lesson too
    expect(homework.filter((h) => h.dueLessonId !== null).length / homework.length).toBeGreaterThan(0.95)
    expect(homework.filter((h) => h.text.length < 10 || h.enteredAt < h.startsAt || h.enteredAt > seededAt)).toEqual([])
    expect(homework.filter((h) => h.late !== h.enteredAt > homeworkDueAt(h.lastEnd))).toEqual([])
    expect(homework.some((h) => h.late)).toBe(true)
    expect(homework.filter((h) => h.enteredBy !== h.teacherAccount)).toEqual([])
    expect(homework.filter((h) => h.pages !== null).length / homework.length).toBeGreaterThan(0.5)
    expect(homework.filter((h) => h.exercises !== null).length / homework.length).toBeGreaterThan(0.3)
    const held = (await heldLessons()).filter((l) => l.grade >= 2)
    expect(homework.length / held.length).toBeGreaterThan(0.6)
  })

  test('attendance: 5–7% of student-lessons, every kind, runs of illness over consecutive days, reasons partly confirmed by the class teacher', async () => {
    const rows = await db.sql<{
      kind: string; reason: string | null; confirmedAt: Date | null; confirmedBy: string | null; enteredAt: Date; late: boolean; studentId: string
      date: string; startsAt: Date; enteredBy: string | null; teacherAccount: string | null; classTeacherAccount: string | null; grade: number
    }[]>`
      select a.kind::text, a.reason, a.reason_confirmed_at as confirmed_at, a.reason_confirmed_by as confirmed_by, a.entered_at, a.late,
        a.student_id, l.date, l.starts_at, a.entered_by, c.grade,
        (select ap.account_id from account_persons ap where ap.person_id = coalesce(l.substitute_teacher_id, l.teacher_id)) as teacher_account,
        (select ap.account_id from account_persons ap where ap.person_id = c.class_teacher_id) as class_teacher_account
      from attendance a join lessons l on l.id = a.lesson_id join classes c on c.id = l.class_id`
    expect(rows.length).toBe(demo.journal.attendance)
    const held = await heldLessons()
    const ratio = rows.length / held.reduce((s, l) => s + l.students, 0)
    expect(ratio).toBeGreaterThanOrEqual(0.05)
    expect(ratio).toBeLessThanOrEqual(0.07)
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['absent', 'ill', 'excused', 'late']))
    const confirmed = rows.filter((r) => r.confirmedAt !== null)
    expect(confirmed.length).toBeGreaterThan(0)
    expect(confirmed.length).toBeLessThan(rows.length)
    expect(confirmed.filter((r) => !['ill', 'excused'].includes(r.kind) || r.reason === null || r.confirmedBy !== r.classTeacherAccount ||
      r.confirmedAt! <= r.enteredAt || r.confirmedAt! > seededAt)).toEqual([])
    expect(rows.filter((r) => r.enteredAt < r.startsAt || r.enteredAt > seededAt || r.enteredBy !== r.teacherAccount)).toEqual([])
    expect(rows.filter((r) => r.late !== r.enteredAt > attendanceDue(r.date))).toEqual([])
    // someone was ill three school days in a row
    const illDays = new Map<string, Set<string>>()
    for (const r of rows.filter((x) => x.kind === 'ill')) illDays.set(r.studentId, (illDays.get(r.studentId) ?? new Set()).add(`${r.grade}/${r.date}`))
    const nextSchoolDay = (grade: number, d: string) => {
      let x = addDays(d, 1)
      while (x <= cal.lastDay && !isSchoolDay(cal, x, grade)) x = addDays(x, 1)
      return x
    }
    const runs = [...illDays.values()].filter((days) => [...days].some((gd) => {
      const [g, d] = gd.split('/') as [string, string]
      const d2 = nextSchoolDay(Number(g), d)
      return days.has(`${g}/${d2}`) && days.has(`${g}/${nextSchoolDay(Number(g), d2)}`)
    }))
    expect(runs.length).toBeGreaterThan(5)
    expect(rows.filter((r) => r.kind === 'ill').length).toBeGreaterThan(rows.length / 2)
  })

  test('the diary of a demo student over the last school week shows lessons with topics, homework and marks, and the averages of the quarter', async () => {
    // the last five school days before today (or fewer at the very start of the year)
    const schoolDays: string[] = []
    for (let d = addDays(win.today, -1); d >= win.from && schoolDays.length < 5; d = addDays(d, -1)) if (isSchoolDay(cal, d, 9)) schoolDays.push(d)
    expect(schoolDays.length).toBeGreaterThan(0)
    const [to, from] = [schoolDays[0]!, schoolDays[schoolDays.length - 1]!]
    const [student] = await db.sql<{ studentId: string; classId: string }[]>`
      select m.student_id, l.class_id from marks m join lessons l on l.id = m.lesson_id join classes c on c.id = l.class_id
      where c.grade = 9 and l.date between ${from} and ${to} group by 1, 2 order by count(*) desc, 1 limit 1`
    const d = await diary(db.sql, student!.studentId, from, to)
    type DiaryLesson = { lessonId: string; topic: string | null; homework: { text: string } | null; homeworkDue: unknown[]; marks: { value: number; weight: number }[] }
    const lessons = d.days.flatMap((x) => x.lessons) as unknown as DiaryLesson[]
    const [expected] = await db.sql<{ lessons: number; homework: number; due: number; marks: number }[]>`
      with mine as (
        select l.id from lessons l where l.class_id = ${student!.classId} and l.date between ${from} and ${to}
          and (l.subgroup_id is null or exists (select 1 from subgroup_members sm where sm.subgroup_id = l.subgroup_id and sm.student_id = ${student!.studentId})))
      select (select count(*)::int from mine) as lessons,
        (select count(*)::int from homework h where h.lesson_id in (select id from mine)) as homework,
        (select count(*)::int from homework h where h.due_lesson_id in (select id from mine)) as due,
        (select count(*)::int from marks m where m.student_id = ${student!.studentId} and m.lesson_id in (select id from mine)) as marks`
    expect(lessons.length).toBe(expected!.lessons)
    expect(lessons.length).toBeGreaterThanOrEqual(5 * schoolDays.length)
    expect(lessons.filter((l) => !l.topic || /^Урок\b/.test(l.topic))).toEqual([])
    expect(lessons.filter((l) => l.homework !== null).length).toBe(expected!.homework)
    expect(expected!.homework).toBeGreaterThanOrEqual(2 * schoolDays.length)
    expect(lessons.reduce((s, l) => s + l.homeworkDue.length, 0)).toBe(expected!.due)
    expect(expected!.due).toBeGreaterThanOrEqual(2 * (schoolDays.length - 1))
    const marks = lessons.flatMap((l) => l.marks)
    expect(marks.length).toBe(expected!.marks)
    expect(marks.length).toBeGreaterThan(0)
    // the quarter's averages: weighted, as the marks in the database give them
    const quarter = cal.periods.find((p) => p.kind === 'quarter' && p.startsOn <= to && p.endsOn >= to)!
    const period = d.periods.find((p) => p.startsOn === quarter.startsOn && p.kind === 'quarter')!
    expect(period.endsOn).toBe(quarter.endsOn)
    const averages = await db.sql<{ subjectId: string; n: number; average: number }[]>`
      select l.subject_id, count(*)::int as n, round(sum(m.value * m.weight) / sum(m.weight), 2)::float8 as average
      from marks m join lessons l on l.id = m.lesson_id
      where m.student_id = ${student!.studentId} and l.date between ${quarter.startsOn} and ${quarter.endsOn} group by 1`
    const quarterDays = schoolDays.filter((d) => d >= quarter.startsOn).length
    expect(averages.length).toBeGreaterThanOrEqual(Math.min(8, 2 * quarterDays))
    expect(period.subjects.map((s) => ({ subjectId: s.subjectId, n: s.markCount, average: s.average })).sort((a, b) => a.subjectId.localeCompare(b.subjectId)))
      .toEqual([...averages].sort((a, b) => a.subjectId.localeCompare(b.subjectId)))
    for (const s of period.subjects) expect(s.forecast === null, s.subject).toBe(s.markCount < 3)
  })

  test('the sample teacher accounts teach lessons of the window, and the credentials say what they teach', async () => {
    const teachers = demo.accounts.filter((a) => a.role === 'teacher' || a.role === 'class_teacher')
    expect(teachers.length).toBe(4)
    for (const t of teachers) {
      const [account] = await db.sql<{ id: string }[]>`select id from accounts where login = ${t.login}`
      const [taught] = await db.sql<{ lessons: number; marks: number; homework: number; grade1: boolean }[]>`
        select count(*)::int as lessons,
          (select count(*)::int from marks m join lessons l on l.id = m.lesson_id where l.teacher_id = ${t.personId} and m.entered_by = ${account!.id}) as marks,
          (select count(*)::int from homework h join lessons l on l.id = h.lesson_id where l.teacher_id = ${t.personId} and h.entered_by = ${account!.id}) as homework,
          bool_and(c.grade = 1) as grade1
        from lessons l join classes c on c.id = l.class_id where l.teacher_id = ${t.personId} and l.starts_at <= ${seededAt}`
      expect(taught!.lessons, t.note).toBeGreaterThan(0)
      if (!taught!.grade1) {
        expect(taught!.marks, t.note).toBeGreaterThan(0)
        expect(taught!.homework, t.note).toBeGreaterThan(0)
      }
      const labels = await db.sql<{ label: string }[]>`
        select distinct c.grade || c.letter as label from teaching_assignments a join classes c on c.id = a.class_id where a.teacher_id = ${t.personId}`
      for (const { label: l } of labels) expect(t.note).toContain(l)
      expect(t.note).toMatch(/в журнале — уроки за (последние )?четыре недели/)
    }
  })

  test('no outbox events for the generated history; one audit row demo.journal_seeded with the counts', async () => {
    const [outbox] = await db.sql<{ n: number }[]>`select count(*)::int as n from outbox`
    expect(outbox!.n).toBe(0)
    const audit = await db.sql<{ after: Record<string, unknown> }[]>`
      select after from audit_log where action = 'demo.journal_seeded' and school_id = ${demo.schoolId}`
    expect(audit.length).toBe(1)
    const [counts] = await db.sql<Record<string, number>[]>`
      select (select count(*)::int from lessons) as lessons, (select count(*)::int from marks) as marks,
        (select count(*)::int from attendance) as attendance, (select count(*)::int from homework) as homework,
        (select count(*)::int from timetable_slots) as slots, (select count(*)::int from teaching_assignments) as assignments,
        (select count(*)::int from plan_topics) as plan_topics, (select count(*)::int from subgroups) as subgroups`
    expect(audit[0]!.after).toEqual({ ...demo.journal })
    expect(demo.journal).toMatchObject(counts!)
  })
})

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { verifyAudit } from '../../core/audit/audit.ts'
import { testConfig, type Config } from '../../core/config/config.ts'
import { DEMO_SCHOOL_NAME, seedDemo, seedDemoIfEmpty, type DemoResult } from '../../core/demo/seed.ts'
import { buildApp } from '../../core/http/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

let db: TestDb
let app: FastifyInstance
let config: Config
let dataDir: string
let demo: DemoResult

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'zvonok-demo-'))
  db = await createTestDb()
  config = testConfig({ dataDir })
  demo = await seedDemo(db.sql, config)
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

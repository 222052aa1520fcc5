import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens,
} from '../helpers/app.ts'

let t: TestApp
let schoolId: string
let otherSchoolId: string
let class5a: string
let class6b: string
/** family A: a student in 5А with a mother; family B: a student in 6Б with a father */
let studentA: string, motherA: string, studentB: string, fatherB: string
let tok: Record<'guardianA' | 'guardianB' | 'studentA' | 'admin' | 'secretary' | 'teacher' | 'classTeacher5a' | 'director' | 'otherAdmin', Tokens>

beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql)
  otherSchoolId = await createSchool(t.sql, 'Другая школа')
  class5a = await createClass(t.sql, schoolId, 5, 'А')
  class6b = await createClass(t.sql, schoolId, 6, 'Б')
  studentA = await createPerson(t.sql, schoolId, 'student', { classId: class5a, lastName: 'Орлова', firstName: 'Вера' })
  motherA = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [studentA], lastName: 'Орлова', firstName: 'Анна' })
  studentB = await createPerson(t.sql, schoolId, 'student', { classId: class6b, lastName: 'Жуков', firstName: 'Глеб' })
  fatherB = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [studentB], lastName: 'Жуков', firstName: 'Олег' })
  await t.sql`update persons set phone = '+79161234567' where id = ${motherA}`
  const staff = () => createPerson(t.sql, schoolId, 'staff')
  const acc = {
    guardianA: await createAccount(t.sql, { personId: motherA, roles: [{ role: 'guardian', schoolId }] }),
    guardianB: await createAccount(t.sql, { personId: fatherB, roles: [{ role: 'guardian', schoolId }] }),
    studentA: await createAccount(t.sql, { personId: studentA, roles: [{ role: 'student', schoolId }] }),
    admin: await createAccount(t.sql, { personId: await staff(), roles: [{ role: 'admin', schoolId }] }),
    secretary: await createAccount(t.sql, { personId: await staff(), roles: [{ role: 'secretary', schoolId }] }),
    teacher: await createAccount(t.sql, { personId: await staff(), roles: [{ role: 'teacher', schoolId }] }),
    classTeacher5a: await createAccount(t.sql, {
      personId: await staff(), roles: [{ role: 'teacher', schoolId }, { role: 'class_teacher', schoolId, classId: class5a }],
    }),
    director: await createAccount(t.sql, { personId: await staff(), roles: [{ role: 'director', schoolId }] }),
    otherAdmin: await createAccount(t.sql, { personId: await createPerson(t.sql, otherSchoolId, 'staff'), roles: [{ role: 'admin', schoolId: otherSchoolId }] }),
  }
  tok = Object.fromEntries(await Promise.all(Object.entries(acc).map(async ([k, a], i) => [k, await login(t.app, a, `10.20.0.${i}`)]))) as typeof tok
})
afterAll(async () => { await t?.close() })

const get = (url: string, who: Tokens) => t.app.inject({ url, headers: bearer(who) })
const send = (method: 'POST' | 'PUT', url: string, who: Tokens, payload: object) => t.app.inject({ method, url, headers: bearer(who), payload })

describe("a family sees only its own", () => {
  test("a guardian reads their own child's card with guardians and contacts", async () => {
    const r = await get(`/v1/persons/${studentA}`, tok.guardianA)
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ id: studentA, lastName: 'Орлова', classIds: [class5a], guardians: [{ personId: motherA, relation: 'mother' }] })
    expect(r.json().contacts).toEqual({ phone: null, email: null })
  })

  test("a guardian's token cannot read another family's child, nor that family's guardian", async () => {
    for (const id of [studentB, fatherB]) {
      const r = await get(`/v1/persons/${id}`, tok.guardianA)
      expect(r.statusCode).toBe(404) // not even whether the record exists
      expect(r.json().code).toBe('not_found')
      expect(r.body).not.toContain('Жуков')
    }
    expect((await get(`/v1/persons/${studentB}/sensitive`, tok.guardianA)).statusCode).toBe(404)
    expect((await get(`/v1/schools/${schoolId}/persons`, tok.guardianA)).statusCode).toBe(403)
  })

  test('a student reads their own card but not their classmates or the roster', async () => {
    expect((await get(`/v1/persons/${studentA}`, tok.studentA)).statusCode).toBe(200)
    expect((await get(`/v1/persons/${studentB}`, tok.studentA)).statusCode).toBe(404)
    expect((await get(`/v1/schools/${schoolId}/persons?classId=${class5a}`, tok.studentA)).statusCode).toBe(403)
  })
})

describe('staff', () => {
  test('a teacher reads name cards but not contacts or sensitive data', async () => {
    const r = await get(`/v1/persons/${motherA}`, tok.teacher)
    expect(r.statusCode).toBe(200)
    expect(r.json().contacts).toBeUndefined()
    expect(r.body).not.toContain('+7916')
    expect((await get(`/v1/persons/${studentA}/sensitive`, tok.teacher)).statusCode).toBe(403)
  })

  test("a class teacher sees their class's contacts and roster, not another class's contacts", async () => {
    const own = await get(`/v1/persons/${motherA}`, tok.classTeacher5a)
    expect(own.json().contacts).toEqual({ phone: '+79161234567', email: null })
    const other = await get(`/v1/persons/${fatherB}`, tok.classTeacher5a)
    expect(other.statusCode).toBe(200)
    expect(other.json().contacts).toBeUndefined()
    const roster = await get(`/v1/schools/${schoolId}/persons?classId=${class5a}`, tok.classTeacher5a)
    expect(roster.statusCode).toBe(200)
    expect(roster.json().items.map((p: { id: string }) => p.id).sort()).toEqual([studentA, motherA].sort())
  })

  test('an admin of another school sees nothing here', async () => {
    expect((await get(`/v1/persons/${studentA}`, tok.otherAdmin)).statusCode).toBe(404)
    expect((await get(`/v1/schools/${schoolId}`, tok.otherAdmin)).statusCode).toBe(404)
    expect((await send('POST', '/v1/credentials/issue', tok.otherAdmin, { personIds: [studentA] })).statusCode).toBe(404)
  })
})

describe('people records', () => {
  test('the secretary adds a student to a class and links a guardian; each write is audited', async () => {
    const created = await send('POST', `/v1/schools/${schoolId}/persons`, tok.secretary, {
      kind: 'student', lastName: 'Новикова', firstName: 'Мария', middleName: 'Ильинична', gender: 'female', classId: class6b,
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id
    expect(created.json().classIds).toEqual([class6b])
    const link = await send('POST', `/v1/schools/${schoolId}/guardianships`, tok.secretary, { guardianId: fatherB, studentId: id, relation: 'father' })
    expect(link.statusCode).toBe(204)
    const dup = await send('POST', `/v1/schools/${schoolId}/guardianships`, tok.secretary, { guardianId: fatherB, studentId: id, relation: 'father' })
    expect(dup.statusCode).toBe(409)
    const wrongWay = await send('POST', `/v1/schools/${schoolId}/guardianships`, tok.secretary, { guardianId: id, studentId: fatherB, relation: 'father' })
    expect(wrongWay.statusCode).toBe(422)
    expect((await get(`/v1/persons/${id}`, tok.guardianB)).statusCode).toBe(200) // now his child
    const actions = await t.sql<{ action: string }[]>`select action from audit_log where entity_id = ${id} order by seq`
    expect(actions.map((a) => a.action)).toEqual(['person.created', 'guardianship.created'])
    // a teacher may not add people
    expect((await send('POST', `/v1/schools/${schoolId}/persons`, tok.teacher, { kind: 'guardian', lastName: 'Х', firstName: 'У' })).statusCode).toBe(403)
  })

  test('sensitive data is refused until a consent is recorded, then readable by few', async () => {
    const body = { birthDate: '2014-03-12', snils: '123-456-789 01', document: { type: 'birth_certificate', series: 'IV-МЮ', number: '512345' } }
    const early = await send('PUT', `/v1/persons/${studentA}/sensitive`, tok.secretary, body)
    expect(early.statusCode).toBe(422)
    expect(early.json().code).toBe('consent_required')

    // consent must come from the person or their guardian
    const badSigner = await send('POST', `/v1/persons/${studentA}/consents`, tok.secretary, { givenByPersonId: fatherB, givenAt: '2026-09-01T09:00:00+03:00' })
    expect(badSigner.statusCode).toBe(422)
    const consent = await send('POST', `/v1/persons/${studentA}/consents`, tok.classTeacher5a, { givenByPersonId: motherA, givenAt: '2026-09-01T09:00:00+03:00', documentRef: '№ 17' })
    expect(consent.statusCode).toBe(201)
    expect(consent.json()).toMatchObject({ givenByPersonId: motherA, revokedAt: null })

    const put = await send('PUT', `/v1/persons/${studentA}/sensitive`, tok.secretary, body)
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ birthDate: '2014-03-12', snils: '123-456-789 01' })
    expect((await get(`/v1/persons/${studentA}/sensitive`, tok.director)).json().snils).toBe('123-456-789 01')
    expect((await get(`/v1/persons/${studentA}/sensitive`, tok.guardianA)).statusCode).toBe(200)
    expect((await get(`/v1/persons/${studentA}/sensitive`, tok.classTeacher5a)).statusCode).toBe(403)
    // the audit row names the fields, never the values
    const [audit] = await t.sql<{ after: unknown }[]>`select after from audit_log where action = 'person.sensitive_updated' and entity_id = ${studentA}`
    expect(JSON.stringify(audit!.after)).not.toContain('123-456')

    // revoked consent: new entries are refused again
    const revoke = await send('POST', `/v1/persons/${studentA}/consents/${consent.json().id}/revoke`, tok.secretary, {})
    expect(revoke.statusCode).toBe(204)
    expect((await send('PUT', `/v1/persons/${studentA}/sensitive`, tok.secretary, body)).json().code).toBe('consent_required')
  })
})

describe('credential issue', () => {
  test('a class teacher issues slips for their class, not for another class or for staff', async () => {
    const newcomer = await createPerson(t.sql, schoolId, 'student', { classId: class5a, lastName: 'Щукина', firstName: 'Юлия' })
    const r = await send('POST', '/v1/credentials/issue', tok.classTeacher5a, { personIds: [studentA, motherA, newcomer] })
    expect(r.statusCode).toBe(200)
    const slips = r.json().slips
    expect(slips).toHaveLength(3)
    for (const s of slips) {
      expect(s.password).toMatch(/^[A-Za-z2-9]{10}$/)
      expect(s.telegramCode).toMatch(/^[A-Z2-9]{12}$/)
    }
    // guardianA already had an account: reissued, same login; a newcomer gets a transliterated login
    const slipOf = (id: string) => slips.find((s: { personId: string }) => s.personId === id)
    expect(slipOf(motherA).reissued).toBe(true)
    expect(slipOf(newcomer)).toMatchObject({ reissued: false, login: 'shchukina.ip', fullName: 'Щукина Юлия Петрович' })
    const newcomerRoles = await t.sql`select role from account_roles ar join account_persons ap on ap.account_id = ar.account_id where ap.person_id = ${newcomer}`
    expect(newcomerRoles.map((r) => r.role)).toEqual(['student'])
    expect((await send('POST', '/v1/credentials/issue', tok.classTeacher5a, { personIds: [studentB] })).statusCode).toBe(403)
    // nothing was issued for anyone in a refused batch
    const refusedBatch = await send('POST', '/v1/credentials/issue', tok.classTeacher5a, { personIds: [studentA, studentB] })
    expect(refusedBatch.statusCode).toBe(403)
    const slipLogin = await login(t.app, { login: slips[0].login, password: slips[0].password }, '10.21.0.1')
    expect(slipLogin.mustChangePassword).toBe(true)
    // codes are stored hashed, the previous unused code is void
    const codes = await t.sql<{ usedAt: Date | null }[]>`select used_at from link_codes where person_id = ${studentA}`
    expect(codes).toHaveLength(1)
    const again = await send('POST', '/v1/credentials/issue', tok.admin, { personIds: [studentA] })
    expect(again.statusCode).toBe(200)
    const after = await t.sql<{ usedAt: Date | null }[]>`select used_at from link_codes where person_id = ${studentA} order by created_at`
    expect(after.filter((c) => c.usedAt === null)).toHaveLength(1)
    expect(await t.sql`select 1 from link_codes where code_hash::text like ${'%' + again.json().slips[0].telegramCode + '%'}`).toHaveLength(0)
    // the audit trail records who issued, never the password
    const rows = await t.sql<{ after: unknown }[]>`select after from audit_log where action in ('credentials.issued', 'credentials.reissued')`
    expect(rows.length).toBeGreaterThanOrEqual(3)
    expect(JSON.stringify(rows)).not.toContain(slips[0].password)
  })

  test('slips print as an A4 page naming the system, the time and who printed them', async () => {
    const kid = await createPerson(t.sql, schoolId, 'student', { classId: class5a, lastName: 'О\'Нил<script>', firstName: 'Ян' })
    await t.sql`update persons set last_name = 'Лебедева', first_name = 'Нина', middle_name = 'Юрьевна' where id = (
      select person_id from account_persons where account_id = (select account_id from account_roles where class_id = ${class5a} limit 1))`
    const r = await send('POST', '/v1/credentials/issue/print', tok.classTeacher5a, { personIds: [kid] })
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toMatch(/^text\/html/)
    const [acc] = await t.sql<{ login: string }[]>`select a.login from accounts a join account_persons ap on ap.account_id = a.id where ap.person_id = ${kid}`
    expect(r.body).toContain(`Логин: <b>${acc!.login}</b>`)
    expect(r.body).toMatch(/Пароль: <b>[A-Za-z2-9]{10}<\/b>/)
    expect(r.body).toMatch(/\/start [A-Z2-9]{12}/)
    expect(r.body).toContain('Тестовая школа')
    expect(r.body).toMatch(/Система «Звонок» · напечатано \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} · Лебедева Н\. Ю\./)
    expect(r.body).not.toContain('<script>') // names are escaped
    expect((await send('POST', '/v1/credentials/issue/print', tok.teacher, { personIds: [kid] })).statusCode).toBe(403)
  })

  test('the admin grants a class teacher role; a teacher may not grant roles', async () => {
    const staffId = await createPerson(t.sql, schoolId, 'staff')
    const acc = await createAccount(t.sql, { personId: staffId })
    const denied = await send('POST', `/v1/accounts/${acc.accountId}/roles`, tok.teacher, { role: 'class_teacher', schoolId, classId: class6b })
    expect(denied.statusCode).toBe(403)
    const ok = await send('POST', `/v1/accounts/${acc.accountId}/roles`, tok.admin, { role: 'class_teacher', schoolId, classId: class6b })
    expect(ok.statusCode).toBe(204)
    const tk = await login(t.app, acc, '10.21.0.2')
    expect((await get(`/v1/persons/${fatherB}`, tk)).json().contacts).toEqual({ phone: null, email: null })
    expect((await send('POST', `/v1/accounts/${acc.accountId}/roles`, tok.admin, { role: 'class_teacher', schoolId, classId: class6b })).statusCode).toBe(409)
  })
})

/**
 * The school year's life: the movement book (admission, transfer, departure), subgroups with
 * recorded moves, a changed class teacher, and closing the year — classes continue as the next
 * grade, the 11th graduates, a held-back student stays, history is kept and the closed year is
 * read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp } from '../helpers/app.ts'

let t: TestApp
let schoolId: string
let admin: { authorization: string }
let secretary: { authorization: string }
let teacherP: string
let otherTeacherP: string
let yearId: string
const ids = {} as Record<"c5a" | "c5b" | "c11a" | "anna" | "boris" | "vera" | "grisha" | "dima", string>

async function call(method: string, url: string, payload?: unknown, headers = admin) {
  const res = await t.app.inject({ method: method as 'GET', url: `/v1${url}`, payload: payload as never, headers })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql)
  const adminP = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Админова' })
  admin = bearer(await login(t.app, await createAccount(t.sql, { personId: adminP, roles: [{ role: 'admin', schoolId }] })))
  const secP = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Секретарёва' })
  secretary = bearer(await login(t.app, await createAccount(t.sql, { personId: secP, roles: [{ role: 'secretary', schoolId }] })))
  teacherP = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Классова' })
  otherTeacherP = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Другова' })
  await createAccount(t.sql, { personId: teacherP, roles: [{ role: 'teacher', schoolId }] })
  await createAccount(t.sql, { personId: otherTeacherP, roles: [{ role: 'teacher', schoolId }] })
  const y = await call('POST', `/schools/${schoolId}/years`, { name: '2025/2026', startsOn: '2025-09-01', endsOn: '2026-05-31' })
  expect(y.status).toBe(201)
  yearId = y.body.id
  for (const [key, grade, letter, teacher] of [['c5a', 5, 'А', teacherP], ['c5b', 5, 'Б', otherTeacherP], ['c11a', 11, 'А', undefined]] as const) {
    const c = await call('POST', `/schools/${schoolId}/classes`, { academicYearId: yearId, grade, letter, ...(teacher ? { classTeacherId: teacher } : {}) })
    expect(c.status).toBe(201)
    ids[key as 'c5a'] = c.body.id
  }
  for (const name of ['anna', 'boris', 'vera', 'grisha'] as const) ids[name] = await createPerson(t.sql, schoolId, 'student', { lastName: name })
})
afterAll(() => t?.close())

describe('the movement book', () => {
  it('admits students into classes with the order number, and refuses a second admission', async () => {
    for (const [student, cls] of [['anna', 'c5a'], ['boris', 'c5a'], ['vera', 'c11a'], ['grisha', 'c5a']] as const) {
      const r = await call('POST', `/schools/${schoolId}/movements`, {
        kind: 'admission', studentId: ids[student], toClassId: ids[cls], occurredOn: '2025-09-01', orderNumber: '101-у',
      }, secretary)
      expect(r.status).toBe(201)
      expect(r.body).toMatchObject({ kind: 'admission', orderNumber: '101-у', fromClassId: null, toClassId: ids[cls] })
    }
    const again = await call('POST', `/schools/${schoolId}/movements`, {
      kind: 'admission', studentId: ids.anna, toClassId: ids.c5b, occurredOn: '2025-09-02', orderNumber: '102-у',
    }, secretary)
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('conflict')
    const noClass = await call('POST', `/schools/${schoolId}/movements`, { kind: 'transfer', studentId: ids.anna, occurredOn: '2025-10-01', orderNumber: '1' }, secretary)
    expect(noClass.status).toBe(400)
    expect(noClass.body.issues).toEqual([{ path: 'toClassId', message: 'required for an admission or a transfer' }])
  })

  it('transfers a student: the old enrolment ends the day before, the new one starts on the date', async () => {
    const r = await call('POST', `/schools/${schoolId}/movements`, {
      kind: 'transfer', studentId: ids.boris, toClassId: ids.c5b, occurredOn: '2025-10-15', orderNumber: '140-у', note: 'по заявлению родителей',
    }, secretary)
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ kind: 'transfer', fromClassId: ids.c5a, toClassId: ids.c5b })
    const rows = await t.sql<{ classId: string; startedOn: string; endedOn: string | null }[]>`
      select class_id, started_on, ended_on from enrolments where student_id = ${ids.boris} order by started_on`
    expect(rows).toEqual([
      { classId: ids.c5a, startedOn: '2025-09-01', endedOn: '2025-10-14' },
      { classId: ids.c5b, startedOn: '2025-10-15', endedOn: null },
    ])
  })

  it('records a departure and lists the book, latest first', async () => {
    const r = await call('POST', `/schools/${schoolId}/movements`, {
      kind: 'departure', studentId: ids.grisha, occurredOn: '2026-01-20', orderNumber: '12-в', note: 'переезд в другой город',
    }, secretary)
    expect(r.status).toBe(201)
    const [current] = await t.sql`select 1 from enrolments where student_id = ${ids.grisha} and ended_on is null`
    expect(current).toBeUndefined()
    const book = await call('GET', `/schools/${schoolId}/movements?studentId=${ids.grisha}`, undefined, secretary)
    expect(book.body.items.map((m: { kind: string }) => m.kind)).toEqual(['departure', 'admission'])
  })

  it('is kept by the administration and the secretary only', async () => {
    const teacher = bearer(await login(t.app, await createAccount(t.sql, { personId: await createPerson(t.sql, schoolId, 'staff'), roles: [{ role: 'teacher', schoolId }] })))
    const r = await call('GET', `/schools/${schoolId}/movements`, undefined, teacher)
    expect(r.status).toBe(403)
    const other = await createSchool(t.sql, 'Другая школа')
    const outsider = await call('POST', `/schools/${other}/movements`, {
      kind: 'departure', studentId: ids.anna, occurredOn: '2026-01-20', orderNumber: '1',
    }, secretary)
    expect(outsider.status).toBe(404)
  })
})

describe('subgroups', () => {
  it('divides a class for a subject and records each move with its reason', async () => {
    const subject = await call('POST', `/schools/${schoolId}/subjects`, { name: 'Английский язык' })
    const g1 = await call('POST', `/classes/${ids.c5a}/subgroups`, { subjectId: subject.body.id, name: '1 группа' })
    const g2 = await call('POST', `/classes/${ids.c5a}/subgroups`, { subjectId: subject.body.id, name: '2 группа' })
    expect([g1.status, g2.status]).toEqual([201, 201])
    expect((await call('POST', `/subgroups/${g1.body.id}/members`, { studentId: ids.anna, startedOn: '2025-09-01', reason: 'деление класса' })).status).toBe(201)
    const moved = await call('POST', `/subgroups/${g2.body.id}/members`, { studentId: ids.anna, startedOn: '2025-11-10', reason: 'заявление матери от 05.11' })
    expect(moved.status).toBe(201)
    const history = await t.sql<{ subgroupId: string; startedOn: string; endedOn: string | null; reason: string }[]>`
      select subgroup_id, started_on, ended_on, reason from subgroup_members where student_id = ${ids.anna} order by started_on`
    expect(history).toEqual([
      { subgroupId: g1.body.id, startedOn: '2025-09-01', endedOn: '2025-11-09', reason: 'деление класса' },
      { subgroupId: g2.body.id, startedOn: '2025-11-10', endedOn: null, reason: 'заявление матери от 05.11' },
    ])
    const list = await call('GET', `/classes/${ids.c5a}/subgroups`)
    expect(list.body.items.map((g: { name: string; studentIds: string[] }) => [g.name, g.studentIds])).toEqual([
      ['1 группа', []], ['2 группа', [ids.anna]],
    ])
    // a student of another class cannot join
    const stranger = await call('POST', `/subgroups/${g1.body.id}/members`, { studentId: ids.vera, startedOn: '2025-11-10', reason: 'x' })
    expect(stranger.status).toBe(422)
    expect(stranger.body.code).toBe('invalid_reference')
  })
})

describe('the class teacher', () => {
  it('changes with the role: the new teacher gets class_teacher for the class, the previous one loses it', async () => {
    const roles = async (personId: string) => (await t.sql<{ role: string; classId: string | null }[]>`
      select r.role, r.class_id from account_roles r join account_persons ap on ap.account_id = r.account_id
      where ap.person_id = ${personId}`).map((r) => `${r.role}:${r.classId ?? '-'}`).sort()
    expect(await roles(teacherP)).toEqual([`class_teacher:${ids.c5a}`, 'teacher:-'].sort())
    const r = await call('PUT', `/classes/${ids.c5a}/class-teacher`, { teacherId: otherTeacherP })
    expect(r.status).toBe(200)
    expect(r.body.classTeacherId).toBe(otherTeacherP)
    expect(await roles(teacherP)).toEqual(['teacher:-'])
    expect(await roles(otherTeacherP)).toEqual([`class_teacher:${ids.c5a}`, `class_teacher:${ids.c5b}`, 'teacher:-'].sort())
    // and back, for the year closing below
    expect((await call('PUT', `/classes/${ids.c5a}/class-teacher`, { teacherId: teacherP })).status).toBe(200)
  })
})

describe('closing the year', () => {
  it('promotes classes, graduates the 11th grade, keeps a held-back student in their grade', async () => {
    // a third 5А student who stays in the 5th grade
    ids.dima = await createPerson(t.sql, schoolId, 'student', { lastName: 'dima' })
    await call('POST', `/schools/${schoolId}/movements`, { kind: 'admission', studentId: ids.dima, toClassId: ids.c5a, occurredOn: '2025-09-01', orderNumber: '101-у' }, secretary)
    // a period still open when the year closes: its summary sheets are archived by the close
    const q4 = await call('POST', `/schools/${schoolId}/years/${yearId}/periods`, {
      kind: 'quarter', number: 4, gradeFrom: 5, gradeTo: 11, startsOn: '2026-04-01', endsOn: '2026-05-31',
    })
    expect(q4.status).toBe(201)
    const r = await call('POST', `/schools/${schoolId}/years/${yearId}/close`, {
      next: { name: '2026/2027', startsOn: '2026-09-01', endsOn: '2027-05-31' }, orderNumber: '210-у', heldBack: [ids.dima],
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ promoted: 2, graduated: 1, retained: 1 })
    // the archive: the open period's summary sheet of each class (25 years) and each class's
    // journal of the year (5 years), chained in the school's archive
    const archived = await t.sql<{ seq: number; kind: string; classId: string; retainUntil: string; pdf: boolean }[]>`
      select e.seq, e.kind, e.class_id, e.retain_until, f.pdf is not null as pdf
      from archive_entries e join archive_files f on f.entry_id = e.id where e.school_id = ${schoolId} order by e.seq`
    const byKind = (k: string) => archived.filter((a) => a.kind === k).map((a) => a.classId).sort()
    expect(byKind('summary_sheet')).toEqual([ids.c5a, ids.c5b, ids.c11a].sort())
    expect(byKind('class_journal')).toEqual([ids.c5a, ids.c5b, ids.c11a].sort())
    expect(archived.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(archived.filter((a) => a.kind === 'summary_sheet').every((a) => a.retainUntil === '2051-05-31' && a.pdf)).toBe(true)
    expect(archived.filter((a) => a.kind === 'class_journal').every((a) => a.retainUntil === '2031-05-31' && !a.pdf)).toBe(true)
    expect(await t.sql`select closed_at is not null as closed from periods where id = ${q4.body.id}`).toEqual([{ closed: true }])
    const nextYearId = r.body.nextYear.id
    const classes = await t.sql<{ grade: number; letter: string; classTeacherId: string | null; previousClassId: string | null; id: string }[]>`
      select id, grade, letter, class_teacher_id, previous_class_id from classes where academic_year_id = ${nextYearId} order by grade, letter`
    expect(classes.map((c) => [c.grade, c.letter, c.classTeacherId, c.previousClassId])).toEqual([
      [5, 'А', null, null],
      [6, 'А', teacherP, ids.c5a],
      [6, 'Б', otherTeacherP, ids.c5b],
    ])
    const now = async (student: string) => (await t.sql<{ grade: number; letter: string; startedOn: string }[]>`
      select c.grade, c.letter, e.started_on from enrolments e join classes c on c.id = e.class_id
      where e.student_id = ${student} and e.ended_on is null`)[0] ?? null
    expect(await now(ids.anna)).toEqual({ grade: 6, letter: 'А', startedOn: '2026-09-01' })
    expect(await now(ids.boris)).toEqual({ grade: 6, letter: 'Б', startedOn: '2026-09-01' })
    expect(await now(ids.dima)).toEqual({ grade: 5, letter: 'А', startedOn: '2026-09-01' })
    expect(await now(ids.vera)).toBeNull()
    const book = await t.sql<{ kind: string; orderNumber: string; occurredOn: string }[]>`
      select kind, order_number, occurred_on from movements where student_id = ${ids.vera} order by recorded_at`
    expect(book).toEqual([
      { kind: 'admission', orderNumber: '101-у', occurredOn: '2025-09-01' },
      { kind: 'graduation', orderNumber: '210-у', occurredOn: '2026-05-31' },
    ])
    // history kept: last year's enrolment is still there, ended on the year's last day
    const old = await t.sql`select ended_on from enrolments where student_id = ${ids.anna} and class_id = ${ids.c5a}`
    expect(old).toEqual([{ endedOn: '2026-05-31' }])
    // the class teacher of 6А holds the role for the new class too
    const [role] = await t.sql`select 1 from account_roles r join account_persons ap on ap.account_id = r.account_id
                               where ap.person_id = ${teacherP} and r.role = 'class_teacher' and r.class_id = ${classes[1]!.id}`
    expect(role).toEqual({ '?column?': 1 })
  })

  it('leaves the closed year read-only', async () => {
    const again = await call('POST', `/schools/${schoolId}/years/${yearId}/close`, {
      next: { name: '2027/2028', startsOn: '2027-09-01', endsOn: '2028-05-31' }, orderNumber: '1',
    })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('year_closed')
    const period = await call('POST', `/schools/${schoolId}/years/${yearId}/periods`, {
      kind: 'quarter', number: 4, gradeFrom: 1, gradeTo: 11, startsOn: '2026-04-01', endsOn: '2026-05-31',
    })
    expect(period.body.code).toBe('year_closed')
    const transfer = await call('POST', `/schools/${schoolId}/movements`, {
      kind: 'admission', studentId: await createPerson(t.sql, schoolId, 'student'), toClassId: ids.c5b, occurredOn: '2026-05-01', orderNumber: '1',
    }, secretary)
    expect(transfer.status).toBe(409)
    expect(transfer.body.code).toBe('year_closed')
    const years = await call('GET', `/schools/${schoolId}/years`)
    expect(years.body.items.map((y: { name: string; closedAt: string | null }) => [y.name, y.closedAt !== null])).toEqual([
      ['2025/2026', true], ['2026/2027', false],
    ])
  })
})

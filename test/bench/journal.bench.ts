/**
 * Journal benchmark: figures printed, nothing asserted (a failed request stops the run).
 *   - a generated school: 40 classes × 25 students = 1,000 students (grades 2–11), 12 subjects,
 *     36 teachers, a held school year (the one before the current: every lesson is in the past)
 *     of 30 lessons a week per class, homework on most lessons, attendance on ~5% of seats, quarter marks;
 *     generated with set-based SQL, not through the API (no audit rows for the generated data)
 *   - the diary (GET /v1/students/:id/diary, one week) as guardians of 50 sampled students,
 *     over real HTTP with keep-alive: reads/s and p50/p99, at 100,000 marks and again at 1,000,000
 *   - the grid (POST /v1/lessons/:id/grid) as each lesson's own teacher: 25 marks + attendance for
 *     the whole class per request, unique request ids: writes/s and p50/p99, at both sizes
 *   - EXPLAIN (ANALYZE, BUFFERS) of the diary's two statements for one student at 1,000,000 marks:
 *     the indexes each uses (migrations/0006 added the ones the averages need at this size)
 * Needs the PostgreSQL server: DATABASE_URL, TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres.
 * Creates the database zvonok_bench_journal and drops it at the end. The client runs in the
 * server's process (like foundation.bench.ts), so it takes a share of the same CPU.
 */
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import postgres from 'postgres'
import { hashPassword } from '../../core/auth/passwords.ts'
import { testConfig } from '../../core/config/config.ts'
import { connectionOptions, type Sql } from '../../core/db/connect.ts'
import { migrate } from '../../core/db/migrate.ts'
import { buildApp } from '../../core/http/app.ts'
import { diary } from '../../core/journal/diary.ts'
import { DEFAULT_WORK_TYPES } from '../../core/journal/setup.ts'
import { benchDatabase, ms, run, show, type Figures } from './measure.ts'
import { generatePeople } from './school.ts'

const DB_NAME = 'zvonok_bench_journal'
const TZ = 'Europe/Moscow'
const CLASSES = 40
const PER_CLASS = 25
const SMALL_MARKS = 100_000
const LARGE_MARKS = 1_000_000
const SAMPLED_STUDENTS = 50
const CONCURRENCY = 8
const DIARY_READS = 3000
const DIARY_READS_SERIAL = 500
const GRID_WRITES = 300
const GRID_WRITES_SERIAL = 50
const PASSWORD = 'Bench-password-9'

// weekly hours per subject: 30 lessons a week per class
const SUBJECTS: [string, number][] = [
  ['Русский язык', 4], ['Литература', 3], ['Математика', 5], ['Английский язык', 3], ['История', 2], ['Обществознание', 1],
  ['География', 2], ['Биология', 2], ['Физика', 2], ['Химия', 2], ['Информатика', 1], ['Физическая культура', 3],
]
const TEACHERS_PER_SUBJECT = 3

// ---------------------------------------------------------------- measuring


async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; secs: number }> {
  const t0 = performance.now()
  const value = await fn()
  const secs = (performance.now() - t0) / 1000
  console.log(`  ${label}: ${secs.toFixed(1)} s`)
  return { value, secs }
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

// ---------------------------------------------------------------- the dataset

/** The school year before the current one: all its lessons have been held. */
function benchYear(now = new Date()): number {
  return (now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1) - 1
}

interface Dataset { schoolId: string; yearStart: number }

async function generateSchool(sql: Sql): Promise<Dataset> {
  const y = benchYear()
  const [school] = await sql<{ id: string }[]>`
    insert into schools (name, timezone) values ('Школа № 1 (нагрузочный тест)', ${TZ}) returning id`
  const schoolId = school!.id
  const [year] = await sql<{ id: string }[]>`
    insert into academic_years (school_id, name, starts_on, ends_on)
    values (${schoolId}, ${`${y}/${y + 1}`}, ${`${y}-09-01`}, ${`${y + 1}-08-31`}) returning id`
  const yearId = year!.id
  const quarters = [[`${y}-09-01`, `${y}-10-24`], [`${y}-11-05`, `${y}-12-28`], [`${y + 1}-01-12`, `${y + 1}-03-20`], [`${y + 1}-03-30`, `${y + 1}-05-26`]]
  await sql`insert into periods ${sql(quarters.map(([startsOn, endsOn], i) => ({
    schoolId, academicYearId: yearId, kind: 'quarter', number: i + 1, gradeFrom: 2, gradeTo: 11, startsOn, endsOn,
  })))}`
  await sql`insert into holidays ${sql([
    ['Осенние каникулы', `${y}-10-25`, `${y}-11-04`], ['Зимние каникулы', `${y}-12-29`, `${y + 1}-01-11`], ['Весенние каникулы', `${y + 1}-03-21`, `${y + 1}-03-29`],
  ].map(([name, startsOn, endsOn]) => ({ schoolId, academicYearId: yearId, name, startsOn, endsOn })))}`
  await sql`insert into work_types ${sql(DEFAULT_WORK_TYPES.map((w) => ({ ...w, schoolId })))}`
  await sql`insert into subjects ${sql(SUBJECTS.map(([name]) => ({ schoolId, name })))}`
  await sql`insert into bells ${sql([
    ['08:30', '09:15'], ['09:25', '10:10'], ['10:30', '11:15'], ['11:35', '12:20'], ['12:30', '13:15'], ['13:25', '14:10'],
  ].map(([startsAt, endsAt], i) => ({ schoolId, shift: 1, number: i + 1, startsAt, endsAt })))}`

  // teachers: three per subject, numbered subject-major; each takes a third of the classes
  await generatePeople(sql, {
    schoolId, yearId, startYear: y, classes: CLASSES, perClass: PER_CLASS, subjects: SUBJECTS.map(([n]) => n),
    teachersPerSubject: TEACHERS_PER_SUBJECT, middleNames: { staff: 'Учителевна', student: 'Ученикович' },
  })
  // the week of a class: slot k (0..29) takes the subject at position (7k + class) of the hours list
  const hours = SUBJECTS.flatMap(([name, h]) => Array.from({ length: h }, () => name))
  await sql`
    with cls as (select id, row_number() over (order by grade, letter) - 1 as n from classes where school_id = ${schoolId}),
    slots as (
      select cls.id as class_id, cls.n, d as weekday, k as lesson_number,
        (${hours}::text[])[1 + ((((d - 1) * 6 + k - 1) * 7 + cls.n) % 30)::int] as subject
      from cls, generate_series(1, 5) d, generate_series(1, 6) k)
    insert into timetable_slots (school_id, assignment_id, weekday, lesson_number, room, valid_from, valid_to)
    select ${schoolId}, a.id, slots.weekday, slots.lesson_number, (100 + slots.n)::text, ${`${y}-09-01`}, ${`${y + 1}-05-31`}
    from slots join subjects sj on sj.school_id = ${schoolId} and sj.name = slots.subject
    join teaching_assignments a on a.class_id = slots.class_id and a.subject_id = sj.id`

  await sql`
    insert into lessons (school_id, assignment_id, class_id, subject_id, teacher_id, date, lesson_number, starts_at, ends_at,
                         room, topic, slot_id, slot_date)
    select a.school_id, a.id, a.class_id, a.subject_id, a.teacher_id, d::date, s.lesson_number,
      (d::date + b.starts_at) at time zone ${TZ}, (d::date + b.ends_at) at time zone ${TZ}, s.room,
      'Тема ' || row_number() over (partition by a.id order by d, s.lesson_number), s.id, d::date
    from generate_series(${`${y}-09-01`}::date, ${`${y + 1}-05-26`}::date, interval '1 day') d
    join timetable_slots s on s.school_id = ${schoolId} and s.weekday = extract(isodow from d)
    join teaching_assignments a on a.id = s.assignment_id
    join bells b on b.school_id = s.school_id and b.shift = s.shift and b.number = s.lesson_number
    where not exists (select 1 from holidays h where h.academic_year_id = ${yearId} and d::date between h.starts_on and h.ends_on)`

  // homework on ~85% of lessons, due at the assignment's next lesson
  await sql`
    insert into homework (school_id, lesson_id, text, pages, exercises, due_lesson_id, due_on, entered_at)
    select school_id, id, 'Повторить: ' || topic, 'с. ' || (10 + n % 200), '№ ' || (1 + n % 40) || ', ' || (2 + n % 40),
      next_id, next_date, ends_at + interval '1 hour'
    from (
      select l.*, row_number() over w as n, lead(l.id) over w as next_id, lead(l.date) over w as next_date, random() as x
      from lessons l where l.school_id = ${schoolId}
      window w as (partition by l.assignment_id order by l.date, l.lesson_number)) h
    where x < 0.85`
  // attendance on ~5% of seats
  await sql`
    insert into attendance (school_id, lesson_id, student_id, kind, reason, reason_confirmed_at, entered_at, updated_at)
    select school_id, lesson_id, student_id, kind::attendance_kind,
      case when kind in ('ill', 'excused') then 'Справка' end,
      case when kind in ('ill', 'excused') and y < 0.7 then starts_at + interval '2 days' end,
      starts_at + interval '10 minutes', starts_at + interval '10 minutes'
    from (
      select l.school_id, l.id as lesson_id, e.student_id, l.starts_at, random() as x, random() as y,
        (array['absent', 'absent', 'ill', 'ill', 'ill', 'excused', 'late', 'late'])[1 + floor(random() * 8)::int] as kind
      from lessons l join enrolments e on e.class_id = l.class_id where l.school_id = ${schoolId}) a
    where x < 0.05`
  // the quarter marks of every student in every subject
  await sql`
    insert into final_marks (school_id, period_id, class_id, subject_id, student_id, value, entered_at, updated_at)
    select p.school_id, p.id, c.id, a.subject_id, e.student_id, 3 + floor(random() * 3)::int,
      (p.ends_on + time '15:00') at time zone ${TZ}, (p.ends_on + time '15:00') at time zone ${TZ}
    from periods p join classes c on c.academic_year_id = p.academic_year_id and c.grade between p.grade_from and p.grade_to
    join enrolments e on e.class_id = c.id join teaching_assignments a on a.class_id = c.id
    where p.school_id = ${schoolId}`
  // the places marks are drawn from: every seat twice (an answer and homework), in a random order
  await sql`
    create unlogged table bench_mark_places as
    select l.school_id, l.id as lesson_id, l.ends_at, e.student_id, k, random() as r
    from lessons l join enrolments e on e.class_id = l.class_id, generate_series(1, 2) k
    where l.school_id = ${schoolId}`
  await sql`create index on bench_mark_places (r)`
  return { schoolId, yearStart: y }
}

/** Adds the next `n` marks in the places' random order: spread over the whole year. */
async function addMarks(sql: Sql, schoolId: string, offset: number, n: number): Promise<void> {
  await sql`
    insert into marks (school_id, lesson_id, student_id, value, work_type_id, weight, entered_at, updated_at)
    select p.school_id, p.lesson_id, p.student_id,
      case when p.x < 0.01 then 1 when p.x < 0.08 then 2 when p.x < 0.30 then 3 when p.x < 0.70 then 4 else 5 end,
      w.id, w.weight, p.ends_at + interval '2 hours', p.ends_at + interval '2 hours'
    from (
      select q.*, random() as x,
        case when q.k = 2 then 'Домашняя работа' else (array['Ответ на уроке', 'Ответ на уроке', 'Ответ на уроке', 'Ответ на уроке',
          'Ответ на уроке', 'Ответ на уроке', 'Самостоятельная работа', 'Проверочная работа', 'Контрольная работа', 'Письменная работа'])[1 + floor(random() * 10)::int] end as work_type
      from (select * from bench_mark_places order by r offset ${offset} limit ${n}) q) p
    join work_types w on w.school_id = ${schoolId} and w.name = p.work_type`
  await sql`vacuum analyze marks`
}

// ---------------------------------------------------------------- accounts

interface Guardian { studentId: string; token: string }

async function createAccounts(sql: Sql, schoolId: string) {
  const hash = await hashPassword(PASSWORD)
  const students = await sql<{ id: string }[]>`
    select p.id from persons p join enrolments e on e.student_id = p.id
    where p.school_id = ${schoolId} and p.kind = 'student' order by random() limit ${SAMPLED_STUDENTS}`
  const logins: { login: string; studentId?: string; teacherId?: string }[] = []
  for (const [i, s] of students.entries()) {
    const login = `bench-guardian-${i}`
    await sql.begin(async (tx) => {
      const [g] = await tx<{ id: string }[]>`
        insert into persons (school_id, kind, last_name, first_name, middle_name) values (${schoolId}, 'guardian', 'Родителева', 'Мария', 'Ивановна') returning id`
      await tx`insert into guardianships (guardian_id, student_id, relation) values (${g!.id}, ${s.id}, 'mother')`
      const [a] = await tx<{ id: string }[]>`insert into accounts (login, password_hash, must_change_password) values (${login}, ${hash}, false) returning id`
      await tx`insert into account_persons (account_id, person_id) values (${a!.id}, ${g!.id})`
      await tx`insert into account_roles (account_id, role, school_id) values (${a!.id}, 'guardian', ${schoolId})`
    })
    logins.push({ login, studentId: s.id })
  }
  const teachers = await sql<{ id: string }[]>`select id from persons where school_id = ${schoolId} and kind = 'staff' order by id`
  for (const [i, t] of teachers.entries()) {
    const login = `bench-teacher-${i}`
    await sql.begin(async (tx) => {
      const [a] = await tx<{ id: string }[]>`insert into accounts (login, password_hash, must_change_password) values (${login}, ${hash}, false) returning id`
      await tx`insert into account_persons (account_id, person_id) values (${a!.id}, ${t.id})`
      await tx`insert into account_roles (account_id, role, school_id) values (${a!.id}, 'teacher', ${schoolId})`
    })
    logins.push({ login, teacherId: t.id })
  }
  return logins
}

// ---------------------------------------------------------------- HTTP

function client(base: string) {
  return async function request(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown): Promise<Response> {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${(await r.text()).slice(0, 400)}`)
    return r
  }
}

// ---------------------------------------------------------------- EXPLAIN

/** Runs the diary read model once with a recording pool, then EXPLAINs each statement it sent. */
async function explainDiary(url: string, studentId: string, from: string, to: string) {
  const sent: { query: string; params: unknown[] }[] = []
  const rec = postgres(url, { ...connectionOptions(2), debug: (_c, query, params) => { sent.push({ query, params: [...params] }) } })
  try {
    await diary(rec, studentId, from, to)
    const out: { statement: string; lines: string[] }[] = []
    for (const s of sent.filter((x) => /\benrolments\b/.test(x.query))) {
      const plan = await rec.unsafe(`explain (analyze, buffers) ${s.query}`, s.params as never[])
      out.push({
        statement: /^\s*with\b/i.test(s.query) ? 'periods (averages, forecasts)' : 'lessons (the main query)',
        lines: plan.map((r) => String(r['QUERY PLAN'])),
      })
    }
    return out.sort((a, b) => a.statement.localeCompare(b.statement))
  } finally {
    await rec.end({ timeout: 5 })
  }
}

function planSummary(lines: string[]): string[] {
  const time = lines.filter((l) => /^(Planning|Execution) Time/.test(l.trim())).map((l) => l.trim())
  const top = lines.find((l) => /Buffers:/.test(l))?.trim()
  const scans = new Map<string, number>()
  for (const l of lines) {
    const m = /((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: using \S+)? on \S+|Bitmap Index Scan on \S+)/.exec(l)
    if (m) scans.set(m[1]!, (scans.get(m[1]!) ?? 0) + 1)
  }
  return [...time, ...(top ? [`top node ${top}`] : []), ...[...scans].map(([s, n]) => `${s}${n > 1 ? ` (×${n})` : ''}`)]
}

// ---------------------------------------------------------------- main

const benchDb = await benchDatabase(DB_NAME)
const dbUrl = new URL(benchDb.url)
// tokens are taken once and used for the whole run: an hour outlasts it on a slow machine
const config = testConfig({ logLevel: 'silent', databaseUrl: dbUrl.toString(), accessTokenTtl: 3600 })
const sql = postgres(dbUrl.toString(), connectionOptions(config.databasePoolSize))
const app = await buildApp({ config, sql })
const rows: { marks: number; model1: Figures; diary8: Figures; diary1: Figures; grid8: Figures; grid1: Figures }[] = []

try {
  const [pg] = await sql<{ version: string }[]>`select current_setting('server_version') as version`
  console.log(`Zvonok journal benchmark (PostgreSQL ${pg!.version} server, node ${process.version}, ${os.cpus().length} CPUs, pool ${config.databasePoolSize})`)
  console.log('Figures are noisy when other work shares the machine; the HTTP client runs in the server process.')
  await migrate(sql)

  console.log('Generating the dataset:')
  const gen = await timed('school, 40 classes, 1,000 students, timetable, lessons, homework, attendance', () => generateSchool(sql))
  const { schoolId, yearStart } = gen.value
  const small = await timed(`${SMALL_MARKS.toLocaleString('en')} marks`, () => addMarks(sql, schoolId, 0, SMALL_MARKS))
  await sql`vacuum analyze`
  const [counts] = await sql<{ lessons: number; homework: number; attendance: number; students: number; finals: number }[]>`
    select (select count(*) from lessons) as lessons, (select count(*) from homework) as homework,
      (select count(*) from attendance) as attendance, (select count(*) from enrolments) as students,
      (select count(*) from final_marks) as finals`
  console.log(`  ${counts!.students} students, ${counts!.lessons} lessons (${yearStart}/${yearStart + 1}), ${counts!.homework} homework, ` +
    `${counts!.attendance} attendance rows, ${counts!.finals} quarter marks`)

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const request = client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)

  const logins = await createAccounts(sql, schoolId)
  const tokens = new Map<string, string>()
  const loginFigures = await run(logins.length, 4, async (i) => {
    const l = logins[i]!
    const r = await request('POST', '/v1/auth/login', null, { login: l.login, password: PASSWORD })
    tokens.set(l.login, ((await r.json()) as { accessToken: string }).accessToken)
  })
  console.log(`  ${logins.length} accounts logged in over HTTP (argon2id): ${show(loginFigures)}`)
  const guardians: Guardian[] = logins.filter((l) => l.studentId).map((l) => ({ studentId: l.studentId!, token: tokens.get(l.login)! }))
  const teacherTokens = new Map(logins.filter((l) => l.teacherId).map((l) => [l.teacherId!, tokens.get(l.login)!]))
  const weeks = (await sql<{ monday: string }[]>`
    select distinct date_trunc('week', date)::date as monday from lessons where school_id = ${schoolId} order by 1`).map((w) => w.monday)
  const sunday = (monday: string) => new Date(Date.parse(`${monday}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10)

  const readDiary = async () => {
    const g = pick(guardians)
    const from = pick(weeks)
    await (await request('GET', `/v1/students/${g.studentId}/diary?from=${from}&to=${sunday(from)}`, g.token)).arrayBuffer()
  }
  const used = new Set<string>()
  const gridTargets = async (n: number) => {
    const ls = await sql<{ id: string; teacherId: string; classId: string }[]>`
      select id, teacher_id, class_id from lessons where school_id = ${schoolId} and status = 'planned' order by random() limit ${n * 2}`
    return ls.filter((l) => !used.has(l.id) && used.add(l.id)).slice(0, n)
  }
  const classStudents = new Map<string, string[]>()
  for (const e of await sql<{ classId: string; studentId: string }[]>`select class_id, student_id from enrolments`)
    classStudents.set(e.classId, [...(classStudents.get(e.classId) ?? []), e.studentId])
  const writeGrid = async (l: { id: string; teacherId: string; classId: string }) => {
    const students = classStudents.get(l.classId)!
    const r = await request('POST', `/v1/lessons/${l.id}/grid`, teacherTokens.get(l.teacherId)!, {
      requestId: randomUUID(),
      attendance: students.map((studentId, i) => ({ studentId, kind: i < 2 ? 'absent' : null })),
      marks: students.map((studentId, i) => ({ studentId, value: 2 + ((i * 7 + l.id.charCodeAt(0)) % 4) })),
    })
    const body = (await r.json()) as { changes: number }
    if (body.changes < students.length) throw new Error(`grid ${l.id}: ${body.changes} changes`)
  }

  const sample = await (await request('GET', `/v1/students/${guardians[0]!.studentId}/diary?from=${weeks[10]}&to=${sunday(weeks[10]!)}`, guardians[0]!.token)).json() as { days: { lessons: { marks: unknown[] }[] }[] }
  const sampleLessons = sample.days.reduce((n, d) => n + d.lessons.length, 0)
  const sampleMarks = sample.days.reduce((n, d) => n + d.lessons.reduce((m, l) => m + l.marks.length, 0), 0)
  console.log(`  one student's diary week: lessons ${sampleLessons}, marks ${sampleMarks}`)
  if (sampleLessons < 25) throw new Error(`the sample diary week has ${sampleLessons} lessons`)

  const measure = async () => {
    const [{ marks } = { marks: 0 }] = await sql<{ marks: number }[]>`select count(*) as marks from marks`
    console.log(`\nAt ${marks.toLocaleString('en')} marks:`)
    await run(200, CONCURRENCY, readDiary)
    // the read model alone, same pool, no HTTP, token check or serialisation: what the database takes
    const model1 = await run(DIARY_READS_SERIAL, 1, async () => {
      const from = pick(weeks)
      await diary(sql, pick(guardians).studentId, from, sunday(from))
    })
    console.log(`  diary week, read model only (its two statements): ${show(model1)}`)
    const diary1 = await run(DIARY_READS_SERIAL, 1, readDiary)
    console.log(`  diary week, GET /v1/students/:id/diary: ${show(diary1)}`)
    const diary8 = await run(DIARY_READS, CONCURRENCY, readDiary)
    console.log(`  diary week, GET /v1/students/:id/diary: ${show(diary8)}`)
    const warm = await gridTargets(16)
    await run(warm.length, CONCURRENCY, (i) => writeGrid(warm[i]!))
    const serial = await gridTargets(GRID_WRITES_SERIAL)
    const grid1 = await run(serial.length, 1, (i) => writeGrid(serial[i]!))
    console.log(`  grid save, POST /v1/lessons/:id/grid (25 marks + 25 attendance entries): ${show(grid1)}`)
    const targets = await gridTargets(GRID_WRITES)
    const grid8 = await run(targets.length, CONCURRENCY, (i) => writeGrid(targets[i]!))
    console.log(`  grid save, POST /v1/lessons/:id/grid (25 marks + 25 attendance entries): ${show(grid8)}`)
    rows.push({ marks, model1, diary8, diary1, grid8, grid1 })
  }

  await measure()
  console.log('\nGrowing the dataset:')
  const large = await timed(`${(LARGE_MARKS - SMALL_MARKS).toLocaleString('en')} more marks`, () => addMarks(sql, schoolId, SMALL_MARKS, LARGE_MARKS - SMALL_MARKS))
  await sql`drop table bench_mark_places`
  await measure()

  const [busiest] = await sql<{ studentId: string }[]>`
    select student_id from marks where student_id in ${sql(guardians.map((g) => g.studentId))} group by student_id order by count(*) desc limit 1`
  const [perStudent] = await sql<{ n: number }[]>`select count(*) as n from marks where student_id = ${busiest!.studentId}`
  const week = weeks[Math.floor(weeks.length / 2)]!
  console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the diary for one student (${perStudent!.n} marks over the year), week ${week}:`)
  for (const p of await explainDiary(dbUrl.toString(), busiest!.studentId, week, sunday(week))) {
    console.log(`  ${p.statement}:`)
    for (const line of planSummary(p.lines)) console.log(`    ${line}`)
  }

  const [size] = await sql<{ db: string; marks: string }[]>`
    select pg_size_pretty(pg_database_size(current_database())) as db, pg_size_pretty(pg_total_relation_size('marks')) as marks`
  console.log(`\nSummary (database ${size!.db}, marks table with indexes ${size!.marks}; generation: school ${gen.secs.toFixed(1)} s, ` +
    `${SMALL_MARKS.toLocaleString('en')} marks ${small.secs.toFixed(1)} s, +${(LARGE_MARKS - SMALL_MARKS).toLocaleString('en')} marks ${large.secs.toFixed(1)} s)`)
  const lines: [string, (r: (typeof rows)[number]) => string][] = [
    ['diary reads/s, 8 concurrent', (r) => r.diary8.perSec.toFixed(0)],
    ['diary p50 / p99, 8 concurrent', (r) => `${ms(r.diary8.p50)} / ${ms(r.diary8.p99)}`],
    ['diary reads/s, 1 at a time', (r) => r.diary1.perSec.toFixed(0)],
    ['diary p50 / p99, 1 at a time', (r) => `${ms(r.diary1.p50)} / ${ms(r.diary1.p99)}`],
    ['  of which the SQL, p50 / p99', (r) => `${ms(r.model1.p50)} / ${ms(r.model1.p99)}`],
    ['grid writes/s, 8 concurrent', (r) => r.grid8.perSec.toFixed(0)],
    ['grid p50 / p99, 8 concurrent', (r) => `${ms(r.grid8.p50)} / ${ms(r.grid8.p99)}`],
    ['grid p50 / p99, 1 at a time', (r) => `${ms(r.grid1.p50)} / ${ms(r.grid1.p99)}`],
  ]
  const cells = [['', ...rows.map((r) => `${r.marks.toLocaleString('en')} marks`)], ...lines.map(([label, f]) => [label, ...rows.map(f)])]
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)))
  for (const [i, c] of cells.entries()) {
    console.log(`  ${c.map((x, j) => (j === 0 ? x.padEnd(widths[j]!) : x.padStart(widths[j]!))).join('  │  ')}`)
    if (i === 0) console.log(`  ${widths.map((w) => '─'.repeat(w)).join('──┼──')}`)
  }
  const mem = process.memoryUsage()
  console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`)
} finally {
  await app.close()
  await sql.end({ timeout: 5 })
  await benchDb.drop()
}

/**
 * Weekly printouts benchmark: figures printed, nothing asserted (a failed job stops the run).
 *   - a generated school: 36 classes × 28 students = 1,008 students (grades 2–10, letters А–Г),
 *     15 subjects, 45 teachers, and last week in full: 6 days × 6 lessons per class,
 *     each with a topic, homework on ~85 % of lessons (text, pages, exercises), marks on ~22 % of
 *     seats (~4 % with a comment), absences on ~4 %; generated with set-based SQL
 *   - the read alone: classWeekDiaries for every class (the batched statements)
 *   - the school's weekly print job through the worker's task, exactly as `zvonok worker` runs
 *     it (enqueue → claim → a PDF per class into print_files, progress per class): time,
 *     students/s, ms per page, total PDF size, and the process's peak RSS and heap, sampled
 *     every 50 ms
 * Needs the PostgreSQL server: DATABASE_URL, TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres.
 * Creates the database zvonok_bench_printouts and drops it at the end.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import pino from 'pino'
import postgres from 'postgres'
import { testConfig } from '../../core/config/config.ts'
import { connectionOptions, type Sql } from '../../core/db/connect.ts'
import { migrate } from '../../core/db/migrate.ts'
import { createTaskRunner } from '../../core/jobs/index.ts'
import { addDays, localDate, weekday } from '../../core/journal/index.ts'
import { DEFAULT_WORK_TYPES } from '../../core/journal/setup.ts'
import { classWeekDiaries } from '../../core/printouts/diary-week.ts'
import { enqueuePrintJob, getPrintJob, printJobsTask } from '../../core/printouts/jobs.ts'
import { benchDatabase } from './measure.ts'
import { generatePeople } from './school.ts'

const DB_NAME = 'zvonok_bench_printouts'
const TZ = 'Europe/Moscow'
const CLASSES = 36
const PER_CLASS = 28
const DAYS = 6
const PER_DAY = 6

// weekly hours per subject: 36 lessons a week per class
const SUBJECTS: [string, number][] = [
  ['Русский язык', 5], ['Литература', 3], ['Алгебра', 4], ['Геометрия', 2], ['Английский язык', 3], ['История', 2],
  ['Обществознание', 1], ['География', 2], ['Биология', 2], ['Физика', 3], ['Химия', 2], ['Информатика', 2],
  ['Физическая культура', 3], ['Основы безопасности и защиты Родины', 1], ['Музыка', 1],
]
const TEACHERS_PER_SUBJECT = 3
const TOPICS = [
  'Повторение изученного. Входной контроль', 'Решение задач на движение и работу', 'Сложноподчинённые предложения с придаточными определительными',
  'Свойства степени с натуральным показателем', 'Причины и последствия реформ Петра I', 'Строение клетки. Органоиды клетки',
  'Закон Ома для участка цепи', 'Present Perfect and Past Simple', 'Природные зоны России', 'Алгоритмы с ветвлением',
]
const HOMEWORK = [
  'Выучить правило, выполнить упражнение письменно', 'Решить задачи из учебника, повторить формулы',
  'Прочитать параграф, ответить на вопросы после параграфа письменно', 'Подготовить сообщение по теме урока (1–2 минуты)',
  'Выучить слова по теме, составить пять предложений', 'Составить план-конспект параграфа, выписать основные даты',
]
const COMMENTS = ['Молодец, хорошая работа', 'Не выполнено домашнее задание', 'Невнимательно: ошибки в вычислениях', 'Активно работал на уроке']

async function generateSchool(sql: Sql, monday: string): Promise<string> {
  const y = Number(monday.slice(0, 4)) - (Number(monday.slice(5, 7)) >= 8 ? 0 : 1)
  const [school] = await sql<{ id: string }[]>`
    insert into schools (name, timezone) values ('Школа № 1 (нагрузочный тест печати)', ${TZ}) returning id`
  const schoolId = school!.id
  const [year] = await sql<{ id: string }[]>`
    insert into academic_years (school_id, name, starts_on, ends_on)
    values (${schoolId}, ${`${y}/${y + 1}`}, ${`${y}-09-01`}, ${`${y + 1}-08-31`}) returning id`
  await sql`insert into work_types ${sql(DEFAULT_WORK_TYPES.map((w) => ({ ...w, schoolId })))}`
  await sql`insert into subjects ${sql(SUBJECTS.map(([name]) => ({ schoolId, name })))}`
  await generatePeople(sql, {
    schoolId, yearId: year!.id, startYear: y, classes: CLASSES, perClass: PER_CLASS, subjects: SUBJECTS.map(([n]) => n),
    teachersPerSubject: TEACHERS_PER_SUBJECT, middleNames: { staff: 'Петровна', student: 'Сергеевич' },
  })
  // last week: slot k of day d takes the subject at position (7·slot + class) of the hours list
  const hours = SUBJECTS.flatMap(([name, h]) => Array.from({ length: h }, () => name))
  await sql`
    with cls as (select id, row_number() over (order by grade, letter) - 1 as n from classes where school_id = ${schoolId}),
    slots as (
      select cls.id as class_id, cls.n, d, k,
        (${hours}::text[])[1 + ((((d - 1) * ${PER_DAY} + k - 1) * 7 + cls.n) % ${hours.length})::int] as subject
      from cls, generate_series(1, ${DAYS}) d, generate_series(1, ${PER_DAY}) k)
    insert into lessons (school_id, assignment_id, class_id, subject_id, teacher_id, date, lesson_number, starts_at, ends_at, room, topic)
    select a.school_id, a.id, a.class_id, a.subject_id, a.teacher_id, ${monday}::date + slots.d - 1, slots.k,
      ((${monday}::date + slots.d - 1) + time '08:30' + (slots.k - 1) * interval '55 minutes') at time zone ${TZ},
      ((${monday}::date + slots.d - 1) + time '09:15' + (slots.k - 1) * interval '55 minutes') at time zone ${TZ},
      (100 + slots.n)::text,
      'Урок ' || (slots.d * 10 + slots.k) || '. ' || (${TOPICS}::text[])[1 + (slots.n + slots.d * 3 + slots.k) % ${TOPICS.length}]
    from slots join subjects sj on sj.school_id = ${schoolId} and sj.name = slots.subject
    join teaching_assignments a on a.class_id = slots.class_id and a.subject_id = sj.id`
  await sql`
    insert into homework (school_id, lesson_id, text, pages, exercises, entered_at)
    select school_id, id, (${HOMEWORK}::text[])[1 + floor(random() * ${HOMEWORK.length})::int],
      'с. ' || (10 + floor(random() * 200)::int), '№ ' || (1 + floor(random() * 400)::int) || ', ' || (1 + floor(random() * 400)::int),
      ends_at + interval '30 minutes'
    from lessons where school_id = ${schoolId} and random() < 0.85`
  await sql`
    insert into marks (school_id, lesson_id, student_id, value, work_type_id, weight, comment, entered_at, updated_at)
    select p.school_id, p.lesson_id, p.student_id,
      case when p.x < 0.01 then 1 when p.x < 0.08 then 2 when p.x < 0.30 then 3 when p.x < 0.70 then 4 else 5 end,
      w.id, w.weight, case when p.c < 0.04 then (${COMMENTS}::text[])[1 + floor(p.c * 100)::int % ${COMMENTS.length}] end,
      p.ends_at + interval '1 hour', p.ends_at + interval '1 hour'
    from (
      select l.school_id, l.id as lesson_id, l.ends_at, e.student_id, random() as x, random() as c, random() as pick, random() as r
      from lessons l join enrolments e on e.class_id = l.class_id where l.school_id = ${schoolId}) p
    join lateral (select id, weight from work_types where school_id = p.school_id order by name
                  offset floor(p.pick * ${DEFAULT_WORK_TYPES.length})::int limit 1) w on true
    where p.r < 0.22`
  await sql`
    insert into attendance (school_id, lesson_id, student_id, kind, entered_at, updated_at)
    select school_id, lesson_id, student_id, kind::attendance_kind, starts_at + interval '10 minutes', starts_at + interval '10 minutes'
    from (
      select l.school_id, l.id as lesson_id, e.student_id, l.starts_at, random() as x,
        (array['absent', 'ill', 'ill', 'excused', 'late'])[1 + floor(random() * 5)::int] as kind
      from lessons l join enrolments e on e.class_id = l.class_id where l.school_id = ${schoolId}) a
    where x < 0.04`
  return schoolId
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1)

async function main(): Promise<void> {
  const bench = await benchDatabase(DB_NAME)
  const sql = postgres(bench.url, connectionOptions(8))
  try {
    await migrate(sql)
    const today = localDate(new Date(), TZ)
    const monday = addDays(today, 1 - weekday(today) - 7)
    console.log(`Weekly printouts benchmark — ${os.cpus().length} CPUs, node ${process.version}, week of ${monday}`)
    let t0 = performance.now()
    const schoolId = await generateSchool(sql, monday)
    await sql`vacuum analyze`
    const [counts] = await sql<{ students: number; lessons: number; homework: number; marks: number; absences: number }[]>`
      select (select count(*) from enrolments)::int as students, (select count(*) from lessons)::int as lessons,
        (select count(*) from homework)::int as homework, (select count(*) from marks)::int as marks,
        (select count(*) from attendance)::int as absences`
    console.log(`  dataset: ${counts!.students} students in ${CLASSES} classes, ${counts!.lessons} lessons, ${counts!.homework} homework, ` +
      `${counts!.marks} marks, ${counts!.absences} absences (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`)

    // the read alone
    const classes = await sql<{ id: string }[]>`select id from classes where school_id = ${schoolId} order by grade, letter`
    t0 = performance.now()
    let read = 0
    for (const c of classes) read += (await classWeekDiaries(sql, c.id, monday)).length
    const readMs = performance.now() - t0
    console.log(`  read: ${read} diaries of ${classes.length} classes in ${readMs.toFixed(0)} ms (${(readMs / classes.length).toFixed(1)} ms per class)`)

    // the job, through the worker's task
    const samples = { rss: 0, heap: 0 }
    const base = process.memoryUsage()
    const sample = () => {
      const m = process.memoryUsage()
      samples.rss = Math.max(samples.rss, m.rss)
      samples.heap = Math.max(samples.heap, m.heapUsed)
    }
    const timer = setInterval(sample, 50)
    const runner = createTaskRunner({
      db: { sql, embedded: false, close: async () => {} }, config: testConfig(), log: pino({ level: 'warn' }), clock: () => new Date(),
    }, [printJobsTask()])
    const job = await enqueuePrintJob(sql, { schoolId, requestedBy: null, params: { monday } })
    t0 = performance.now()
    await runner.runNow('print-jobs')
    const secs = (performance.now() - t0) / 1000
    clearInterval(timer)
    sample()
    await runner.stop()
    const done = await getPrintJob(sql, job.id)
    if (done?.status !== 'done') throw new Error(`the job ended ${done?.status}: ${done?.error}`)
    const [pdf] = await sql<{ files: number; bytes: number; pages: number }[]>`
      select count(*)::int as files, sum(octet_length(content))::int as bytes,
        (select sum(pages)::int from printouts where kind = 'diary_week_class') as pages
      from print_files where job_id = ${job.id}`
    console.log(`  print job: ${done.done} students, ${pdf!.pages} pages in ${pdf!.files} PDFs, ${secs.toFixed(1)} s`)
    console.log(`    ${(done.done / secs).toFixed(1)} students/s, ${((secs * 1000) / pdf!.pages).toFixed(1)} ms per page, ` +
      `total PDF ${mb(pdf!.bytes)} MB (${(pdf!.bytes / pdf!.pages / 1024).toFixed(1)} KB per page)`)
    console.log(`    peak RSS ${mb(samples.rss)} MB (${mb(base.rss)} MB before), peak heap used ${mb(samples.heap)} MB (${mb(base.heapUsed)} MB before)`)
  } finally {
    await sql.end({ timeout: 5 })
    await bench.drop()
  }
}

await main()

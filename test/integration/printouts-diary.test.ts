/**
 * The weekly diary printout (school14 4.6.5, school26 1.6): the journal fixture's 7А gets a week
 * written through the journal's own services (topics, homework, marks with work types and
 * comments, absences, a cancelled lesson, a subgroup lesson, a student admitted mid-week); the
 * PDFs are read back with pdf.js. A second class carries the heaviest week a timetable allows
 * (7 lessons × 6 days, long topics and homework, marks with comments on every lesson), which must
 * still be one A4 page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { addDays, cancelLesson, generateLessons, saveLessonGrid, setHomework, weekday } from '../../core/journal/index.ts'
import { displayCode, madeByLabel, toPdf, type PrintMeta } from '../../core/print/index.ts'
import {
  classWeekDiaries, printWeekForClass, printWeekForStudent, studentWeekDiary, weekDiaryDoc, weekDiaryView, weekLabel, workTypeShort,
} from '../../core/printouts/diary-week.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'
import { pdfPageCount, pdfText } from '../helpers/pdf.ts'

let db: TestDb, f: JournalFixture
let heavyClass: string, heavyStudent: string, lateStudent: string, subgroupLesson: string

// last week: every lesson of it has been held, so marks and attendance may be entered
const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date())
const monday = addDays(today, 1 - weekday(today) - 7)
const day = (i: number) => addDays(monday, i)
const meta = (schoolName: string): PrintMeta => ({ code: 'TESTC0DE12', madeAt: new Date('2026-11-21T10:00:00Z'), madeBy: 'Проверка', timezone: ZONE, schoolName })

async function lessonOn(classId: string, date: string, number: number): Promise<string> {
  const [l] = await db.sql<{ id: string }[]>`select id from lessons where class_id = ${classId} and date = ${date} and lesson_number = ${number}`
  if (!l) throw new Error(`no lesson ${number} on ${date}`)
  return l.id
}
const grid = (lessonId: string, body: Partial<Parameters<typeof saveLessonGrid>[3]>) =>
  saveLessonGrid(db.sql, f.teacher, lessonId, { requestId: randomUUID(), attendance: [], marks: [], removeMarkIds: [], ...body })

const s = (i: number) => f.students[i]!
const idOf = async (q: Promise<readonly { id: string }[]>) => (await q)[0]!.id

beforeAll(async () => {
  db = await createTestDb()
  f = await buildJournal(db.sql, { students: 3 })
  await generateLessons(db.sql, f.admin, f.schoolId, { from: monday, to: addDays(monday, 6), classId: f.classId })
  const test = f.workTypes.get('Контрольная работа')!

  // Monday, maths: a topic, a test mark with a comment, an absence, homework with pages and exercises
  const mon1 = await lessonOn(f.classId, day(0), 1)
  await grid(mon1, {
    topic: 'Решение квадратных уравнений',
    marks: [{ studentId: s(0).id, value: 5, workTypeId: test, comment: 'Аккуратное решение' }, { studentId: s(2).id, value: 3 }],
    attendance: [{ studentId: s(1).id, kind: 'absent' }],
  })
  await setHomework(db.sql, f.teacher, mon1, { text: 'Решить задачи из параграфа 12', pages: 'с. 45', exercises: '№ 3, 5', attachments: [] })
  // Tuesday, Russian: ill; Wednesday: the Russian lesson cancelled
  await grid(await lessonOn(f.classId, day(1), 2), { topic: 'Причастный оборот', attendance: [{ studentId: s(0).id, kind: 'ill' }] })
  await cancelLesson(db.sql, f.admin, await lessonOn(f.classId, day(2), 2), 'Учитель на курсах')
  // Thursday: a pass mark and a lateness
  await grid(await lessonOn(f.classId, day(3), 1), {
    marks: [{ studentId: s(0).id, passed: true, workTypeId: f.workTypes.get('Ответ на уроке')! }],
    attendance: [{ studentId: s(0).id, kind: 'late' }],
  })

  // a subgroup lesson on Friday, lesson 3: only Анна (student 0) is in the group
  const [eng] = await db.sql<{ id: string }[]>`insert into subjects (school_id, name) values (${f.schoolId}, 'Английский язык') returning id`
  const [group] = await db.sql<{ id: string }[]>`
    insert into subgroups (class_id, subject_id, name) values (${f.classId}, ${eng!.id}, '1 группа') returning id`
  await db.sql`insert into subgroup_members (subgroup_id, student_id, started_on) values (${group!.id}, ${s(0).id}, ${monday})`
  const [a] = await db.sql<{ id: string }[]>`
    insert into teaching_assignments (school_id, class_id, subgroup_id, subject_id, teacher_id)
    values (${f.schoolId}, ${f.classId}, ${group!.id}, ${eng!.id}, ${f.teacherId}) returning id`
  subgroupLesson = await idOf(db.sql<{ id: string }[]>`
    insert into lessons (school_id, assignment_id, class_id, subgroup_id, subject_id, teacher_id, date, lesson_number, starts_at, ends_at, topic)
    values (${f.schoolId}, ${a!.id}, ${f.classId}, ${group!.id}, ${eng!.id}, ${f.teacherId}, ${day(4)}, 3,
            ${`${day(4)}T08:30:00Z`}, ${`${day(4)}T09:15:00Z`}, 'Present Perfect') returning id`)

  // admitted on Wednesday: the week before is not theirs
  lateStudent = await idOf(db.sql<{ id: string }[]>`
    insert into persons (school_id, kind, last_name, first_name) values (${f.schoolId}, 'student', 'Новенькая', 'Зоя') returning id`)
  await db.sql`insert into enrolments (student_id, class_id, started_on) values (${lateStudent}, ${f.classId}, ${day(2)})`

  heavyClass = await heavyWeek()
})
afterAll(async () => { await db?.close() })

/** 9Б: 7 lessons × 6 days, long topics and homework, two marks with comments and an absence on every lesson. */
async function heavyWeek(): Promise<string> {
  const [year] = await db.sql<{ id: string }[]>`select academic_year_id as id from classes where id = ${f.classId}`
  const [c] = await db.sql<{ id: string }[]>`
    insert into classes (school_id, academic_year_id, grade, letter) values (${f.schoolId}, ${year!.id}, 9, 'Б') returning id`
  heavyStudent = await idOf(db.sql<{ id: string }[]>`
    insert into persons (school_id, kind, last_name, first_name, middle_name)
    values (${f.schoolId}, 'student', 'Константинопольская', 'Александра', 'Владимировна') returning id`)
  await db.sql`insert into enrolments (student_id, class_id, started_on) values (${heavyStudent}, ${c!.id}, ${monday})`
  const names = ['Алгебра', 'Геометрия', 'Физика', 'Химия', 'История России. Всеобщая история', 'Литература', 'Информатика и ИКТ']
  const subjects = await db.sql<{ id: string; name: string }[]>`
    insert into subjects ${db.sql(names.map((name) => ({ schoolId: f.schoolId, name })))} returning id, name`
  const assignments = await db.sql<{ id: string; subjectId: string }[]>`
    insert into teaching_assignments ${db.sql(subjects.map((sj) => ({ schoolId: f.schoolId, classId: c!.id, subjectId: sj.id, teacherId: f.teacherId })))}
    returning id, subject_id`
  const lessons = await db.sql<{ id: string }[]>`
    insert into lessons (school_id, assignment_id, class_id, subject_id, teacher_id, date, lesson_number, starts_at, ends_at, topic)
    select ${f.schoolId}, a.id, ${c!.id}, a.subject_id, ${f.teacherId}, (${monday}::date + d)::date, k,
      (${monday}::date + d) + make_interval(hours => 7 + k), (${monday}::date + d) + make_interval(hours => 7 + k, mins => 45),
      'Тема ' || d || '.' || k || ': обобщение и систематизация знаний по разделу, решение задач повышенной сложности с разбором типичных ошибок'
    from generate_series(0, 5) d, generate_series(1, 7) k
    join (select id, subject_id, row_number() over (order by id) as n from teaching_assignments where class_id = ${c!.id}) a on a.n = k
    returning id`
  await db.sql`
    insert into homework (school_id, lesson_id, text, pages, exercises)
    select ${f.schoolId}, id, repeat('Прочитать параграф, составить подробный план ответа, выписать термины и даты, решить задачи из сборника. ', 8),
      'с. 124–131', '№ 312, 315, 318 (а, б)'
    from unnest(${lessons.map((l) => l.id)}::uuid[]) id`
  const [wt] = await db.sql<{ id: string }[]>`select id from work_types where school_id = ${f.schoolId} and name = 'Контрольная работа'`
  await db.sql`
    insert into marks (school_id, lesson_id, student_id, value, work_type_id, weight, comment)
    select ${f.schoolId}, id, ${heavyStudent}, v, ${wt!.id}, 2, 'Замечание учителя: работа выполнена, но оформление решения требует внимания, проверь вычисления'
    from unnest(${lessons.map((l) => l.id)}::uuid[]) id, (values (4), (5)) m(v)`
  await db.sql`
    insert into attendance (school_id, lesson_id, student_id, kind)
    select ${f.schoolId}, id, ${heavyStudent}, 'excused' from unnest(${lessons.slice(0, 3).map((l) => l.id)}::uuid[]) id`
  return c!.id
}

describe('reading the week', () => {
  it('reads the whole class at once, sorted by name, each student with the lessons they had', async () => {
    const diaries = await classWeekDiaries(db.sql, f.classId, monday)
    expect(diaries.map((d) => d.lastName)).toEqual(['Новенькая', 'Ученикова0', 'Ученикова1', 'Ученикова2'])
    const anna = diaries.find((d) => d.studentId === s(0).id)!
    // the fixture teaches on Sundays too: Sunday is printed when it has lessons
    expect(anna.days.map((d) => d.date)).toEqual([0, 1, 2, 3, 4, 5, 6].map(day))
    expect(anna.className).toBe('7А')
    expect(anna.classTeacher).toBe('Классная Н. П.')
    const mon = anna.days[0]!.lessons[0]!
    expect(mon).toMatchObject({
      number: 1, subject: 'Математика', topic: 'Решение квадратных уравнений', cancelled: false,
      homework: { text: 'Решить задачи из параграфа 12', pages: 'с. 45', exercises: '№ 3, 5' },
      marks: [{ value: 5, passed: null, workType: 'Контрольная работа', comment: 'Аккуратное решение' }], attendance: null,
    })
    expect(anna.days[4]!.lessons.map((l) => l.subject)).toEqual(['Математика', 'Русский язык', 'Английский язык'])
    // Борис is not in the English group: no lesson 3 on Friday; he was absent on Monday
    const boris = diaries.find((d) => d.studentId === s(1).id)!
    expect(boris.days[4]!.lessons.map((l) => l.number)).toEqual([1, 2])
    expect(boris.days[0]!.lessons[0]!.attendance).toBe('absent')
    // admitted on Wednesday: Monday and Tuesday are empty for her
    const zoya = diaries.find((d) => d.studentId === lateStudent)!
    expect(zoya.days.map((d) => d.lessons.length)).toEqual([0, 0, 2, 2, 2, 2, 2])
  })

  it('reads a class in the same few statements whatever its size', async () => {
    const statements: string[] = []
    const counting = Object.assign(
      (...args: Parameters<typeof db.sql>) => {
        // a statement, not a fragment spliced into one
        if (/^\s*(select|with)\b/i.test(String((args[0] as unknown as string[])[0]))) statements.push(String(args[0]))
        return (db.sql as unknown as (...a: unknown[]) => unknown)(...args)
      },
      db.sql,
    ) as unknown as typeof db.sql
    await classWeekDiaries(counting, f.classId, monday)
    const forAll = statements.length
    statements.length = 0
    await classWeekDiaries(counting, f.classId, monday, [s(0).id])
    expect(forAll).toBeLessThanOrEqual(6)
    expect(statements.length).toBe(forAll)
  })

  it('the batched class path and the single-student path (the diary read model) print the same', async () => {
    const diaries = await classWeekDiaries(db.sql, f.classId, monday)
    for (const d of diaries) {
      const single = await studentWeekDiary(db.sql, d.studentId, monday)
      expect(single).toEqual(d)
      const [a, b] = await Promise.all([toPdf(weekDiaryDoc(d), meta(d.schoolName)), toPdf(weekDiaryDoc(single), meta(d.schoolName))])
      expect(await pdfText(a.pdf)).toEqual(await pdfText(b.pdf))
    }
    // narrowed to some students: the same diaries
    const two = await classWeekDiaries(db.sql, f.classId, monday, [s(2).id, s(0).id])
    expect(two).toEqual(diaries.filter((d) => d.studentId === s(0).id || d.studentId === s(2).id))
  })

  it('refuses a week that is not given by its Monday', async () => {
    await expect(classWeekDiaries(db.sql, f.classId, addDays(monday, 1))).rejects.toMatchObject({ code: 'validation_failed' })
  })
})

describe('the page', () => {
  it('one A4 page with the name, the week, lessons, topics, homework, marks, absences and comments', async () => {
    const anna = await studentWeekDiary(db.sql, s(0).id, monday)
    const { pdf, pages } = await toPdf(weekDiaryDoc(anna), meta(anna.schoolName))
    expect(pages).toBe(1)
    expect(await pdfPageCount(pdf)).toBe(1)
    const [text] = await pdfText(pdf)
    const week = weekLabel(monday, day(6))
    for (const expected of [
      'Дневник за неделю', week, 'Ученикова0 Анна Петрович', '7А класс', 'Классный руководитель: Классная Н. П.',
      'Математика', 'Решение квадратных уравнений', 'Решить задачи из параграфа 12; с. 45; № 3, 5',
      '5 (контр.) — Аккуратное решение', 'зачёт (отв.)', 'Причастный оборот', 'Урок отменён', 'Английский язык', 'Present Perfect',
      'Пропущено уроков: 1 (по болезни — 1)', 'Опозданий: 1', 'Подпись родителя',
    ]) expect(text).toContain(expected)
    expect(text).toMatch(/Понедельник, \d+ [а-я]+/)
    // absences: б on Tuesday and оп on Thursday, in the absence column
    expect(text).toMatch(/Причастный оборот нет б/)
    expect(text).toMatch(/зачёт \(отв\.\) оп/)
    // lessons without homework say so
    expect(text).toContain('нет')
    // the footer: the system, who made it, the code, the page
    expect(text).toContain('Электронный журнал «Звонок»')
    expect(text).toContain('код проверки TESTC-0DE12')
  })

  it('an absent student\'s page says what was missed and how', async () => {
    const boris = await studentWeekDiary(db.sql, s(1).id, monday)
    const [text] = await pdfText((await toPdf(weekDiaryDoc(boris), meta(boris.schoolName))).pdf)
    expect(text).toContain('Пропущено уроков: 1 (без уважительной причины — 1)')
    expect(text).toContain('Отметок за неделю нет')
    expect(text).not.toContain('Present Perfect')
  })

  it('the heaviest week (7 lessons × 6 days, long homework, commented marks) is still one page, shortened', async () => {
    const [heavy] = await classWeekDiaries(db.sql, heavyClass, monday)
    expect(heavy!.days).toHaveLength(6)
    expect(heavy!.days.every((d) => d.lessons.length === 7)).toBe(true)
    const view = weekDiaryView(heavy!)
    expect(view.shortened).toBe(true)
    const { pdf, pages } = await toPdf(weekDiaryDoc(heavy!), meta(heavy!.schoolName))
    expect(pages).toBe(1)
    expect(await pdfPageCount(pdf)).toBe(1)
    const text = (await pdfText(pdf)).join('\n')
    expect(text).toContain('Константинопольская Александра Владимировна')
    expect(text).toContain('Суббота')
    expect(text).toContain('Информатика и ИКТ')
    expect(text).toContain('Прочитать параграф')
    expect(text).toContain('4 (контр.)')
    expect(text).toContain('Пропущено уроков: 3 (по уважительной причине — 3)')
    expect(text).toContain('сокращены')
    expect(text).toContain('Подпись родителя')
    // every lesson of the week is on the page: 42 topics, each day's heading
    expect(text.match(/Тема \d\.\d/g)).toHaveLength(42)
  })

  it('a light week prints its texts in full', async () => {
    const view = weekDiaryView(await studentWeekDiary(db.sql, s(0).id, monday))
    expect(view.shortened).toBe(false)
  })
})

describe('printouts', () => {
  it('a student\'s week is registered as a printout of kind diary_week and names its maker', async () => {
    const [adminAccount] = await db.sql<{ accountId: string }[]>`
      select account_id from account_persons ap join persons p on p.id = ap.person_id where p.last_name = 'Директорова' and p.school_id = ${f.schoolId}`
    const label = await madeByLabel(db.sql, adminAccount!.accountId, f.schoolId)
    const r = await printWeekForStudent(db.sql, { studentId: s(0).id, monday, madeBy: { accountId: adminAccount!.accountId, label } })
    expect(r.pages).toBe(1)
    expect(r.title).toBe(`Дневник за неделю ${weekLabel(monday, day(6))}: Ученикова0 Анна Петрович, 7А класс`)
    const [row] = await db.sql`select kind, student_id, class_id, pages, made_by, made_by_label, title from printouts where code = ${r.code}`
    expect(row).toMatchObject({ kind: 'diary_week', studentId: s(0).id, classId: f.classId, pages: 1, madeBy: adminAccount!.accountId, madeByLabel: label, title: r.title })
    const [text] = await pdfText(r.pdf)
    expect(text).toContain(displayCode(r.code))
    expect(text).toContain(label)
  })

  it('a class bundle: the cover listing who gets a copy, then a page per student, as ONE printout', async () => {
    const r = await printWeekForClass(db.sql, {
      classId: f.classId, monday, madeBy: { accountId: null, label: 'Система' }, studentIds: [s(0).id, s(1).id],
      cover: { recipients: [{ guardian: 'Родителева0 Мария Петровна', student: 'Ученикова0 Анна' }, { guardian: 'Родителева1 Мария Петровна', student: 'Ученикова1 Борис' }] },
    })
    expect(r.students).toBe(2)
    expect(r.pages).toBe(3)
    const pages = await pdfText(r.pdf)
    expect(pages).toHaveLength(3)
    expect(pages[0]).toContain(`Дневники 7А класса за неделю ${weekLabel(monday, day(6))}`)
    expect(pages[0]).toContain('Родителева0 Мария Петровна')
    expect(pages[0]).toContain('Ученикова1 Борис')
    expect(pages[0]).toContain('Подпись в получении')
    expect(pages[1]).toContain('Ученикова0 Анна Петрович')
    expect(pages[2]).toContain('Ученикова1 Борис Петрович')
    // every page says which printout it belongs to
    for (const p of pages) expect(p).toContain(displayCode(r.code))
    const [row] = await db.sql`select kind, class_id, student_id, pages, params from printouts where code = ${r.code}`
    expect(row).toMatchObject({ kind: 'diary_week_class', classId: f.classId, studentId: null, pages: 3, params: { monday, studentIds: [s(0).id, s(1).id] } })
  })
})

describe('labels', () => {
  it('the week as a secretary writes it', () => {
    expect(weekLabel('2026-11-16', '2026-11-21')).toBe('16–21 ноября 2026 г.')
    expect(weekLabel('2026-11-30', '2026-12-05')).toBe('30 ноября – 5 декабря 2026 г.')
    expect(weekLabel('2026-12-28', '2027-01-02')).toBe('28 декабря 2026 г. – 2 января 2027 г.')
  })

  it('work types by their short names', () => {
    expect(workTypeShort('Контрольная работа')).toBe('контр.')
    expect(workTypeShort('Ответ на уроке')).toBe('отв.')
    expect(workTypeShort('Тест')).toBe('тест')
    expect(workTypeShort('Исследовательский проект')).toBe('иссле.')
  })
})

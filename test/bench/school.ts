/**
 * The skeleton of a generated school shared by the benchmarks: teachers (a few per subject),
 * classes of four letters from the 2nd grade up with a class teacher each, students enrolled
 * from 1 September, and teaching assignments in which the class's index picks one of the
 * subject's teachers. Bulk SQL: a few statements whatever the size.
 */
import type { Sql } from '../../core/db/connect.ts'

export const LAST_NAMES = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров',
  'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев']
export const FIRST_NAMES = ['Александр', 'Мария', 'Максим', 'Анна', 'Артём', 'София', 'Михаил', 'Виктория', 'Даниил', 'Полина',
  'Иван', 'Алиса', 'Дмитрий', 'Ева', 'Кирилл', 'Варвара', 'Андрей', 'Дарья', 'Егор', 'Ксения']

export interface SchoolShape {
  readonly schoolId: string
  readonly yearId: string
  /** the calendar year the school year starts in */
  readonly startYear: number
  readonly classes: number
  readonly perClass: number
  /** the subjects (already inserted) in the order teachers are numbered */
  readonly subjects: readonly string[]
  readonly teachersPerSubject: number
  readonly middleNames: { readonly staff: string; readonly student: string }
}

export async function generatePeople(sql: Sql, s: SchoolShape): Promise<void> {
  const { schoolId } = s
  const staff = s.subjects.length * s.teachersPerSubject
  // teachers: numbered subject-major
  await sql`
    insert into persons (school_id, kind, last_name, first_name, middle_name)
    select ${schoolId}, 'staff', (${LAST_NAMES}::text[])[1 + i % 20] || 'а', (${FIRST_NAMES}::text[])[1 + (i * 7) % 20], ${s.middleNames.staff}
    from generate_series(0, ${staff - 1}) i`
  await sql`
    insert into classes (school_id, academic_year_id, grade, letter, class_teacher_id)
    select ${schoolId}, ${s.yearId}, 2 + i / 4, (array['А', 'Б', 'В', 'Г'])[1 + i % 4],
      (select id from persons where school_id = ${schoolId} and kind = 'staff' order by created_at, id offset i % ${staff} limit 1)
    from generate_series(0, ${s.classes - 1}) i`
  await sql`
    with st as (
      insert into persons (school_id, kind, last_name, first_name, middle_name)
      select ${schoolId}, 'student', (${LAST_NAMES}::text[])[1 + (i * 13) % 20], (${FIRST_NAMES}::text[])[1 + (i * 3) % 20], ${s.middleNames.student}
      from generate_series(0, ${s.classes * s.perClass - 1}) i
      returning id),
    numbered as (select id, row_number() over (order by id) - 1 as n from st),
    cls as (select id, row_number() over (order by grade, letter) - 1 as n from classes where school_id = ${schoolId})
    insert into enrolments (student_id, class_id, started_on)
    select numbered.id, cls.id, ${`${s.startYear}-09-01`} from numbered join cls on cls.n = numbered.n / ${s.perClass}`
  // assignments: the class's index picks one of the subject's teachers
  await sql`
    with cls as (select id, row_number() over (order by grade, letter) - 1 as n from classes where school_id = ${schoolId}),
    subj as (select id, array_position(${s.subjects as string[]}::text[], name) - 1 as n from subjects where school_id = ${schoolId}),
    teachers as (select id, row_number() over (order by created_at, id) - 1 as n from persons where school_id = ${schoolId} and kind = 'staff')
    insert into teaching_assignments (school_id, class_id, subject_id, teacher_id)
    select ${schoolId}, cls.id, subj.id, teachers.id
    from cls cross join subj join teachers on teachers.n = subj.n * ${s.teachersPerSubject} + cls.n % ${s.teachersPerSubject}`
}

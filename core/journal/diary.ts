/**
 * The diary: a student's lessons for a date range with subject, topic, teacher, homework,
 * marks and attendance, and per period and subject the weighted average and the forecast of
 * the period mark. It is the hottest read in the system: two statements on indexed paths
 * (lessons by class and date, marks and attendance by student and lesson), sent together.
 *
 * Average: Σ(value × weight) / Σ(weight) over the period's marks 1–5 (pass/fail marks are not
 * averaged), rounded to two decimals.
 * Forecast: the average rounded half up (4.50 → 5, 3.50 → 4, 2.50 → 3, else 2), and none when
 * the period has fewer than three such marks — too few to attest, as schools' assessment rules
 * usually require. The final mark, once set, is shown beside it.
 */
import { can } from '../auth/policy.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { personResource, type RequestContext } from '../people/service.ts'
import { addDays } from './time.ts'

export const MIN_MARKS_FOR_FORECAST = 3
const MAX_RANGE_DAYS = 62

export function forecast(average: number | null, count: number): number | null {
  if (average === null || count < MIN_MARKS_FOR_FORECAST) return null
  if (average >= 4.5) return 5
  if (average >= 3.5) return 4
  if (average >= 2.5) return 3
  return 2
}

/** A diary lesson row, as the lessons statement returns it. */
export interface DiaryMark { id: string; value: number | null; passed: boolean | null; workType: string; weight: number; comment: string | null }
export interface DiaryAttachment { name: string; ref: string }
export interface DiaryLesson {
  lessonId: string; date: string; lessonNumber: number; startsAt: Date; endsAt: Date; subjectId: string; subject: string
  topic: string | null; status: 'planned' | 'cancelled'; room: string | null; teacher: string; substitute: string | null
  homework: { text: string; pages: string | null; exercises: string | null; attachments: DiaryAttachment[]; dueOn: string | null } | null
  homeworkDue: { text: string; pages: string | null; exercises: string | null; givenOn: string }[]
  marks: DiaryMark[]
  attendance: { kind: 'absent' | 'ill' | 'excused' | 'late'; reason: string | null; confirmed: boolean } | null
}
export interface DiaryDay { date: string; lessons: DiaryLesson[] }

export async function studentDiary(sql: Sql, ctx: RequestContext, studentId: string, from: string, to: string) {
  if (to < from || to > addDays(from, MAX_RANGE_DAYS))
    throw errors.validation([{ path: 'to', message: `the range is from..to, at most ${MAX_RANGE_DAYS} days` }])
  const r = await personResource(sql, studentId)
  if (!r || r.kind !== 'student' || !can(ctx.actor, 'student.readDiary', r)) throw errors.notFound('student', studentId)
  return diary(sql, studentId, from, to)
}

/** The read model itself, without the access check (the bots call it after their own). */
export async function diary(sql: Sql, studentId: string, from: string, to: string) {
  const [days, periods] = await Promise.all([
    diaryDays(sql, studentId, from, to),
    sql<{ periodId: string; kind: string; number: number; startsOn: string; endsOn: string; subjects: { subjectId: string; subject: string; markCount: number; average: number | null; finalMark: unknown }[] }[]>`
      with student_periods as (
        select distinct p.id, p.kind, p.number, p.starts_on, p.ends_on
        from enrolments e join classes c on c.id = e.class_id
        join periods p on p.academic_year_id = c.academic_year_id and c.grade between p.grade_from and p.grade_to
        where e.student_id = ${studentId} and p.kind <> 'year'
          and p.starts_on <= ${to} and p.ends_on >= ${from}
          and e.started_on <= p.ends_on and (e.ended_on is null or e.ended_on >= p.starts_on)),
      graded as (
        select sp.id as period_id, l.subject_id, m.value, m.weight
        from student_periods sp
        join marks m on m.student_id = ${studentId} and m.removed_at is null and m.value is not null
        join lessons l on l.id = m.lesson_id and l.date between sp.starts_on and sp.ends_on),
      per_subject as (
        select period_id, subject_id, count(*)::int as mark_count,
          round(sum(value * weight) / sum(weight), 2)::float8 as average
        from graded group by period_id, subject_id),
      finals as (
        select f.period_id, f.subject_id, json_build_object('value', f.value, 'passed', f.passed, 'status', f.status) as final_mark
        from final_marks f join student_periods sp on sp.id = f.period_id
        where f.student_id = ${studentId} and f.removed_at is null)
      select sp.id as period_id, sp.kind, sp.number, sp.starts_on, sp.ends_on,
        coalesce((select json_agg(json_build_object('subjectId', s.subject_id, 'subject', sj.name, 'markCount', coalesce(ps.mark_count, 0),
                    'average', ps.average, 'finalMark', fm.final_mark) order by sj.name)
          from (select subject_id from per_subject where period_id = sp.id union select subject_id from finals where period_id = sp.id) s
          join subjects sj on sj.id = s.subject_id
          left join per_subject ps on ps.period_id = sp.id and ps.subject_id = s.subject_id
          left join finals fm on fm.period_id = sp.id and fm.subject_id = s.subject_id), '[]') as subjects
      from student_periods sp order by sp.starts_on`,
  ])
  return {
    studentId, from, to, days,
    periods: periods.map((p) => ({
      ...p,
      subjects: p.subjects.map((s) => ({ ...s, forecast: forecast(s.average, s.markCount) })),
    })),
  }
}

/** The days alone (one statement): what the bot's day and week views need, without the period summaries. */
export async function diaryDays(sql: Sql, studentId: string, from: string, to: string): Promise<DiaryDay[]> {
  const lessons = await sql<DiaryLesson[]>`
      select l.id as lesson_id, l.date, l.lesson_number, l.starts_at, l.ends_at, l.subject_id, sj.name as subject, l.topic, l.status, l.room,
        concat_ws(' ', t.last_name, t.first_name, t.middle_name) as teacher,
        case when st.id is null then null else concat_ws(' ', st.last_name, st.first_name, st.middle_name) end as substitute,
        (select json_build_object('text', h.text, 'pages', h.pages, 'exercises', h.exercises, 'attachments', h.attachments, 'dueOn', h.due_on)
           from homework h where h.lesson_id = l.id and h.removed_at is null) as homework,
        coalesce((select json_agg(json_build_object('text', h.text, 'pages', h.pages, 'exercises', h.exercises, 'givenOn', gl.date))
           from homework h join lessons gl on gl.id = h.lesson_id where h.due_lesson_id = l.id and h.removed_at is null), '[]') as homework_due,
        coalesce((select json_agg(json_build_object('id', m.id, 'value', m.value, 'passed', m.passed, 'workType', w.name,
                    'weight', m.weight, 'comment', m.comment) order by m.entered_at, m.id)
           from marks m join work_types w on w.id = m.work_type_id
           where m.student_id = ${studentId} and m.lesson_id = l.id and m.removed_at is null), '[]') as marks,
        (select json_build_object('kind', a.kind, 'reason', a.reason, 'confirmed', a.reason_confirmed_at is not null)
           from attendance a where a.student_id = ${studentId} and a.lesson_id = l.id and a.removed_at is null) as attendance
      from enrolments e
      join lessons l on l.class_id = e.class_id and l.date between greatest(e.started_on, ${from}::date) and least(coalesce(e.ended_on, ${to}::date), ${to}::date)
      join subjects sj on sj.id = l.subject_id
      join persons t on t.id = l.teacher_id
      left join persons st on st.id = l.substitute_teacher_id
      where e.student_id = ${studentId} and e.started_on <= ${to} and (e.ended_on is null or e.ended_on >= ${from})
        and (l.subgroup_id is null or exists (
          select 1 from subgroup_members sm where sm.subgroup_id = l.subgroup_id and sm.student_id = ${studentId}
            and sm.started_on <= l.date and (sm.ended_on is null or sm.ended_on >= l.date)))
      order by l.date, l.lesson_number, sj.name`
  const days: DiaryDay[] = []
  for (const l of lessons) {
    const last = days[days.length - 1]
    if (last?.date === l.date) last.lessons.push(l)
    else days.push({ date: l.date, lessons: [l] })
  }
  return days
}

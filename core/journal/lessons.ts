/**
 * Dated lessons: generated from the weekly timetable for a date range, changed by the
 * administration (cancel, move, substitute — the substitution recorded when entered, school26
 * 2.10), their topic edited by the teacher; and the read views: a lesson's journal page, a
 * teacher's day, a class's lessons.
 */
import { can } from '../auth/policy.ts'
import type { Db, Sql, Tx } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { lessonResource, lessonStudentsQuery, loadLesson, requireClass, requireLesson, requireSchoolAction, type LessonFacts } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import { addDays, weekday, zonedInstant } from './time.ts'

const LESSON_VIEW = (db: Db) => db`
  l.id, l.class_id, c.grade || c.letter as class_name, l.subgroup_id, l.subject_id, sj.name as subject, l.date,
  l.lesson_number, l.starts_at, l.ends_at, l.room, l.topic, l.status,
  json_build_object('id', t.id, 'lastName', t.last_name, 'firstName', t.first_name, 'middleName', t.middle_name) as teacher,
  case when st.id is null then null else
    json_build_object('id', st.id, 'lastName', st.last_name, 'firstName', st.first_name, 'middleName', st.middle_name) end as substitute`
const LESSON_JOINS = (db: Db) => db`
  join classes c on c.id = l.class_id join subjects sj on sj.id = l.subject_id join persons t on t.id = l.teacher_id
  left join persons st on st.id = l.substitute_teacher_id`

export interface LessonView {
  id: string; classId: string; className: string; subgroupId: string | null; subjectId: string; subject: string
  date: string; lessonNumber: number; startsAt: Date; endsAt: Date; room: string | null; topic: string | null
  status: 'planned' | 'cancelled'
  teacher: { id: string; lastName: string; firstName: string; middleName: string | null }
  substitute: { id: string; lastName: string; firstName: string; middleName: string | null } | null
}

async function lessonView(db: Db, lessonId: string): Promise<LessonView> {
  const [row] = await db<LessonView[]>`select ${LESSON_VIEW(db)} from lessons l ${LESSON_JOINS(db)} where l.id = ${lessonId}`
  return row!
}

/** The journal page of a lesson: the lesson, its homework, and each student with attendance and marks. */
export async function lessonJournal(db: Db, l: LessonFacts) {
  const [lesson, homework, students] = await Promise.all([
    lessonView(db, l.id),
    db`select id, lesson_id, text, pages, exercises, attachments, due_lesson_id, due_on, entered_at, late
       from homework where lesson_id = ${l.id} and removed_at is null`,
    db<{ id: string; lastName: string; firstName: string; attendance: unknown; marks: unknown[] }[]>`
      select p.id, p.last_name, p.first_name,
        (select json_build_object('id', a.id, 'lessonId', a.lesson_id, 'studentId', a.student_id, 'kind', a.kind, 'reason', a.reason,
                  'reasonConfirmedAt', a.reason_confirmed_at, 'enteredAt', a.entered_at, 'late', a.late)
           from attendance a where a.lesson_id = ${l.id} and a.student_id = p.id and a.removed_at is null) as attendance,
        coalesce((select json_agg(json_build_object('id', m.id, 'lessonId', m.lesson_id, 'studentId', m.student_id, 'value', m.value,
                  'passed', m.passed, 'workTypeId', m.work_type_id, 'workType', w.name, 'weight', m.weight, 'comment', m.comment,
                  'enteredAt', m.entered_at, 'late', m.late) order by m.entered_at, m.id)
           from marks m join work_types w on w.id = m.work_type_id
           where m.lesson_id = ${l.id} and m.student_id = p.id and m.removed_at is null), '[]') as marks
      from persons p
      where p.id in (${lessonStudentsQuery(db, l)})
      order by p.last_name, p.first_name`,
  ])
  return { lesson, homework: homework[0] ?? null, students }
}

export async function getLessonJournal(sql: Sql, ctx: RequestContext, lessonId: string) {
  return lessonJournal(sql, await requireLesson(sql, ctx, lessonId, 'lesson.read'))
}

/** A teacher's lessons on a day: their own and those they substitute. */
export async function myLessons(sql: Sql, ctx: RequestContext, date: string): Promise<LessonView[]> {
  if (ctx.actor.personIds.length === 0) return []
  return sql<LessonView[]>`
    select ${LESSON_VIEW(sql)} from lessons l ${LESSON_JOINS(sql)}
    where l.date = ${date} and (l.teacher_id in ${sql(ctx.actor.personIds)} or l.substitute_teacher_id in ${sql(ctx.actor.personIds)})
    order by l.starts_at`
}

/** A class's lessons in a range: all of them for journal readers, a teacher's own otherwise. */
export async function classLessons(sql: Sql, ctx: RequestContext, classId: string, from: string, to: string): Promise<LessonView[]> {
  const c = await requireClass(sql, ctx, classId, 'class.readRoster')
  if (to < from || to > addDays(from, 62)) throw errors.validation([{ path: 'to', message: 'the range is from..to, at most 62 days' }])
  const readsAll = can(ctx.actor, 'class.readJournal', { type: 'class', schoolId: c.schoolId, classId })
  const own = ctx.actor.personIds.length ? ctx.actor.personIds : ['00000000-0000-0000-0000-000000000000']
  return sql<LessonView[]>`
    select ${LESSON_VIEW(sql)} from lessons l ${LESSON_JOINS(sql)}
    where l.class_id = ${classId} and l.date between ${from} and ${to}
      ${readsAll ? sql`` : sql`and (l.teacher_id in ${sql(own)} or l.substitute_teacher_id in ${sql(own)})`}
    order by l.date, l.lesson_number`
}

/** A teacher's lessons over a range (own and substituted), with the class's grade and whether homework is set: the bot's day. */
export async function myLessonsBetween(sql: Sql, ctx: RequestContext, from: string, to: string): Promise<(LessonView & { grade: number; hasHomework: boolean })[]> {
  if (to < from || to > addDays(from, 62)) throw errors.validation([{ path: 'to', message: 'the range is from..to, at most 62 days' }])
  if (ctx.actor.personIds.length === 0) return []
  return sql<(LessonView & { grade: number; hasHomework: boolean })[]>`
    select ${LESSON_VIEW(sql)}, c.grade,
      exists (select 1 from homework h where h.lesson_id = l.id and h.removed_at is null) as has_homework
    from lessons l ${LESSON_JOINS(sql)}
    where l.date between ${from} and ${to}
      and (l.teacher_id in ${sql(ctx.actor.personIds)} or l.substitute_teacher_id in ${sql(ctx.actor.personIds)})
    order by l.starts_at, c.grade, c.letter`
}

/** The classes and subjects a teacher is assigned to in the open school years (the bot matches free text against them). */
export async function myTeaching(sql: Sql, ctx: RequestContext): Promise<{ classId: string; className: string; grade: number; subjectId: string; subject: string }[]> {
  if (ctx.actor.personIds.length === 0) return []
  return sql<{ classId: string; className: string; grade: number; subjectId: string; subject: string }[]>`
    select c.id as class_id, c.grade || c.letter as class_name, c.grade, sj.id as subject_id, sj.name as subject
    from teaching_assignments a join classes c on c.id = a.class_id join subjects sj on sj.id = a.subject_id
    join academic_years y on y.id = c.academic_year_id and y.closed_at is null
    where a.teacher_id in ${sql(ctx.actor.personIds)}
    group by c.id, sj.id
    order by c.grade, c.letter, sj.name`
}

/**
 * A class's attendance entries on a date, with their ids (the class teacher confirms reasons by
 * them): for those who read the class's journal (its class teacher, the administration).
 */
export async function classAttendanceOn(sql: Sql, ctx: RequestContext, classId: string, date: string) {
  await requireClass(sql, ctx, classId, 'class.readJournal')
  return sql<{
    attendanceId: string; lessonId: string; lessonNumber: number; subject: string; studentId: string; lastName: string; firstName: string
    kind: 'absent' | 'ill' | 'excused' | 'late'; reason: string | null; reasonConfirmed: boolean
  }[]>`
    select a.id as attendance_id, l.id as lesson_id, l.lesson_number, sj.name as subject, p.id as student_id, p.last_name, p.first_name,
      a.kind, a.reason, a.reason_confirmed_at is not null as reason_confirmed
    from lessons l join subjects sj on sj.id = l.subject_id
    join attendance a on a.lesson_id = l.id and a.removed_at is null
    join persons p on p.id = a.student_id
    where l.class_id = ${classId} and l.date = ${date} and l.status = 'planned'
    order by p.last_name, p.first_name, l.lesson_number`
}

// ---------------------------------------------------------------- changes

const lessonRow = (db: Db, id: string) =>
  db`select id, date, lesson_number, starts_at, ends_at, room, topic, status, teacher_id, substitute_teacher_id, substitute_recorded_at
     from lessons where id = ${id}`.then((r) => r[0]!)

async function changeLesson(
  sql: Sql, ctx: RequestContext, lessonId: string, manage: boolean,
  apply: (tx: Tx, l: LessonFacts) => Promise<{ kind: Change['kind']; payload: Record<string, unknown> } | null>,
): Promise<LessonView> {
  return sql.begin(async (tx) => {
    const l = manage ? await manageableLesson(tx, ctx, lessonId) : await requireLesson(tx, ctx, lessonId, 'lesson.write')
    const before = await lessonRow(tx, l.id)
    const done = await apply(tx, l)
    if (done) {
      await tx`update lessons set updated_at = now() where id = ${l.id}`
      await recordChanges(tx, ctx, [{
        schoolId: l.schoolId, kind: done.kind, entityType: 'lesson', entityId: l.id, before, after: await lessonRow(tx, l.id),
        classId: l.classId, payload: { lessonId: l.id, subjectId: l.subjectId, date: l.date, ...done.payload },
      }])
    }
    return lessonView(tx, l.id)
  })
}

/**
 * Timetable changes are the administration's (journal.manage). A lesson the actor may not read
 * is "not found" (as for entries): a guardian or another teacher learns nothing of it.
 */
async function manageableLesson(tx: Tx, ctx: RequestContext, lessonId: string): Promise<LessonFacts> {
  const l = await loadLesson(tx, lessonId)
  if (!l || !can(ctx.actor, 'lesson.read', lessonResource(l))) throw errors.notFound('lesson', lessonId)
  requireSchoolAction(ctx, l.schoolId, 'journal.manage')
  if (l.yearClosed) throw errors.conflict('The school year of this lesson is closed')
  return l
}

/** The teacher edits the topic (from the plan by default) and the room. */
export function patchLesson(sql: Sql, ctx: RequestContext, lessonId: string, input: { topic?: string | null | undefined; room?: string | null | undefined }) {
  return changeLesson(sql, ctx, lessonId, false, async (tx, l) => {
    const topic = input.topic === undefined ? l.topic : input.topic
    const room = input.room === undefined ? l.room : input.room
    if (topic === l.topic && room === l.room) return null
    await tx`update lessons set topic = ${topic}, room = ${room} where id = ${l.id}`
    return { kind: 'lesson.changed', payload: { fields: [topic !== l.topic && 'topic', room !== l.room && 'room'].filter(Boolean) } }
  })
}

export function cancelLesson(sql: Sql, ctx: RequestContext, lessonId: string, reason: string) {
  return changeLesson(sql, ctx, lessonId, true, async (tx, l) => {
    if (l.status === 'cancelled') return null
    await tx`update lessons set status = 'cancelled' where id = ${l.id}`
    // homework that was due at the cancelled lesson becomes due at the next one of the subject
    await tx`
      update homework h set due_lesson_id = n.id, due_on = n.date
      from (select id, date from lessons
            where assignment_id = ${l.assignmentId} and status = 'planned'
              and (date, lesson_number) > (${l.date}::date, ${l.lessonNumber}::smallint)
            order by date, lesson_number limit 1) n
      where h.due_lesson_id = ${l.id} and h.removed_at is null`
    return { kind: 'lesson.cancelled', payload: { reason } }
  })
}

export function moveLesson(sql: Sql, ctx: RequestContext, lessonId: string, to: { date: string; lessonNumber: number; reason?: string | undefined }) {
  return changeLesson(sql, ctx, lessonId, true, async (tx, l) => {
    if (to.date === l.date && to.lessonNumber === l.lessonNumber) return null
    const [bell] = await tx<{ startsAt: string; endsAt: string }[]>`
      select b.starts_at::text, b.ends_at::text from bells b
      left join timetable_slots s on s.id = (select slot_id from lessons where id = ${l.id})
      where b.school_id = ${l.schoolId} and b.shift = coalesce(s.shift, 1) and b.number = ${to.lessonNumber}`
    if (!bell) throw errors.rule(`There is no bell for lesson ${to.lessonNumber}`)
    await tx`
      update lessons set date = ${to.date}, lesson_number = ${to.lessonNumber},
        starts_at = ${zonedInstant(to.date, bell.startsAt, l.timezone)}, ends_at = ${zonedInstant(to.date, bell.endsAt, l.timezone)}
      where id = ${l.id}`
    // homework due at this lesson stays due at it, on its new date
    await tx`update homework set due_on = ${to.date} where due_lesson_id = ${l.id} and removed_at is null`
    return { kind: 'lesson.changed', payload: { fields: ['date', 'lessonNumber'], previous: { date: l.date, lessonNumber: l.lessonNumber }, reason: to.reason ?? null } }
  })
}

/** Records (or clears, null) the substitute teacher; the time of entry is kept (school26 2.10). */
export function setSubstitute(sql: Sql, ctx: RequestContext, lessonId: string, substituteTeacherId: string | null) {
  return changeLesson(sql, ctx, lessonId, true, async (tx, l) => {
    if (substituteTeacherId === l.substituteTeacherId) return null
    if (substituteTeacherId) {
      const [staff] = await tx`select 1 from persons where id = ${substituteTeacherId} and school_id = ${l.schoolId} and kind = 'staff'`
      if (!staff) throw errors.invalidReference(`person ${substituteTeacherId} is not a staff member of this school`)
      if (substituteTeacherId === l.teacherId) throw errors.validation([{ path: 'substituteTeacherId', message: 'the substitute is the lesson’s own teacher' }])
    }
    await tx`update lessons set substitute_teacher_id = ${substituteTeacherId},
             substitute_recorded_at = ${substituteTeacherId ? tx`now()` : null} where id = ${l.id}`
    return { kind: 'lesson.substituted', payload: { substituteTeacherId, previous: l.substituteTeacherId } }
  })
}

// ---------------------------------------------------------------- generation

interface SlotFacts {
  id: string; assignmentId: string; classId: string; subgroupId: string | null; subjectId: string; teacherId: string
  grade: number; academicYearId: string; yearStartsOn: string; yearEndsOn: string; yearClosed: boolean
  weekday: number; lessonNumber: number; shift: number; room: string | null; validFrom: string; validTo: string | null
}

/**
 * Creates the dated lessons of the weekly timetable for a range (at most a year): one per slot
 * and date, skipping holidays of the class's grade and dates outside the school year. Running
 * it again creates only what is missing. New lessons take their topics from the plan (КТП) in
 * order. Returns the number of lessons created.
 */
export async function generateLessons(
  sql: Sql, ctx: RequestContext, schoolId: string, input: { from: string; to: string; classId?: string | undefined },
): Promise<{ created: number }> {
  requireSchoolAction(ctx, schoolId, 'journal.manage')
  if (input.to < input.from || input.to > addDays(input.from, 366))
    throw errors.validation([{ path: 'to', message: 'the range is from..to, at most a year' }])
  return sql.begin(async (tx) => {
    const [school] = await tx<{ timezone: string }[]>`select timezone from schools where id = ${schoolId}`
    const slots = await tx<SlotFacts[]>`
      select s.id, s.assignment_id, a.class_id, a.subgroup_id, a.subject_id, a.teacher_id, c.grade, c.academic_year_id,
        y.starts_on as year_starts_on, y.ends_on as year_ends_on, y.closed_at is not null as year_closed,
        s.weekday, s.lesson_number, s.shift, s.room, s.valid_from, s.valid_to
      from timetable_slots s join teaching_assignments a on a.id = s.assignment_id
      join classes c on c.id = a.class_id join academic_years y on y.id = c.academic_year_id
      where s.school_id = ${schoolId} and s.valid_from <= ${input.to} and (s.valid_to is null or s.valid_to >= ${input.from})
        ${input.classId ? tx`and a.class_id = ${input.classId}` : tx``}`
    const holidays = await tx<{ academicYearId: string; startsOn: string; endsOn: string; gradeFrom: number; gradeTo: number }[]>`
      select academic_year_id, starts_on, ends_on, grade_from, grade_to from holidays
      where school_id = ${schoolId} and starts_on <= ${input.to} and ends_on >= ${input.from}`
    const bells = new Map((await tx<{ shift: number; number: number; startsAt: string; endsAt: string }[]>`
      select shift, number, starts_at::text, ends_at::text from bells where school_id = ${schoolId}`).map((b) => [`${b.shift}/${b.number}`, b]))
    const rows: Record<string, unknown>[] = []
    for (let date = input.from; date <= input.to; date = addDays(date, 1)) {
      const wd = weekday(date)
      for (const s of slots) {
        if (s.weekday !== wd || s.yearClosed || date < s.validFrom || (s.validTo && date > s.validTo)) continue
        if (date < s.yearStartsOn || date > s.yearEndsOn) continue
        if (holidays.some((h) => h.academicYearId === s.academicYearId && date >= h.startsOn && date <= h.endsOn && s.grade >= h.gradeFrom && s.grade <= h.gradeTo)) continue
        const bell = bells.get(`${s.shift}/${s.lessonNumber}`)
        if (!bell) throw errors.rule(`There is no bell for lesson ${s.lessonNumber} of shift ${s.shift}`)
        rows.push({
          schoolId, assignmentId: s.assignmentId, classId: s.classId, subgroupId: s.subgroupId, subjectId: s.subjectId,
          teacherId: s.teacherId, date, lessonNumber: s.lessonNumber, room: s.room, slotId: s.id, slotDate: date,
          startsAt: zonedInstant(date, bell.startsAt, school!.timezone), endsAt: zonedInstant(date, bell.endsAt, school!.timezone),
        })
      }
    }
    const created: { id: string; classId: string; subjectId: string; date: string; assignmentId: string }[] = []
    for (let i = 0; i < rows.length; i += 2000) {
      created.push(...await tx<{ id: string; classId: string; subjectId: string; date: string; assignmentId: string }[]>`
        insert into lessons ${tx(rows.slice(i, i + 2000) as never[])}
        on conflict (slot_id, slot_date) where slot_id is not null do nothing
        returning id, class_id, subject_id, date, assignment_id`)
    }
    const assignments = [...new Set(created.map((c) => c.assignmentId))]
    if (assignments.length) await applyPlanTopics(tx, assignments)
    await recordChanges(tx, ctx, created.map((c) => ({
      schoolId, kind: 'lesson.created' as const, entityType: 'lesson', entityId: c.id, before: null, after: c,
      classId: c.classId, payload: { lessonId: c.id, subjectId: c.subjectId, date: c.date },
    })))
    return { created: created.length }
  })
}

/** Gives lessons without a topic the plan's topic of their place in the assignment's sequence. */
export async function applyPlanTopics(tx: Tx, assignmentIds: string[]): Promise<void> {
  await tx`
    with numbered as (
      select id, assignment_id, row_number() over (partition by assignment_id order by date, lesson_number) as n
      from lessons where assignment_id in ${tx(assignmentIds)} and status = 'planned')
    update lessons l set plan_topic_id = pt.id, topic = pt.topic
    from numbered x join plan_topics pt on pt.assignment_id = x.assignment_id and pt.number = x.n
    where l.id = x.id and l.topic is null and l.plan_topic_id is null`
}


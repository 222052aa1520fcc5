/**
 * Setting up the school year (school14 4.3: the administration forms it by 5 September):
 * academic years, periods per grade range, holidays, classes, subjects, work types, teaching
 * assignments with their plan (КТП), bells and the weekly timetable. Closing a year promotes
 * the classes into the next one and graduates the 11th grade, keeping the history.
 */
import type { z } from 'zod'
import { can } from '../auth/policy.ts'
import type { Db, Sql, Tx } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { archiveClassJournals } from '../archive/journals.ts'
import { closePeriodTx } from '../archive/close-period.ts'
import { requireSchoolAction } from './access.ts'
import { recordChanges, type Change } from './changes.ts'
import { applyPlanTopics } from './lessons.ts'
import type {
  AssignmentView, ClassView, HolidayView, PeriodView, SlotView, SubjectView, WorkTypeView, YearView,
  assignmentBody, bellsBody, classBody, closeYearBody, holidayBody, periodBody, planBody, slotBody, subjectBody, workTypeBody, yearBody,
} from './schema.ts'

/** The work types a school starts with: weight and the regulation's deadline (school26 2.5, 2.11, 2.12). */
export const DEFAULT_WORK_TYPES = [
  { name: 'Ответ на уроке', weight: 1, deadlineDays: 0, isDefault: true },
  { name: 'Самостоятельная работа', weight: 1.5, deadlineDays: 0, isDefault: false },
  { name: 'Проверочная работа', weight: 1.5, deadlineDays: 3, isDefault: false },
  { name: 'Контрольная работа', weight: 2, deadlineDays: 3, isDefault: false },
  { name: 'Письменная работа', weight: 1.5, deadlineDays: 10, isDefault: false },
  { name: 'Сочинение', weight: 2, deadlineDays: 10, isDefault: false },
  { name: 'Домашняя работа', weight: 1, deadlineDays: 0, isDefault: false },
] as const

const change = (schoolId: string, kind: Change['kind'], entityType: string, row: { id: string }, extra: Partial<Change> = {}): Change => ({
  schoolId, kind, entityType, entityId: row.id, before: null, after: row, payload: { id: row.id }, ...extra,
})

async function inTx<T>(sql: Sql, ctx: RequestContext, schoolId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  requireSchoolAction(ctx, schoolId, 'journal.manage')
  return sql.begin(fn) as Promise<T>
}

function assertRange(from: string, to: string, path = 'endsOn'): void {
  if (to < from) throw errors.validation([{ path, message: 'ends before it starts' }])
}

async function openYear(db: Db, schoolId: string, yearId: string) {
  const [y] = await db<{ id: string; startsOn: string; endsOn: string; closedAt: Date | null }[]>`
    select id, starts_on, ends_on, closed_at from academic_years where id = ${yearId} and school_id = ${schoolId}`
  if (!y) throw errors.invalidReference(`academic year ${yearId} is not a year of this school`)
  if (y.closedAt) throw new AppError('year_closed', 'The school year is closed')
  return y
}

// ---------------------------------------------------------------- years, periods, holidays

export async function createYear(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof yearBody>) {
  assertRange(input.startsOn, input.endsOn)
  return inTx(sql, ctx, schoolId, (tx) => insertYear(tx, ctx, schoolId, input))
}

async function insertYear(tx: Tx, ctx: RequestContext, schoolId: string, input: z.infer<typeof yearBody>) {
  const [overlap] = await tx`select 1 from academic_years where school_id = ${schoolId} and starts_on <= ${input.endsOn} and ends_on >= ${input.startsOn}`
  if (overlap) throw errors.conflict('The school already has a year overlapping these dates')
  const [y] = await tx<YearView[]>`
    insert into academic_years (school_id, name, starts_on, ends_on) values (${schoolId}, ${input.name}, ${input.startsOn}, ${input.endsOn})
    returning id, school_id, name, starts_on, ends_on, closed_at`
  await ensureWorkTypes(tx, ctx, schoolId)
  await recordChanges(tx, ctx, [change(schoolId, 'year.created', 'academic_year', y!)])
  return y!
}

/** Gives a school the default work types the first time it sets up a year. */
export async function ensureWorkTypes(tx: Tx, ctx: RequestContext, schoolId: string): Promise<void> {
  const [any] = await tx`select 1 from work_types where school_id = ${schoolId} limit 1`
  if (any) return
  const rows = await tx<{ id: string }[]>`
    insert into work_types ${tx(DEFAULT_WORK_TYPES.map((w) => ({ ...w, schoolId })))} returning id, name, weight::float8 as weight, deadline_days, is_default`
  await recordChanges(tx, ctx, rows.map((r) => change(schoolId, 'work_type.created', 'work_type', r)))
}

export async function listYears(sql: Sql, ctx: RequestContext, schoolId: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  const years = await sql<YearView[]>`
    select id, school_id, name, starts_on, ends_on, closed_at from academic_years where school_id = ${schoolId} order by starts_on`
  const periods = await sql<PeriodView[]>`
    select id, academic_year_id, kind, number, grade_from, grade_to, starts_on, ends_on from periods
    where school_id = ${schoolId} order by starts_on, grade_from`
  const holidays = await sql<HolidayView[]>`
    select id, academic_year_id, name, starts_on, ends_on, grade_from, grade_to from holidays where school_id = ${schoolId} order by starts_on`
  return years.map((y) => ({
    ...y, periods: periods.filter((p) => p.academicYearId === y.id), holidays: holidays.filter((h) => h.academicYearId === y.id),
  }))
}

export async function createPeriod(sql: Sql, ctx: RequestContext, schoolId: string, yearId: string, input: z.infer<typeof periodBody>) {
  assertRange(input.startsOn, input.endsOn)
  if (input.gradeTo < input.gradeFrom) throw errors.validation([{ path: 'gradeTo', message: 'is below gradeFrom' }])
  return inTx(sql, ctx, schoolId, async (tx) => {
    const y = await openYear(tx, schoolId, yearId)
    if (input.startsOn < y.startsOn || input.endsOn > y.endsOn) throw errors.validation([{ path: 'startsOn', message: 'the period lies outside its year' }])
    const [overlap] = await tx`
      select 1 from periods where academic_year_id = ${yearId} and kind = ${input.kind}
        and grade_from <= ${input.gradeTo} and grade_to >= ${input.gradeFrom} and starts_on <= ${input.endsOn} and ends_on >= ${input.startsOn}`
    if (overlap) throw errors.conflict('A period of this kind already covers these dates for these grades')
    const [p] = await tx<PeriodView[]>`
      insert into periods (school_id, academic_year_id, kind, number, grade_from, grade_to, starts_on, ends_on)
      values (${schoolId}, ${yearId}, ${input.kind}, ${input.number}, ${input.gradeFrom}, ${input.gradeTo}, ${input.startsOn}, ${input.endsOn})
      returning id, academic_year_id, kind, number, grade_from, grade_to, starts_on, ends_on`
    await recordChanges(tx, ctx, [change(schoolId, 'period.created', 'period', p!)])
    return p!
  })
}

export async function createHoliday(sql: Sql, ctx: RequestContext, schoolId: string, yearId: string, input: z.infer<typeof holidayBody>) {
  assertRange(input.startsOn, input.endsOn)
  return inTx(sql, ctx, schoolId, async (tx) => {
    await openYear(tx, schoolId, yearId)
    const [h] = await tx<HolidayView[]>`
      insert into holidays (school_id, academic_year_id, name, starts_on, ends_on, grade_from, grade_to)
      values (${schoolId}, ${yearId}, ${input.name}, ${input.startsOn}, ${input.endsOn}, ${input.gradeFrom}, ${input.gradeTo})
      returning id, academic_year_id, name, starts_on, ends_on, grade_from, grade_to`
    await recordChanges(tx, ctx, [change(schoolId, 'holiday.created', 'holiday', h!)])
    return h!
  })
}

// ---------------------------------------------------------------- classes

const CLASS_COLUMNS = (db: Db) => db`id, school_id, academic_year_id, grade, letter, class_teacher_id, previous_class_id`

export async function createClass(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof classBody>) {
  return inTx(sql, ctx, schoolId, async (tx) => {
    await openYear(tx, schoolId, input.academicYearId)
    const [c] = await tx<{ id: string }[]>`
      insert into classes (school_id, academic_year_id, grade, letter) values (${schoolId}, ${input.academicYearId}, ${input.grade}, ${input.letter})
      returning ${CLASS_COLUMNS(tx)}`
    if (input.classTeacherId) await assignClassTeacher(tx, ctx, schoolId, c!.id, input.classTeacherId)
    const [row] = await tx<ClassView[]>`select ${CLASS_COLUMNS(tx)} from classes where id = ${c!.id}`
    return row!
  })
}

/** Makes a staff member the class teacher: the class card and a class_teacher role on their accounts. */
export async function assignClassTeacher(tx: Tx, ctx: RequestContext, schoolId: string, classId: string, teacherId: string): Promise<void> {
  const [staff] = await tx`select 1 from persons where id = ${teacherId} and school_id = ${schoolId} and kind = 'staff'`
  if (!staff) throw errors.invalidReference(`person ${teacherId} is not a staff member of this school`)
  await tx`update classes set class_teacher_id = ${teacherId} where id = ${classId}`
  await tx`
    insert into account_roles (account_id, role, school_id, class_id, granted_by)
    select ap.account_id, 'class_teacher', ${schoolId}, ${classId}, ${ctx.actor.accountId} from account_persons ap
    where ap.person_id = ${teacherId}
      and not exists (select 1 from account_roles r where r.account_id = ap.account_id and r.role = 'class_teacher' and r.class_id = ${classId})`
}

/** Changes the class teacher: the new one gets the class_teacher role for the class, the previous one loses it. */
export async function setClassTeacher(sql: Sql, ctx: RequestContext, classId: string, teacherId: string) {
  const [c] = await sql<{ schoolId: string; academicYearId: string; classTeacherId: string | null }[]>`
    select school_id, academic_year_id, class_teacher_id from classes where id = ${classId}`
  if (!c || !can(ctx.actor, 'school.read', { type: 'school', schoolId: c.schoolId })) throw errors.notFound('class', classId)
  return inTx(sql, ctx, c.schoolId, async (tx) => {
    await openYear(tx, c.schoolId, c.academicYearId)
    if (c.classTeacherId === teacherId) return (await tx<ClassView[]>`select ${CLASS_COLUMNS(tx)} from classes where id = ${classId}`)[0]!
    await tx`
      delete from account_roles r using account_persons ap
      where r.role = 'class_teacher' and r.class_id = ${classId} and ap.account_id = r.account_id and ap.person_id <> ${teacherId}`
    await assignClassTeacher(tx, ctx, c.schoolId, classId, teacherId)
    const [after] = await tx<ClassView[]>`select ${CLASS_COLUMNS(tx)} from classes where id = ${classId}`
    await recordChanges(tx, ctx, [{
      schoolId: c.schoolId, kind: 'class.teacher_changed', entityType: 'class', entityId: classId,
      before: { classTeacherId: c.classTeacherId }, after: after!, classId, payload: { classId, classTeacherId: teacherId, previous: c.classTeacherId },
    }])
    return after!
  })
}

export async function listClasses(sql: Sql, ctx: RequestContext, schoolId: string, academicYearId?: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return sql<ClassView[]>`
    select ${CLASS_COLUMNS(sql)} from classes where school_id = ${schoolId}
      ${academicYearId ? sql`and academic_year_id = ${academicYearId}` : sql`and academic_year_id = (
        select id from academic_years where school_id = ${schoolId} and closed_at is null order by starts_on limit 1)`}
    order by grade, letter`
}

/**
 * Closes a year: a class of grade 1–10 continues as the next grade with the same letter in the
 * next year (its class teacher too), its students promoted; the 11th grade graduates; students
 * held back stay in their grade. Each step is written in the movement book under the order.
 */
export async function closeYear(sql: Sql, ctx: RequestContext, schoolId: string, yearId: string, input: z.infer<typeof closeYearBody>) {
  assertRange(input.next.startsOn, input.next.endsOn, 'next.endsOn')
  return inTx(sql, ctx, schoolId, async (tx) => {
    const y = await openYear(tx, schoolId, yearId)
    if (input.next.startsOn <= y.endsOn) throw errors.validation([{ path: 'next.startsOn', message: 'the next year starts after this one ends' }])
    const next = await insertYear(tx, ctx, schoolId, input.next)
    const classes = await tx<{ id: string; grade: number; letter: string; classTeacherId: string | null }[]>`
      select id, grade, letter, class_teacher_id from classes where academic_year_id = ${yearId} order by grade, letter`
    const heldBack = new Set(input.heldBack)
    const successor = new Map<string, string>()
    const classFor = async (grade: number, letter: string, previous: { id: string; classTeacherId: string | null } | null) => {
      const key = `${grade}${letter}`
      const known = successor.get(key)
      if (known) return known
      const [c] = await tx<{ id: string }[]>`
        insert into classes (school_id, academic_year_id, grade, letter, previous_class_id)
        values (${schoolId}, ${next.id}, ${grade}, ${letter}, ${previous?.id ?? null})
        on conflict (academic_year_id, grade, letter) do update set grade = excluded.grade returning id`
      if (previous?.classTeacherId) await assignClassTeacher(tx, ctx, schoolId, c!.id, previous.classTeacherId)
      successor.set(key, c!.id)
      return c!.id
    }
    const movements: Record<string, unknown>[] = []
    let promoted = 0, graduated = 0, retained = 0
    for (const c of classes) {
      const students = await tx<{ enrolmentId: string; studentId: string }[]>`
        select id as enrolment_id, student_id from enrolments where class_id = ${c.id} and ended_on is null`
      if (students.length) await tx`update enrolments set ended_on = ${y.endsOn} where id in ${tx(students.map((s) => s.enrolmentId))}`
      for (const s of students) {
        const stays = heldBack.has(s.studentId)
        if (c.grade === 11 && !stays) {
          graduated++
          movements.push({ kind: 'graduation', studentId: s.studentId, fromClassId: c.id, toClassId: null })
          continue
        }
        const grade = stays ? c.grade : c.grade + 1
        const toClassId = await classFor(grade, c.letter, stays ? null : c)
        await tx`insert into enrolments (student_id, class_id, started_on) values (${s.studentId}, ${toClassId}, ${input.next.startsOn})`
        movements.push({ kind: 'promotion', studentId: s.studentId, fromClassId: c.id, toClassId, note: stays ? 'оставлен(а) на повторное обучение' : null })
        if (stays) retained++
        else promoted++
      }
      if (c.grade < 11) await classFor(c.grade + 1, c.letter, c)
    }
    const rows = movements.map((m) => ({
      schoolId, occurredOn: y.endsOn, orderNumber: input.orderNumber, recordedBy: ctx.actor.accountId, note: null, ...m,
    }))
    const inserted: { id: string; studentId: string; kind: string }[] = []
    for (let i = 0; i < rows.length; i += 2000)
      inserted.push(...await tx<{ id: string; studentId: string; kind: string }[]>`insert into movements ${tx(rows.slice(i, i + 2000) as never[])} returning id, student_id, kind`)
    // the archive (school14 5.3, school26 2.16): the summary sheets of the periods still open,
    // then every class's journal of the year, before the year is marked closed
    const open = await tx<{ id: string }[]>`
      select id from periods where academic_year_id = ${yearId} and closed_at is null order by starts_on, kind, grade_from`
    for (const p of open) await closePeriodTx(tx, ctx, p.id)
    const journals = await archiveClassJournals(tx, ctx, schoolId, yearId)
    await tx`update academic_years set closed_at = now() where id = ${yearId}`
    await recordChanges(tx, ctx, [
      { schoolId, kind: 'year.closed', entityType: 'academic_year', entityId: yearId, before: y, after: { ...y, closedAt: new Date() }, payload: { id: yearId, nextYearId: next.id, promoted, graduated, retained } },
      ...inserted.map((m) => ({ schoolId, kind: 'movement.recorded' as const, entityType: 'movement', entityId: m.id, before: null, after: m, studentId: m.studentId, payload: { movementId: m.id, kind: m.kind } })),
    ])
    return { nextYear: next, promoted, graduated, retained, classes: successor.size, archived: { periods: open.length, journals: journals.length } }
  })
}

// ---------------------------------------------------------------- curriculum

export async function createSubject(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof subjectBody>) {
  return inTx(sql, ctx, schoolId, async (tx) => {
    const [s] = await tx<SubjectView[]>`
      insert into subjects (school_id, name, short_name) values (${schoolId}, ${input.name}, ${input.shortName ?? null})
      returning id, school_id, name, short_name`
    await recordChanges(tx, ctx, [change(schoolId, 'subject.created', 'subject', s!)])
    return s!
  })
}

export async function listSubjects(sql: Sql, ctx: RequestContext, schoolId: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return sql<SubjectView[]>`select id, school_id, name, short_name from subjects where school_id = ${schoolId} order by name`
}

export async function createWorkType(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof workTypeBody>) {
  return inTx(sql, ctx, schoolId, async (tx) => {
    if (input.isDefault) await tx`update work_types set is_default = false where school_id = ${schoolId}`
    const [w] = await tx<WorkTypeView[]>`
      insert into work_types (school_id, name, weight, deadline_days, is_default)
      values (${schoolId}, ${input.name}, ${input.weight}, ${input.deadlineDays}, ${input.isDefault})
      returning id, name, weight::float8 as weight, deadline_days, is_default`
    await recordChanges(tx, ctx, [change(schoolId, 'work_type.created', 'work_type', w!)])
    return w!
  })
}

export async function listWorkTypes(sql: Sql, ctx: RequestContext, schoolId: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return sql<WorkTypeView[]>`select id, name, weight::float8 as weight, deadline_days, is_default from work_types where school_id = ${schoolId} order by weight, name`
}

export async function createAssignment(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof assignmentBody>) {
  return inTx(sql, ctx, schoolId, async (tx) => {
    const [c] = await tx<{ academicYearId: string }[]>`select academic_year_id from classes where id = ${input.classId} and school_id = ${schoolId}`
    if (!c) throw errors.invalidReference(`class ${input.classId} is not a class of this school`)
    await openYear(tx, schoolId, c.academicYearId)
    const [subject] = await tx`select 1 from subjects where id = ${input.subjectId} and school_id = ${schoolId}`
    if (!subject) throw errors.invalidReference(`subject ${input.subjectId} is not a subject of this school`)
    const [teacher] = await tx`select 1 from persons where id = ${input.teacherId} and school_id = ${schoolId} and kind = 'staff'`
    if (!teacher) throw errors.invalidReference(`person ${input.teacherId} is not a staff member of this school`)
    if (input.subgroupId) {
      const [g] = await tx`select 1 from subgroups where id = ${input.subgroupId} and class_id = ${input.classId} and subject_id = ${input.subjectId}`
      if (!g) throw errors.invalidReference(`subgroup ${input.subgroupId} is not a subgroup of this class and subject`)
    }
    const [a] = await tx<AssignmentView[]>`
      insert into teaching_assignments (school_id, class_id, subgroup_id, subject_id, teacher_id)
      values (${schoolId}, ${input.classId}, ${input.subgroupId ?? null}, ${input.subjectId}, ${input.teacherId})
      returning id, class_id, subgroup_id, subject_id, teacher_id`
    await recordChanges(tx, ctx, [change(schoolId, 'assignment.created', 'teaching_assignment', a!, { classId: input.classId })])
    return a!
  })
}

export async function listAssignments(sql: Sql, ctx: RequestContext, schoolId: string, classId?: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return sql<AssignmentView[]>`
    select id, class_id, subgroup_id, subject_id, teacher_id from teaching_assignments
    where school_id = ${schoolId} ${classId ? sql`and class_id = ${classId}` : sql``} order by class_id, subject_id`
}

/** Sets the calendar-thematic plan: topic n of the list is the topic of the assignment's n-th lesson. */
export async function setPlan(sql: Sql, ctx: RequestContext, assignmentId: string, input: z.infer<typeof planBody>) {
  const [a] = await sql<{ schoolId: string; teacherId: string; classId: string }[]>`
    select school_id, teacher_id, class_id from teaching_assignments where id = ${assignmentId}`
  if (!a || !can(ctx.actor, 'school.read', { type: 'school', schoolId: a.schoolId })) throw errors.notFound('assignment', assignmentId)
  // the plan is the teacher's own document; the administration may load it too
  const own = can(ctx.actor, 'lesson.write', { type: 'teaching', schoolId: a.schoolId, classId: a.classId, teacherIds: [a.teacherId] })
  if (!own && !can(ctx.actor, 'journal.manage', { type: 'school', schoolId: a.schoolId })) throw errors.forbidden()
  return sql.begin(async (tx) => {
    const rows = input.topics.map((topic, i) => ({ assignmentId, number: i + 1, topic }))
    await tx`
      insert into plan_topics ${tx(rows)} on conflict (assignment_id, number) do update set topic = excluded.topic`
    // a plan topic beyond the new list stays while a lesson refers to it
    await tx`delete from plan_topics p where p.assignment_id = ${assignmentId} and p.number > ${rows.length}
             and not exists (select 1 from lessons l where l.plan_topic_id = p.id)`
    // lessons that still show the plan's topic follow the new plan
    await tx`update lessons l set topic = p.topic from plan_topics p where p.id = l.plan_topic_id and l.assignment_id = ${assignmentId}`
    await applyPlanTopics(tx, [assignmentId])
    await recordChanges(tx, ctx, [{
      schoolId: a.schoolId, kind: 'plan.replaced', entityType: 'teaching_assignment', entityId: assignmentId, before: null,
      after: { topics: input.topics.length }, classId: a.classId, payload: { assignmentId, topics: input.topics.length },
    }])
    return { topics: rows.length }
  })
}

export async function setBells(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof bellsBody>) {
  for (const [i, b] of input.bells.entries()) if (b.endsAt <= b.startsAt) throw errors.validation([{ path: `bells.${i}.endsAt`, message: 'ends before it starts' }])
  return inTx(sql, ctx, schoolId, async (tx) => {
    const before = await tx`select number, starts_at::text, ends_at::text from bells where school_id = ${schoolId} and shift = ${input.shift} order by number`
    await tx`delete from bells where school_id = ${schoolId} and shift = ${input.shift}`
    await tx`insert into bells ${tx(input.bells.map((b) => ({ schoolId, shift: input.shift, ...b })))}`
    await recordChanges(tx, ctx, [{
      schoolId, kind: 'bells.replaced', entityType: 'school', entityId: schoolId, before: { shift: input.shift, bells: before },
      after: input, payload: { shift: input.shift },
    }])
    return { shift: input.shift, bells: input.bells }
  })
}

export async function createSlot(sql: Sql, ctx: RequestContext, schoolId: string, input: z.infer<typeof slotBody>) {
  if (input.validTo) assertRange(input.validFrom, input.validTo, 'validTo')
  return inTx(sql, ctx, schoolId, async (tx) => {
    const [a] = await tx<{ classId: string }[]>`select class_id from teaching_assignments where id = ${input.assignmentId} and school_id = ${schoolId}`
    if (!a) throw errors.invalidReference(`assignment ${input.assignmentId} is not an assignment of this school`)
    const [bell] = await tx`select 1 from bells where school_id = ${schoolId} and shift = ${input.shift} and number = ${input.lessonNumber}`
    if (!bell) throw errors.rule(`There is no bell for lesson ${input.lessonNumber} of shift ${input.shift}`)
    const [s] = await tx<SlotView[]>`
      insert into timetable_slots (school_id, assignment_id, weekday, lesson_number, shift, room, valid_from, valid_to)
      values (${schoolId}, ${input.assignmentId}, ${input.weekday}, ${input.lessonNumber}, ${input.shift}, ${input.room ?? null},
              ${input.validFrom}, ${input.validTo ?? null})
      returning id, assignment_id, weekday, lesson_number, shift, room, valid_from, valid_to`
    await recordChanges(tx, ctx, [change(schoolId, 'timetable.created', 'timetable_slot', s!, { classId: a.classId })])
    return s!
  })
}

export async function listSlots(sql: Sql, ctx: RequestContext, schoolId: string, classId?: string) {
  if (!can(ctx.actor, 'school.read', { type: 'school', schoolId })) throw errors.notFound('school', schoolId)
  return sql<SlotView[]>`
    select s.id, s.assignment_id, s.weekday, s.lesson_number, s.shift, s.room, s.valid_from, s.valid_to
    from timetable_slots s join teaching_assignments a on a.id = s.assignment_id
    where s.school_id = ${schoolId} ${classId ? sql`and a.class_id = ${classId}` : sql``}
    order by s.weekday, s.lesson_number`
}


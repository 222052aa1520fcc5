/**
 * What every report reads first: the school, the class, the period or date range, and who
 * is in the class; the name formats and the sort order of lists. Reads only — the routes
 * check the policy before calling anything here.
 */
import type { Db } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import { localDate } from '../journal/time.ts'
import { initialsName } from '../people/names.ts'
import type { ClassHead, PeriodHead, SchoolHead } from './schema.ts'

export const ru = new Intl.Collator('ru')


interface NameParts { lastName: string; firstName: string; middleName: string | null }

/** «Иванова Анна»: how a student stands in a class list. */
export const studentName = (p: NameParts) => `${p.lastName} ${p.firstName}`
/** «Иванова А. П.»: how a teacher is named in a report. */
export const staffName = (p: NameParts) => initialsName(p)
export const byName = (a: NameParts, b: NameParts) =>
  ru.compare(a.lastName, b.lastName) || ru.compare(a.firstName, b.firstName) || ru.compare(a.middleName ?? '', b.middleName ?? '')

export async function schoolHead(db: Db, schoolId: string): Promise<SchoolHead> {
  const [s] = await db<SchoolHead[]>`select id, name, timezone from schools where id = ${schoolId}`
  if (!s) throw errors.notFound('school', schoolId)
  return s
}

export interface ClassFacts extends ClassHead {
  schoolId: string
  academicYearId: string
}

export async function classHead(db: Db, classId: string): Promise<{ school: SchoolHead; cls: ClassFacts }> {
  const [c] = await db<(ClassFacts & { ctLast: string | null; ctFirst: string | null; ctMiddle: string | null })[]>`
    select c.id, c.school_id, c.academic_year_id, c.grade, c.letter, c.grade || c.letter as label,
      ct.last_name as ct_last, ct.first_name as ct_first, ct.middle_name as ct_middle
    from classes c left join persons ct on ct.id = c.class_teacher_id where c.id = ${classId}`
  if (!c) throw errors.notFound('class', classId)
  const { ctLast, ctFirst, ctMiddle, ...cls } = c
  const classTeacher = ctLast && ctFirst ? staffName({ lastName: ctLast, firstName: ctFirst, middleName: ctMiddle }) : null
  return { school: await schoolHead(db, c.schoolId), cls: { ...cls, classTeacher } }
}

/** A period of the class's year that applies to its grade; anything else is a bad parameter. */
export async function classPeriod(db: Db, cls: ClassFacts, periodId: string): Promise<PeriodHead> {
  const [p] = await db<(PeriodHead & { academicYearId: string; gradeFrom: number; gradeTo: number })[]>`
    select p.id, p.kind, p.number, p.starts_on, p.ends_on, y.name as year_name, p.academic_year_id, p.grade_from, p.grade_to
    from periods p join academic_years y on y.id = p.academic_year_id where p.id = ${periodId}`
  if (!p || p.academicYearId !== cls.academicYearId || cls.grade < p.gradeFrom || cls.grade > p.gradeTo)
    throw errors.validation([{ path: 'periodId', message: `is not a period of class ${cls.label}` }])
  const { academicYearId: _y, gradeFrom: _f, gradeTo: _t, ...head } = p
  return head
}

/** A period of the school (for school-wide reports). */
export async function schoolPeriod(db: Db, schoolId: string, periodId: string): Promise<PeriodHead> {
  const [p] = await db<PeriodHead[]>`
    select p.id, p.kind, p.number, p.starts_on, p.ends_on, y.name as year_name
    from periods p join academic_years y on y.id = p.academic_year_id where p.id = ${periodId} and p.school_id = ${schoolId}`
  if (!p) throw errors.validation([{ path: 'periodId', message: 'is not a period of this school' }])
  return p
}

/** The longest date range a report reads: a school year and a little. */
export const MAX_RANGE_DAYS = 400

export interface DateRange { from: string; to: string }

export function checkRange(r: DateRange): DateRange {
  if (r.from > r.to) throw errors.validation([{ path: 'to', message: 'is before from' }])
  const days = (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000
  if (days > MAX_RANGE_DAYS) throw errors.validation([{ path: 'to', message: `the range is longer than ${MAX_RANGE_DAYS} days` }])
  return r
}

/** A report's scope, a period (loaded by `period`) or a checked date range, as dates. */
export async function scopeRange(
  scope: { periodId: string } | DateRange, period: (id: string) => Promise<PeriodHead>,
): Promise<{ period: PeriodHead | null; range: DateRange }> {
  if (!('periodId' in scope)) return { period: null, range: checkRange(scope) }
  const p = await period(scope.periodId)
  return { period: p, range: { from: p.startsOn, to: p.endsOn } }
}

/** The last date whose lessons have taken place: the range's end, or today when it is later. */
export function heldUntil(to: string, timezone: string, now: Date): string {
  const today = localDate(now, timezone)
  return to < today ? to : today
}

/**
 * Pairs each lesson `l` with the students expected at it, `e`: enrolled in its class on its
 * date and, for a subgroup lesson, members then. The condition of lessonStudentsQuery
 * (core/journal/access.ts), over every lesson of a range at once.
 */
export const EXPECTED_STUDENTS = (db: Db) => db`
  join enrolments e on e.class_id = l.class_id and e.started_on <= l.date and (e.ended_on is null or e.ended_on >= l.date)
    and (l.subgroup_id is null or exists (
      select 1 from subgroup_members sm where sm.subgroup_id = l.subgroup_id and sm.student_id = e.student_id
        and sm.started_on <= l.date and (sm.ended_on is null or sm.ended_on >= l.date)))`

export interface RosterStudent extends NameParts {
  id: string
  name: string
  /** the first day in the class within the range, when later than the range's start */
  arrivedOn: string | null
  /** the last day in the class within the range, when earlier than the range's end */
  leftOn: string | null
  /** enrolled on the range's last day */
  onRoll: boolean
}

/** Students enrolled in the class at some time in from..to, in alphabetical order. */
export async function classRoster(db: Db, classId: string, from: string, to: string): Promise<RosterStudent[]> {
  const rows = await db<(NameParts & { id: string; firstDay: string; lastDay: string | null; onRoll: boolean })[]>`
    select p.id, p.last_name, p.first_name, p.middle_name, min(e.started_on) as first_day,
      case when bool_or(e.ended_on is null) then null else max(e.ended_on) end as last_day,
      bool_or(e.started_on <= ${to} and (e.ended_on is null or e.ended_on >= ${to})) as on_roll
    from enrolments e join persons p on p.id = e.student_id
    where e.class_id = ${classId} and e.started_on <= ${to} and (e.ended_on is null or e.ended_on >= ${from})
    group by p.id, p.last_name, p.first_name, p.middle_name`
  return rows.sort(byName).map(({ firstDay, lastDay, ...p }) => ({
    ...p, name: studentName(p),
    arrivedOn: firstDay > from ? firstDay : null,
    leftOn: lastDay !== null && lastDay < to ? lastDay : null,
  }))
}

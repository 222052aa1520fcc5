/**
 * Scheduled reports for class teachers: the day's absences after the class's last lesson, and
 * the week's attendance on Saturday afternoon (school14 4.6.2). Each is one delivery per class,
 * day or week and channel (a unique dedupe key), so several workers create it once.
 *
 * The weekly diary printouts go out at the same Saturday hour (school14 4.6.5, school26 1.6):
 * a PDF by e-mail to each guardian who chose e-mail, one per child; and to the class teacher of
 * a class with guardians who chose paper, one PDF of those children's weeks (notifier/printouts.ts).
 */
import type { Sql } from '../core/db/connect.ts'
import { addDays, localDate, weekday } from '../core/journal/time.ts'
import { classesDueForAbsenceDigest } from '../core/notifications/attendance-reports.ts'
import { CHANNELS, chooseChannel, loadProfiles, quietUntil, type Channel, type Topic } from '../core/notifications/preferences.ts'
import type { NewDelivery } from './dispatch.ts'
import type { NotifierOptions } from './options.ts'
import { PRINTOUT_ROUTES } from './printouts.ts'

/** The weekly summary goes out on Saturday from this local time, for Monday to Saturday. */
export const WEEKLY_SUMMARY_AT = '16:00'

interface Due { classId: string; schoolId: string; classTeacherId: string; from: string; to: string }

export async function scheduleReports(sql: Sql, opts: NotifierOptions, unavailable: readonly Channel[] = []): Promise<NewDelivery[]> {
  const now = opts.clock()
  const daily = await classesDueForAbsenceDigest(sql, now, opts.digestGraceMinutes)
  const weekly = await classesDueForWeeklySummary(sql, now)
  const bundle = PRINTOUT_ROUTES.paper_bundle
  return [
    ...await createReports(sql, now, 'absence_digest', daily.map((c) => ({ ...c, from: c.date, to: c.date })), new Set(unavailable)),
    ...await createReports(sql, now, 'attendance_summary', weekly, new Set(unavailable)),
    ...await createReports(sql, now, 'attendance_summary', await withPaperGuardians(sql, weekly), new Set([
      ...unavailable, ...CHANNELS.filter((c) => !bundle.channels.includes(c)),
    ]), { report: 'paper_bundle', key: paperBundleKey }),
    ...await createDiaryWeeks(sql, now, unavailable),
  ]
}

const paperBundleKey = (d: Due) => `paper_bundle:${d.classId}:${d.from}`

/** The classes among `due` with a guardian who takes the week on paper and no bundle yet. */
async function withPaperGuardians(sql: Sql, due: readonly Due[]): Promise<Due[]> {
  if (!due.length) return []
  const rows = await sql<{ classId: string }[]>`
    select distinct e.class_id
    from enrolments e
    join guardianships g on g.student_id = e.student_id
    join printout_preferences pp on pp.person_id = g.guardian_id and pp.weekly = 'paper'
    where e.class_id = any(${due.map((d) => d.classId)}::uuid[]) and e.ended_on is null`
  const paper = new Set(rows.map((r) => r.classId))
  const candidates = due.filter((d) => paper.has(d.classId))
  if (!candidates.length) return []
  // already made (on whatever channel): a changed channel preference must not make a second one
  const made = await sql<{ key: string }[]>`
    select dedupe_key as key from deliveries
    where person_id = any(${[...new Set(candidates.map((d) => d.classTeacherId))]}::uuid[])
      and dedupe_key = any(${candidates.map(paperBundleKey)}::text[])`
  const done = new Set(made.map((m) => m.key))
  return candidates.filter((d) => !done.has(paperBundleKey(d)))
}

/**
 * The weekly diary by e-mail: on Saturday from WEEKLY_SUMMARY_AT school time, one delivery per
 * guardian who chose e-mail and child now in a class of an open year, for Monday..Saturday.
 * A guardian whose card has lost its e-mail address gets nothing (the class teacher's list of
 * recipients shows it). Quiet hours defer it as they defer reports.
 */
async function createDiaryWeeks(sql: Sql, now: Date, unavailable: readonly Channel[]): Promise<NewDelivery[]> {
  if (unavailable.includes('email')) return []
  const due = await sql<{ guardianId: string; studentId: string; schoolId: string; timezone: string }[]>`
    with due as (
      select g.guardian_id, g.student_id, c.school_id, s.timezone,
        (${now}::timestamptz at time zone s.timezone)::date - 5 as monday
      from printout_preferences pp
      join guardianships g on g.guardian_id = pp.person_id
      join enrolments e on e.student_id = g.student_id and e.ended_on is null
      join classes c on c.id = e.class_id
      join academic_years y on y.id = c.academic_year_id and y.closed_at is null
      join schools s on s.id = c.school_id
      where pp.weekly = 'email'
        and extract(isodow from (${now}::timestamptz at time zone s.timezone)) = 6
        and (${now}::timestamptz at time zone s.timezone)::time >= ${WEEKLY_SUMMARY_AT}::time)
    select distinct guardian_id, student_id, school_id, timezone from due
    where not exists (
      select 1 from deliveries d
      where d.person_id = due.guardian_id and d.channel = 'email'
        and d.dedupe_key = 'diary_week:' || due.student_id || ':' || to_char(due.monday, 'YYYY-MM-DD'))`
  if (!due.length) return []
  const profiles = await loadProfiles(sql, [...new Set(due.map((d) => d.guardianId))])
  const rows = due.flatMap((d) => {
    const p = profiles.get(d.guardianId)
    if (!p?.addresses.email) return []
    const saturday = localDate(now, d.timezone)
    const monday = addDays(saturday, 1 - weekday(saturday))
    const notBefore = quietUntil(p, now) ?? now
    return [{
      schoolId: d.schoolId, personId: d.guardianId, channel: 'email', mode: 'report', dedupeKey: `diary_week:${d.studentId}:${monday}`,
      status: notBefore > now ? 'deferred' : 'pending', notBefore,
      payload: sql.json({ report: 'diary_week', studentId: d.studentId, from: monday, to: saturday }),
    }]
  })
  if (!rows.length) return []
  const created = await sql<{ id: string; notBefore: Date }[]>`
    insert into deliveries ${sql(rows as never[])}
    on conflict (person_id, channel, dedupe_key) where dedupe_key is not null do nothing
    returning id, not_before`
  return created.map((r) => ({ id: r.id, channel: 'email' as const, notBefore: r.notBefore }))
}

async function classesDueForWeeklySummary(sql: Sql, now: Date): Promise<Due[]> {
  const rows = await sql<{ classId: string; schoolId: string; classTeacherId: string; timezone: string }[]>`
    select c.id as class_id, c.school_id, c.class_teacher_id, s.timezone
    from classes c
    join schools s on s.id = c.school_id
    join academic_years y on y.id = c.academic_year_id and y.closed_at is null
    where c.class_teacher_id is not null
      and extract(isodow from (${now}::timestamptz at time zone s.timezone)) = 6
      and (${now}::timestamptz at time zone s.timezone)::time >= ${WEEKLY_SUMMARY_AT}::time`
  return rows.map((r) => {
    const saturday = localDate(now, r.timezone)
    return { ...r, from: addDays(saturday, 1 - weekday(saturday)), to: saturday }
  })
}

/**
 * One report per class to its class teacher, on the channel `topic` is routed by. `as` names a
 * report routed like the topic (its payload name and dedupe key); by default it is the topic's.
 */
async function createReports(
  sql: Sql, now: Date, topic: Topic, due: readonly Due[], unavailable: ReadonlySet<Channel>,
  as: { report: string; key: (d: Due) => string } = { report: topic, key: (d) => `${topic}:${d.classId}:${d.to}` },
): Promise<NewDelivery[]> {
  const { report } = as
  if (!due.length) return []
  const profiles = await loadProfiles(sql, [...new Set(due.map((d) => d.classTeacherId))])
  const created: NewDelivery[] = []
  for (const d of due) {
    const p = profiles.get(d.classTeacherId)
    const choice = p && chooseChannel(p, topic, unavailable)
    if (!p || !choice) continue
    const notBefore = quietUntil(p, now) ?? now
    const [row] = await sql<{ id: string }[]>`
      insert into deliveries (school_id, person_id, channel, mode, dedupe_key, status, not_before, payload)
      values (${d.schoolId}, ${p.personId}, ${choice.channel}, 'report', ${as.key(d)},
              ${notBefore > now ? 'deferred' : 'pending'}, ${notBefore},
              ${sql.json({ report, classId: d.classId, from: d.from, to: d.to })})
      on conflict (person_id, channel, dedupe_key) where dedupe_key is not null do nothing
      returning id`
    if (row) created.push({ id: row.id, channel: choice.channel, notBefore })
  }
  return created
}

/**
 * Scheduled reports for class teachers: the day's absences after the class's last lesson, and
 * the week's attendance on Saturday afternoon (school14 4.6.2). Each is one delivery per class,
 * day or week and channel (a unique dedupe key), so several workers create it once.
 */
import type { Sql } from '../core/db/connect.ts'
import { addDays, localDate, weekday } from '../core/journal/time.ts'
import { classesDueForAbsenceDigest } from '../core/notifications/attendance-reports.ts'
import { chooseChannel, loadProfiles, quietUntil, type Channel, type Topic } from '../core/notifications/preferences.ts'
import type { NewDelivery } from './dispatch.ts'
import type { NotifierOptions } from './options.ts'

/** The weekly summary goes out on Saturday from this local time, for Monday to Saturday. */
export const WEEKLY_SUMMARY_AT = '16:00'

interface Due { classId: string; schoolId: string; classTeacherId: string; from: string; to: string }

export async function scheduleReports(sql: Sql, opts: NotifierOptions, unavailable: readonly Channel[] = []): Promise<NewDelivery[]> {
  const now = opts.clock()
  const daily = await classesDueForAbsenceDigest(sql, now, opts.digestGraceMinutes)
  const weekly = await classesDueForWeeklySummary(sql, now)
  return [
    ...await createReports(sql, now, 'absence_digest', daily.map((c) => ({ ...c, from: c.date, to: c.date })), new Set(unavailable)),
    ...await createReports(sql, now, 'attendance_summary', weekly, new Set(unavailable)),
  ]
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

async function createReports(
  sql: Sql, now: Date, report: Topic, due: readonly Due[], unavailable: ReadonlySet<Channel>,
): Promise<NewDelivery[]> {
  if (!due.length) return []
  const profiles = await loadProfiles(sql, [...new Set(due.map((d) => d.classTeacherId))])
  const created: NewDelivery[] = []
  for (const d of due) {
    const p = profiles.get(d.classTeacherId)
    const choice = p && chooseChannel(p, report, unavailable)
    if (!p || !choice) continue
    const notBefore = quietUntil(p, now) ?? now
    const [row] = await sql<{ id: string }[]>`
      insert into deliveries (school_id, person_id, channel, mode, dedupe_key, status, not_before, payload)
      values (${d.schoolId}, ${p.personId}, ${choice.channel}, 'report', ${`${report}:${d.classId}:${d.to}`},
              ${notBefore > now ? 'deferred' : 'pending'}, ${notBefore},
              ${sql.json({ report, classId: d.classId, from: d.from, to: d.to })})
      on conflict (person_id, channel, dedupe_key) where dedupe_key is not null do nothing
      returning id`
    if (row) created.push({ id: row.id, channel: choice.channel, notBefore })
  }
  return created
}

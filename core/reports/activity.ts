/**
 * Guardian and student activity in a class: who is linked to the bot and who used it in the
 * last week. «Linked»: a live chat link (chat_links: not unlinked, not dead). «Active»: a
 * linked chat spoke to the bot within ACTIVE_DAYS (bot_chats.last_seen_at, which the bot sets
 * on every update it takes from the chat). Names only: no phones, no chat ids.
 */
import type { Db } from '../db/connect.ts'
import { printDoc, type PrintDoc } from '../print/index.ts'
import { localDate } from '../journal/time.ts'
import { byName, classHead, classRoster, studentName } from './common.ts'
import { printNumber } from './format.ts'
import { percent } from './rules.ts'
import type { ActivityReport } from './schema.ts'

export const ACTIVE_DAYS = 7

export async function activityReport(db: Db, classId: string, now = new Date()): Promise<ActivityReport> {
  const { school, cls } = await classHead(db, classId)
  const today = localDate(now, school.timezone)
  const activeSince = new Date(now.getTime() - ACTIVE_DAYS * 86_400_000)
  // the class as it is today
  const roster = (await classRoster(db, classId, today, today)).filter((s) => s.onRoll)
  const ids = roster.map((s) => s.id)
  const guardians = ids.length === 0 ? [] : await db<{ studentId: string; id: string; lastName: string; firstName: string; middleName: string | null }[]>`
    select g.student_id, p.id, p.last_name, p.first_name, p.middle_name
    from guardianships g join persons p on p.id = g.guardian_id where g.student_id in ${db(ids)}`
  const people = [...ids, ...guardians.map((g) => g.id)]
  const links = people.length === 0 ? [] : await db<{ personId: string; active: boolean }[]>`
    select cl.person_id, coalesce(bool_or(bc.last_seen_at >= ${activeSince}), false) as active
    from chat_links cl left join bot_chats bc on bc.platform = cl.platform and bc.chat_id = cl.chat_id
    where cl.person_id in ${db(people)} and cl.unlinked_at is null and cl.dead_at is null
    group by cl.person_id`
  const state = new Map(links.map((l) => [l.personId, l.active]))
  const linkState = (id: string) => ({ linked: state.has(id), active: state.get(id) ?? false })

  const students = roster.map((s, i) => ({
    number: i + 1, name: s.name, ...linkState(s.id),
    guardians: guardians.filter((g) => g.studentId === s.id).sort(byName).map((g) => ({ name: studentName(g), ...linkState(g.id) })),
  }))
  const distinct = [...new Set(guardians.map((g) => g.id))].map(linkState)
  const n = students.length, g = distinct.length
  const count = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length
  const studentsLinked = count(students, (s) => s.linked), studentsActive = count(students, (s) => s.active)
  const guardiansLinked = count(distinct, (x) => x.linked), guardiansActive = count(distinct, (x) => x.active)
  const familiesReached = count(students, (s) => s.guardians.some((x) => x.linked))
  return {
    school, class: cls, activeSince: activeSince.toISOString(), activeDays: ACTIVE_DAYS, students,
    totals: {
      students: n, studentsLinked, studentsActive,
      studentsLinkedPercent: percent(studentsLinked, n), studentsActivePercent: percent(studentsActive, n),
      guardians: g, guardiansLinked, guardiansActive,
      guardiansLinkedPercent: percent(guardiansLinked, g), guardiansActivePercent: percent(guardiansActive, g),
      familiesReached, familiesReachedPercent: percent(familiesReached, n),
    },
  }
}

export function activityDoc(report: ActivityReport): PrintDoc {
  const t = report.totals
  const p = (x: number | null) => printNumber(x, 1)
  return printDoc('report-activity', {
    ...report,
    print: {
      studentsLinked: p(t.studentsLinkedPercent), studentsActive: p(t.studentsActivePercent),
      guardiansLinked: p(t.guardiansLinkedPercent), guardiansActive: p(t.guardiansActivePercent),
      familiesReached: p(t.familiesReachedPercent),
    },
  })
}

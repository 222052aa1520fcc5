/**
 * Calendar arithmetic in the school's time zone, and the regulation's entry deadlines.
 * Dates are 'YYYY-MM-DD' strings; instants are Dates (UTC).
 *
 * Deadlines (late entries are accepted and flagged, never refused):
 * - a mark: by the end of the lesson's day (school26 2.5), plus the work type's deadline_days:
 *   3 for a test (контрольная, 2.11), 10 for written work and essays (2.12);
 * - attendance: by the end of the lesson's day (2.9);
 * - homework: during the lesson or within 1.5 h after the class's last lesson that day
 *   (school14 4.5.3, school26 2.7);
 * - a final mark: by the end of the period's last day (2.13).
 */

export const HOMEWORK_GRACE_MS = 90 * 60_000

const pad = (n: number) => String(n).padStart(2, '0')

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** ISO weekday of a date: 1 Monday … 7 Sunday. */
export function weekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay()
  return d === 0 ? 7 : d
}

/** The wall-clock parts of an instant in a time zone. */
function zonedParts(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(instant)
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value)
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') }
}

/** The local date of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone)
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`
}

/** The instant at which the wall clock of a time zone shows `date time` ('HH:MM' or 'HH:MM:SS'). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [h = 0, min = 0, s = 0] = time.split(':').map(Number)
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const wall = Date.UTC(y, m - 1, d, h, min, s)
  // two passes settle the offset, also across a DST change
  let guess = wall
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), timeZone)
    const shown = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s)
    guess += wall - shown
  }
  return new Date(guess)
}

/** The end of a local day: the next day's local midnight. */
export function endOfDay(date: string, timeZone: string): Date {
  return zonedInstant(addDays(date, 1), '00:00', timeZone)
}

export function markDueAt(lessonDate: string, deadlineDays: number, timeZone: string): Date {
  return endOfDay(addDays(lessonDate, deadlineDays), timeZone)
}

export function attendanceDueAt(lessonDate: string, timeZone: string): Date {
  return endOfDay(lessonDate, timeZone)
}

/** lastLessonEndsAt: the end of the class's last lesson on the lesson's day. */
export function homeworkDueAt(lastLessonEndsAt: Date): Date {
  return new Date(lastLessonEndsAt.getTime() + HOMEWORK_GRACE_MS)
}

export function finalMarkDueAt(periodEndsOn: string, timeZone: string): Date {
  return endOfDay(periodEndsOn, timeZone)
}
